// Refused and failed adds leave nothing behind; garbage collection (`repo/gc` and the schedule)
// removes unpinned blocks and never a block of pinned content, also while an add is in flight.
import { request } from "node:http";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { create } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { RAW_CODE } from "@openledger/protocol";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startIpfsNode, type RunningIpfsNode, type StartIpfsNodeOptions } from "../src/index.ts";
import { all, collect, deterministicBuffer, MiB, PROFILE_CLIENT_OPTIONS, tempDir } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataFolder(): Promise<string> {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  return dir.path;
}

async function start(dataDir: string, options: Partial<StartIpfsNodeOptions> = {}): Promise<RunningIpfsNode> {
  const running = await startIpfsNode({ dataDir, port: 0, ...options });
  cleanups.push(() => running.stop());
  return running;
}

/** The block files on disk. */
async function blockFiles(dataDir: string): Promise<Set<string>> {
  const entries = await readdir(join(dataDir, "blocks"), { recursive: true, withFileTypes: true });
  return new Set(entries.filter((e) => e.isFile() && e.name.endsWith(".data")).map((e) => e.name));
}

async function until(check: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const BOUNDARY = "----gc-test-boundary";

function partHeader(index: number): Buffer {
  return Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file-${index}"; filename="f${index}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
}

const BODY_END = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);

/**
 * A chunked (no Content-Length) multipart upload to `/api/v0/add` that the test writes piece by
 * piece, so it can pause, finish or abandon it.
 */
