// The content check against a real embedded IPFS node and a hostile one: what the indexer can see of
// a file's size from its root block, verified against the CID.
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import * as dagPb from "@ipld/dag-pb";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { bytesToHex } from "viem";
import { startIpfsNode, type RunningIpfsNode } from "@openledger/ipfs-node";
import { toOnchainCid } from "@openledger/sdk";
import { checkContent } from "../src/api/contents/check.ts";

let ipfs: RunningIpfsNode;
let dir: string;
let hostile: Server;
let hostileUrl: string;
let hostileBlock: Uint8Array = new Uint8Array();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "content-check-"));
  ipfs = await startIpfsNode({ dataDir: dir });
  // A node that answers whatever block the test sets, for any CID.
  hostile = createServer((_req, res) => res.end(Buffer.from(hostileBlock)));
  await new Promise<void>((r) => hostile.listen(0, "127.0.0.1", r));
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hostile?.close();
  await ipfs?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function added(bytes: Uint8Array) {
  return toOnchainCid((await ipfs.node.add(bytes)).cid.toString());
}

describe("checkContent", () => {
  test("a one-chunk file (raw CID): its block's length", async () => {
    const { digest, codec } = await added(new TextEncoder().encode("a small file\n"));
    expect(codec).toBe(0);
    expect(await checkContent({ ipfsUrl: ipfs.url, timeoutMs: 5_000, digest, codec })).toEqual({ status: "Sized", storedSize: 13, issue: null });
  });

  test("a file over one chunk (dag-pb root): the size its UnixFS root states, without fetching the leaves", async () => {
    const bytes = new Uint8Array(2_500_000).map((_, i) => (i * 7) % 251);
    const { digest, codec } = await added(bytes);
    expect(codec).toBe(1);
    expect(await checkContent({ ipfsUrl: ipfs.url, timeoutMs: 5_000, digest, codec })).toEqual({ status: "Sized", storedSize: 2_500_000, issue: null });
  });

  test("content the node does not hold is unavailable", async () => {
    const digest = bytesToHex((await sha256.digest(new TextEncoder().encode("never added"))).digest);
    const result = await checkContent({ ipfsUrl: ipfs.url, timeoutMs: 2_000, digest, codec: 0 });
    expect(result.status).toBe("Unavailable");
    expect(result.issue).toMatch(/^could not fetch the root block of bafkrei/);
  });

  test("a node answering other bytes is not believed", async () => {
    const digest = bytesToHex((await sha256.digest(new TextEncoder().encode("the real file"))).digest);
    hostileBlock = new TextEncoder().encode("a much longer file that is not the one the CID names");
    const result = await checkContent({ ipfsUrl: hostileUrl, timeoutMs: 2_000, digest, codec: 0 });
    expect(result).toMatchObject({ status: "Unavailable", storedSize: null });
    expect(result.issue).toMatch(/hash to 0x[0-9a-f]{64}, not bafkrei\w+'s digest$/);
  });

  test("a dag-pb root that is not a UnixFS file states no size", async () => {
    hostileBlock = dagPb.encode({ Links: [] });
    const digest = bytesToHex((await sha256.digest(hostileBlock)).digest);
    const result = await checkContent({ ipfsUrl: hostileUrl, timeoutMs: 2_000, digest, codec: 1 });
    expect(result.status).toBe("Unreadable");
    expect(result.issue).toMatch(/states no file size: the dag-pb node has no UnixFS data$/);
  });
});
