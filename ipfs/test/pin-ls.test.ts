// `pin/ls` of one CID looks that pin up directly: it reads none of the other pins' blocks.
import { create } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { linksOf } from "../src/index.ts";
import { deterministicBuffer, MiB, startTestNode } from "./helpers.ts";

let node: Awaited<ReturnType<typeof startTestNode>>;
const roots: string[] = [];

beforeAll(async () => {
  node = await startTestNode();
  // 40 pinned files of two leaves and a root each.
  for (let i = 0; i < 40; i++) roots.push((await node.node.add(await deterministicBuffer(MiB + 1 + i, `pin-ls-${i}`))).cid.toString());
});
afterAll(async () => {
  await node.close();
});

async function pinLs(arg: string): Promise<{ status: number; body: { Keys?: Record<string, { Type: string }>; Message?: string } }> {
  const res = await fetch(`${node.url}/api/v0/pin/ls?arg=${arg}`, { method: "POST" });
  return { status: res.status, body: await res.json() };
}

it("answers a recursive pin and an indirect block reading at most the blocks on the way", async () => {
  const reads = vi.spyOn(node.node, "getBlock");
  const root = roots[17] as string;
  expect(await pinLs(root)).toEqual({ status: 200, body: { Keys: { [root]: { Type: "recursive" } } } });
  expect(reads.mock.calls.length).toBeLessThanOrEqual(1);

  const rootCid = CID.parse(root);
  const leaf = linksOf({ cid: rootCid, bytes: await node.node.getBlock(rootCid) })[1]?.toString() as string;
  reads.mockClear();
  expect(await pinLs(leaf)).toEqual({ status: 200, body: { Keys: { [leaf]: { Type: `indirect through ${root}` } } } });
  expect(reads.mock.calls.length).toBeLessThanOrEqual(2);
  reads.mockRestore();
});

it("still lists every pin, and refuses a CID that is not pinned", async () => {
  const client = create({ url: node.url });
  const recursive: string[] = [];
  for await (const pin of client.pin.ls({ type: "recursive" })) recursive.push(pin.cid.toString());
  expect(recursive.sort()).toEqual([...roots].sort());
  const loose = (await node.node.add(new TextEncoder().encode("not pinned"), { pin: false })).cid.toString();
  const answer = await pinLs(loose);
  expect(answer.status).toBe(500);
  expect(answer.body.Message).toBe(`path '${loose}' is not pinned`);
});