function openUpload(url: string, query = "") {
  const req = request(`${url}/api/v0/add${query}`, {
    method: "POST",
    headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}`, "Transfer-Encoding": "chunked" },
  });
  const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  const write = (bytes: Uint8Array): Promise<void> =>
    new Promise((resolve, reject) => req.write(bytes, (err) => (err ? reject(err) : resolve())));
  return { req, answer, write };
}

/** Writes `bytes` in 256 KiB pieces (so the server sees them arrive). */
async function writeInPieces(write: (b: Uint8Array) => Promise<void>, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.byteLength; at += 256 * 1024) await write(bytes.subarray(at, at + 256 * 1024));
}

describe("a refused or failed add leaves nothing behind", () => {
  it("an add refused for size removes the blocks it wrote (also across restarts)", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir, { maxBodyBytes: 16 * MiB });
    const before = await blockFiles(dataDir);
    const upload = openUpload(running.url);
    await upload.write(partHeader(0));
    const big = await deterministicBuffer(24 * MiB, "refused-for-size");
    await writeInPieces(upload.write, big).catch(() => undefined);
    upload.req.end();
    expect((await upload.answer.catch(() => ({ status: 413, text: "" }))).status).toBe(413);
    await until(async () => (await blockFiles(dataDir)).size === before.size, "the refused add's blocks to go");
    expect(await blockFiles(dataDir)).toEqual(before);
    await running.stop();
    await start(dataDir);
    expect(await blockFiles(dataDir)).toEqual(before);
  });

  it("an earlier file of a refused request is neither kept nor pinned", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir, { maxBodyBytes: 16 * MiB });
    const client = create({ url: running.url });
    const small = await deterministicBuffer(10 * MiB + 5, "first-of-two");
    const expected = (await client.add(small, { ...PROFILE_CLIENT_OPTIONS, onlyHash: true })).cid;
    const upload = openUpload(running.url);
    await upload.write(partHeader(0));
    await writeInPieces(upload.write, small);
    await upload.write(Buffer.from("\r\n"));
    await upload.write(partHeader(1));
    await writeInPieces(upload.write, await deterministicBuffer(10 * MiB, "second-of-two")).catch(() => undefined);
    upload.req.end();
    expect((await upload.answer.catch(() => ({ status: 413, text: "" }))).status).toBe(413);
    await until(async () => (await blockFiles(dataDir)).size === 0, "the request's blocks to go");
    await expect(all(client.pin.ls({ paths: [expected] }))).rejects.toThrow(/not pinned/);
  });

  it("a client that disconnects midway leaves nothing, and is not logged as an error", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir);
    const logged = vi.spyOn(console, "error");
    try {
      const upload = openUpload(running.url);
      upload.answer.catch(() => undefined);
      await upload.write(partHeader(0));
      await writeInPieces(upload.write, await deterministicBuffer(12 * MiB + 17, "abandoned"));
      await until(async () => (await blockFiles(dataDir)).size >= 10, "the first blocks to be written");
      upload.req.destroy();
      await until(async () => (await blockFiles(dataDir)).size === 0, "the abandoned add's blocks to go");
      expect(logged).not.toHaveBeenCalled();
    } finally {
      logged.mockRestore();
    }
  });

  it("blocks shared with pinned content stay", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir, { maxBodyBytes: 16 * MiB });
    const client = create({ url: running.url });
    const pinned = await deterministicBuffer(24 * MiB, "shared-prefix");
    const head = pinned.subarray(0, 3 * MiB);
    // The pinned file is added in-process (it is over the body limit). The importer writes leaves
    // ten at a time, so the refused add below writes three shared leaves and seven of its own.
    const { cid } = await running.node.add(pinned);
    const before = await blockFiles(dataDir);
    const upload = openUpload(running.url);
    await upload.write(partHeader(0));
    await writeInPieces(upload.write, head);
    await writeInPieces(upload.write, await deterministicBuffer(16 * MiB, "other-tail")).catch(() => undefined);
    upload.req.end();
    expect((await upload.answer.catch(() => ({ status: 413, text: "" }))).status).toBe(413);
    await until(async () => (await blockFiles(dataDir)).size === before.size, "the refused add's own blocks to go");
    expect(await blockFiles(dataDir)).toEqual(before);
    expect(Buffer.from(await collect(client.cat(cid))).equals(Buffer.from(pinned))).toBe(true);
  });
});

describe("repo/gc", () => {
  it("removes unpinned blocks, answers Kubo's NDJSON shape, keeps pinned content across a restart", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir);
    const client = create({ url: running.url });
    const kept = await deterministicBuffer(3 * MiB + 1, "gc-kept");
    const keptCid = (await client.add(kept, PROFILE_CLIENT_OPTIONS)).cid;
    const keptBlocks = await blockFiles(dataDir);
    const direct = (await client.add(new TextEncoder().encode("direct pin survives"), { ...PROFILE_CLIENT_OPTIONS, pin: false })).cid;
    await client.pin.add(direct, { recursive: false });
    const loose = (await client.add(await deterministicBuffer(2 * MiB + 3, "gc-loose"), { ...PROFILE_CLIENT_OPTIONS, pin: false })).cid;
    const unpinned = (await client.add(new TextEncoder().encode("pinned, then unpinned"), PROFILE_CLIENT_OPTIONS)).cid;
    await client.pin.rm(unpinned);
    expect((await blockFiles(dataDir)).size).toBe(keptBlocks.size + 1 + 4 + 1);

    const res = await fetch(`${running.url}/api/v0/repo/gc`, { method: "POST" });
    expect(res.status).toBe(200);
    const lines = (await res.text()).trim().split("\n").map((l) => JSON.parse(l) as { Key: { "/": string } });
    const removed = new Set(lines.map((l) => l.Key["/"]));
    expect(removed.size).toBe(5);
    expect(removed.has(unpinned.toString())).toBe(true);
    // Blocks are kept by multihash: Kubo reports each as CIDv1 with the raw codec.
    expect(removed.has(CID.createV1(RAW_CODE, loose.multihash).toString())).toBe(true);
    expect((await blockFiles(dataDir)).size).toBe(keptBlocks.size + 1);
    expect(await all(client.repo.gc())).toEqual([]);

    await running.stop();
    const again = create({ url: (await start(dataDir)).url });
    expect(Buffer.from(await collect(again.cat(keptCid))).equals(Buffer.from(kept))).toBe(true);
    expect(new TextDecoder().decode(await collect(again.cat(direct)))).toBe("direct pin survives");
    await expect(again.block.stat(loose)).rejects.toThrow(/not found/);
  });

  it("keeps a block shared by two pins after pin A, pin B, unpin A, pin A, unpin B", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir);
    const client = create({ url: running.url });
    const shared = await deterministicBuffer(MiB, "shared-leaf");
    const a = Buffer.concat([shared, Buffer.from("tail of A")]);
    const b = Buffer.concat([shared, Buffer.from("tail of B")]);
    const cidA = (await client.add(a, PROFILE_CLIENT_OPTIONS)).cid;
    const cidB = (await client.add(b, PROFILE_CLIENT_OPTIONS)).cid;
    await client.pin.rm(cidA);
    await client.pin.add(cidA);
    await client.pin.rm(cidB);
    await all(client.repo.gc());
    expect(Buffer.from(await collect(client.cat(cidA))).equals(a)).toBe(true);
    await expect(collect(client.cat(cidB))).rejects.toThrow(/not found/);
  });

  it("keeps blocks shared by files of one request, whose pins are written side by side", async () => {
    // One request of many files that share their first MiB: the pins of their roots run
    // concurrently, and every one must be recorded on the shared block, whichever is unpinned.
    const shared = await deterministicBuffer(MiB, "shared-in-one-request");
    const files = Array.from({ length: 12 }, (_, i) => Buffer.concat([shared, Buffer.from(`tail ${i}`)]));
    for (const keep of [0, 5, files.length - 1]) {
      const dataDir = await dataFolder();
      const running = await start(dataDir);
      const client = create({ url: running.url });
      const added = await all(client.addAll(files.map((content) => ({ content })), PROFILE_CLIENT_OPTIONS));
      expect(added).toHaveLength(files.length);
      for (const [i, entry] of added.entries()) if (i !== keep) await client.pin.rm(entry.cid);
      await all(client.repo.gc());
      expect(Buffer.from(await collect(client.cat(added[keep]!.cid))).equals(files[keep]!), `file ${keep} after unpinning the others`).toBe(true);
      await client.pin.rm(added[keep]!.cid);
      await all(client.repo.gc());
      expect(await blockFiles(dataDir)).toEqual(new Set());
    }
  });

  it("never removes the blocks of an add in flight", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir);
    const client = create({ url: running.url });
    const bytes = await deterministicBuffer(14 * MiB + 9, "in-flight");
    const expected = (await client.add(bytes, { ...PROFILE_CLIENT_OPTIONS, onlyHash: true })).cid;
    const upload = openUpload(running.url);
    await upload.write(partHeader(0));
    await writeInPieces(upload.write, bytes.subarray(0, 12 * MiB));
    await until(async () => (await blockFiles(dataDir)).size >= 10, "the first blocks to be written");
    // Collect twice while the upload waits: its blocks are written but not yet pinned.
    expect(await all(client.repo.gc())).toEqual([]);
    await writeInPieces(upload.write, bytes.subarray(12 * MiB));
    expect(await all(client.repo.gc())).toEqual([]);
    await upload.write(BODY_END);
    upload.req.end();
    const answer = await upload.answer;
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).Hash).toBe(expected.toString());
    expect(await all(client.repo.gc())).toEqual([]);
    expect(Buffer.from(await collect(client.cat(expected))).equals(Buffer.from(bytes))).toBe(true);
  });

  it("runs on a schedule (gcIntervalMs), and not at all with 0", async () => {
    const scheduled = await dataFolder();
    const running = await start(scheduled, { gcIntervalMs: 100 });
    await running.node.add(new TextEncoder().encode("collected on schedule"), { pin: false });
    const kept = await running.node.add(new TextEncoder().encode("pinned, kept on schedule"));
    await until(async () => (await blockFiles(scheduled)).size === 1, "the scheduled collection");
    expect(await running.node.hasBlock(kept.cid)).toBe(true);

    const never = await dataFolder();
    const idle = await start(never, { gcIntervalMs: 0 });
    await idle.node.add(new TextEncoder().encode("never collected"), { pin: false });
    await sleep(300);
    expect((await blockFiles(never)).size).toBe(1);
  });
});
