// The trustless gateway: raw blocks, CARs of whole DAGs, deserialised files, HEAD, caching, 404.
import { CarReader } from "@ipld/car/reader";
import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeCid } from "@openledger/sdk";
import { sniffContentType } from "../src/gateway.ts";
import { all, deterministicBuffer, MiB, startTestNode } from "./helpers.ts";

let node: Awaited<ReturnType<typeof startTestNode>>;
let small: { cid: CID; bytes: Uint8Array };
let large: { cid: CID; bytes: Uint8Array };

beforeAll(async () => {
  node = await startTestNode();
  const smallBytes = new TextEncoder().encode("gateway small file\n");
  const largeBytes = await deterministicBuffer(3 * MiB + 777, "gateway-large");
  small = { cid: (await node.node.add(smallBytes)).cid, bytes: smallBytes };
  large = { cid: (await node.node.add(largeBytes)).cid, bytes: largeBytes };
});
afterAll(async () => {
  await node.close();
});

const gw = (cid: CID | string, accept?: string, init: RequestInit = {}) =>
  fetch(`${node.gatewayUrl}${cid}`, { ...init, headers: { ...(accept === undefined ? {} : { accept }), ...(init.headers as Record<string, string> | undefined) } });

async function hashesTo(cid: CID, bytes: Uint8Array): Promise<boolean> {
  return Buffer.from((await sha256.digest(bytes)).digest).equals(Buffer.from(cid.multihash.digest));
}

describe("trustless gateway", () => {
  it("serves a raw block that hashes to its CID", async () => {
    const res = await gw(large.cid, "application/vnd.ipld.raw");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.ipld.raw");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("etag")).toBe(`"${large.cid}.raw"`);
    const block = new Uint8Array(await res.arrayBuffer());
    expect(await hashesTo(large.cid, block)).toBe(true);
    // The root of a chunked file is a dag-pb node linking the four leaves.
    expect(dagPb.decode(block).Links).toHaveLength(4);
    expect(Number(res.headers.get("content-length"))).toBe(block.length);
  });

  it("serves a CARv1 of the whole DAG in which every block hashes to its CID", async () => {
    const res = await gw(large.cid, "application/vnd.ipld.car");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.ipld.car; version=1; order=dfs; dups=n");
    expect(res.headers.get("etag")).toBe(`"${large.cid}.car"`);
    const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
    expect((await reader.getRoots()).map(String)).toEqual([large.cid.toString()]);
    const blocks = await all(reader.blocks());
    expect(blocks).toHaveLength(5);
    for (const block of blocks) expect(await hashesTo(block.cid, block.bytes)).toBe(true);
    // The leaves, in order, are the file.
    const leaves = blocks.filter((b) => b.cid.code === 0x55).map((b) => b.bytes);
    expect(Buffer.concat(leaves).equals(Buffer.from(large.bytes))).toBe(true);
    // Recomputing the CID from the CAR's content gives the root.
    expect((await computeCid(new Uint8Array(Buffer.concat(leaves)))).toString()).toBe(large.cid.toString());
  });

  it("serves a one-block CAR for a raw-leaf file", async () => {
    const res = await gw(small.cid, "application/vnd.ipld.car; version=1");
    const reader = await CarReader.fromBytes(new Uint8Array(await res.arrayBuffer()));
    const blocks = await all(reader.blocks());
    expect(blocks.map((b) => b.cid.toString())).toEqual([small.cid.toString()]);
    expect(Buffer.from(blocks[0]?.bytes ?? []).equals(Buffer.from(small.bytes))).toBe(true);
  });

  it("serves the file's bytes when no IPLD format is asked for", async () => {
    const res = await gw(large.cid);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/octet-stream");
    expect(res.headers.get("etag")).toBe(`"${large.cid}"`);
    expect(Number(res.headers.get("content-length"))).toBe(large.bytes.length);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(large.bytes))).toBe(true);

    expect((await gw(`${small.cid}/`)).status).toBe(200);

    const text = await gw(small.cid, "text/html,*/*");
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(text.headers.get("x-content-type-options")).toBe("nosniff");
    expect(await text.text()).toBe("gateway small file\n");
  });

  it("also takes ?format=raw|car", async () => {
    expect((await fetch(`${node.gatewayUrl}${large.cid}?format=raw`)).headers.get("content-type")).toBe("application/vnd.ipld.raw");
    expect((await fetch(`${node.gatewayUrl}${large.cid}?format=car`)).headers.get("content-type")).toMatch(/^application\/vnd\.ipld\.car/);
    expect((await fetch(`${node.gatewayUrl}${large.cid}?format=tar`)).status).toBe(400);
  });

  it("answers byte ranges of the file", async () => {
    const res = await gw(large.cid, undefined, { headers: { range: `bytes=${MiB - 5}-${MiB + 4}` } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes ${MiB - 5}-${MiB + 4}/${large.bytes.length}`);
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(large.bytes.subarray(MiB - 5, MiB + 5)))).toBe(true);
    const beyond = await gw(large.cid, undefined, { headers: { range: `bytes=${large.bytes.length}-` } });
    expect(beyond.status).toBe(416);
  });

  it("answers HEAD with the headers and no body", async () => {
    for (const accept of [undefined, "application/vnd.ipld.raw", "application/vnd.ipld.car"]) {
      const res = await gw(large.cid, accept, { method: "HEAD" });
      expect(res.status).toBe(200);
      expect(res.headers.get("etag")).not.toBeNull();
      expect((await res.arrayBuffer()).byteLength).toBe(0);
    }
    expect((await gw(large.cid, undefined, { method: "HEAD" })).headers.get("content-length")).toBe(String(large.bytes.length));
  });

  it("answers 304 to a matching If-None-Match", async () => {
    const res = await gw(small.cid, "application/vnd.ipld.raw", { headers: { "if-none-match": `"${small.cid}.raw"` } });
    expect(res.status).toBe(304);
  });

  it("answers 404 for a CID it does not hold, at once, for every format", async () => {
    const missing = CID.createV1(0x55, await sha256.digest(new TextEncoder().encode("not on this node")));
    for (const accept of [undefined, "application/vnd.ipld.raw", "application/vnd.ipld.car"]) {
      const started = performance.now();
      const res = await gw(missing, accept);
      expect(res.status).toBe(404);
      expect(await res.text()).toMatch(/not found/);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
    expect((await gw(missing, undefined, { method: "HEAD" })).status).toBe(404);
  });

  it("refuses a malformed CID, a path inside a DAG, a CAR version it does not make, and other methods", async () => {
    expect((await gw("not-a-cid")).status).toBe(400);
    expect((await gw(`${large.cid}/sub/path`)).status).toBe(400);
    expect((await gw(large.cid, "application/vnd.ipld.car; version=2")).status).toBe(406);
    expect((await gw(large.cid, undefined, { method: "POST" })).status).toBe(405);
  });

  it("sniffs common file types for the Content-Type", () => {
    expect(sniffContentType(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toBe("image/png");
    expect(sniffContentType(new TextEncoder().encode("%PDF-1.7"))).toBe("application/pdf");
    expect(sniffContentType(new TextEncoder().encode("RIFF\0\0\0\0WAVEfmt "))).toBe("audio/wav");
    expect(sniffContentType(new TextEncoder().encode('{"q":"é"}\n'))).toBe("text/plain; charset=utf-8");
    expect(sniffContentType(Uint8Array.from([0xc3, 0x28, 0x41, 0x42, 0x43, 0x44]))).toBe("application/octet-stream");
  });
});
