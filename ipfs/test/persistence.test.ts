// Data and pins survive a restart on the same data folder; a damaged block is never served.
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { create } from "kubo-rpc-client";
import { afterEach, describe, expect, it } from "vitest";
import { startIpfsNode, type RunningIpfsNode } from "../src/index.ts";
import { collect, deterministicBuffer, MiB, PROFILE_CLIENT_OPTIONS, tempDir } from "./helpers.ts";

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataFolder(): Promise<string> {
  const dir = await tempDir();
  cleanups.push(dir.cleanup);
  return dir.path;
}

async function start(dataDir: string): Promise<RunningIpfsNode> {
  const running = await startIpfsNode({ dataDir, port: 0 });
  cleanups.push(() => running.stop());
  return running;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe("restart on the same data folder", () => {
  it("keeps blocks and pins (recursive, direct, named) and the removal of a pin", async () => {
    const dataDir = await dataFolder();
    const first = await start(dataDir);
    const client = create({ url: first.url });
    const big = await deterministicBuffer(2 * MiB + 99, "persist-big");
    const keep = await client.add(big, { ...PROFILE_CLIENT_OPTIONS, pinName: "kept" } as never);
    const direct = await client.add(new TextEncoder().encode("direct pin"), { ...PROFILE_CLIENT_OPTIONS, pin: false });
    await client.pin.add(direct.cid, { recursive: false });
    const dropped = await client.add(new TextEncoder().encode("unpinned before restart"), PROFILE_CLIENT_OPTIONS);
    await client.pin.rm(dropped.cid);
    await first.stop();

    const second = await start(dataDir);
    const again = create({ url: second.url });
    expect(Buffer.from(await collect(again.cat(keep.cid))).equals(Buffer.from(big))).toBe(true);
    const pins = new Map<string, { type: string; name?: string }>();
    for await (const pin of again.pin.ls({ names: true })) pins.set(pin.cid.toString(), { type: pin.type, name: pin.name });
    expect(pins.get(keep.cid.toString())).toEqual({ type: "recursive", name: "kept" });
    expect(pins.get(direct.cid.toString())?.type).toBe("direct");
    expect(pins.has(dropped.cid.toString())).toBe(false);
    // The unpinned file's block is still held (no garbage collection ran).
    expect((await again.block.stat(dropped.cid)).size).toBe("unpinned before restart".length);
  });

  it("a second node on the same folder after the first stops sees the same content", async () => {
    const dataDir = await dataFolder();
    const first = await start(dataDir);
    const cid = (await first.node.add(new TextEncoder().encode("shared folder"))).cid;
    await first.stop();
    const second = await start(dataDir);
    expect(new TextDecoder().decode(await collect(second.node.cat(cid)))).toBe("shared folder");
    expect(await second.node.listPins({ type: "recursive" })).toEqual([{ cid, type: "recursive", name: undefined }]);
  });
});

describe("integrity of stored blocks", () => {
  it("refuses to serve a block whose file on disk was altered", async () => {
    const dataDir = await dataFolder();
    const running = await start(dataDir);
    const bytes = new TextEncoder().encode("original contribution bytes");
    const { cid } = await running.node.add(bytes);
    // Find the block's file (a raw leaf is stored as the bytes themselves) and flip one byte.
    let altered = false;
    for (const file of await filesUnder(join(dataDir, "blocks"))) {
      const content = await readFile(file);
      if (content.equals(Buffer.from(bytes))) {
        content[0] = (content[0] as number) ^ 0xff;
        await writeFile(file, content);
        altered = true;
      }
    }
    expect(altered).toBe(true);

    const client = create({ url: running.url });
    await expect(client.block.get(cid)).rejects.toThrow(/failed verification/);
    await expect(collect(client.cat(cid))).rejects.toThrow(/failed verification/);
    for (const accept of ["application/vnd.ipld.raw", "application/vnd.ipld.car", "*/*"]) {
      const res = await fetch(`${running.gatewayUrl}${cid}`, { headers: { accept } });
      expect(res.status).toBe(500);
      expect(await res.text()).toMatch(/failed verification/);
    }
  });
});
