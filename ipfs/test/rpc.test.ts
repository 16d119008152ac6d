// kubo-rpc-client (the client the SDK uses) against the node's Kubo RPC subset.
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeCid, KUBO_ADD_PARAMS } from "@openledger/sdk";
import { all, collect, deterministicBuffer, MiB, PROFILE_CLIENT_OPTIONS, startTestNode } from "./helpers.ts";

let node: Awaited<ReturnType<typeof startTestNode>>;
let client: KuboRPCClient;

beforeAll(async () => {
  node = await startTestNode();
  client = create({ url: node.url });
});
afterAll(async () => {
  await node.close();
});

/** A CID nobody added: the sha2-256 of bytes this suite never stores. */
async function absentCid(): Promise<CID> {
  return CID.createV1(0x55, await sha256.digest(new TextEncoder().encode(`absent ${Math.random()}`)));
}

describe("add and cat through kubo-rpc-client", () => {
  it("adds a small file as a raw leaf and cats it back", async () => {
    const bytes = new TextEncoder().encode("a small contribution\n");
    const added = await client.add(bytes, PROFILE_CLIENT_OPTIONS);
    expect(added.cid.toString()).toBe((await computeCid(bytes)).toString());
    expect(added.cid.code).toBe(0x55);
    expect(added.size).toBe(bytes.length);
    expect(await collect(client.cat(added.cid))).toEqual(bytes);
  });

  it("adds a 3 MiB file in 1 MiB chunks (dag-pb root over 4 raw leaves) and cats identical bytes", async () => {
    const bytes = await deterministicBuffer(3 * MiB + 12_345, "rpc-multi-chunk");
    const added = await client.add(bytes, PROFILE_CLIENT_OPTIONS);
    expect(added.cid.toString()).toBe((await computeCid(bytes)).toString());
    expect(added.cid.code).toBe(0x70);
    // Kubo's Size is the whole DAG: the file bytes plus the root node.
    const root = await client.block.stat(added.cid);
    expect(added.size).toBe(bytes.length + root.size);
    const back = await collect(client.cat(added.cid));
    expect(Buffer.compare(back, bytes)).toBe(0);
    // A range across a chunk boundary.
    const slice = await collect(client.cat(added.cid, { offset: MiB - 10, length: 30 }));
    expect(Buffer.from(slice).equals(Buffer.from(bytes.subarray(MiB - 10, MiB + 20)))).toBe(true);
  });

  it("adds an empty file", async () => {
    const added = await client.add(new Uint8Array(0), PROFILE_CLIENT_OPTIONS);
    expect(added.cid.toString()).toBe((await computeCid(new Uint8Array(0))).toString());
    expect(added.cid.toString()).toBe("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
    expect(added.size).toBe(0);
    expect((await collect(client.cat(added.cid))).length).toBe(0);
  });

  it("takes the profile's values when the parameters are left out", async () => {
    const bytes = await deterministicBuffer(2 * MiB + 1, "rpc-defaults");
    const added = await client.add(bytes);
    expect(added.cid.toString()).toBe((await computeCid(bytes)).toString());
  });

  it("accepts the SDK's KUBO_ADD_PARAMS passed as raw search parameters, and /ipfs/ paths in cat", async () => {
    const bytes = await deterministicBuffer(MiB + 1, "rpc-sdk-params");
    const added = await client.add(bytes, { searchParams: new URLSearchParams(KUBO_ADD_PARAMS) } as never);
    expect(added.cid.toString()).toBe((await computeCid(bytes)).toString());
    expect((await collect(client.cat(`/ipfs/${added.cid}`))).length).toBe(bytes.length);
  });

  it("adds several files in one request, with their names", async () => {
    const files = [
      { path: "a.txt", content: new TextEncoder().encode("first") },
      { path: "b.txt", content: new TextEncoder().encode("second") },
    ];
    const results = [];
    for await (const result of client.addAll(files, PROFILE_CLIENT_OPTIONS)) results.push(result);
    expect(results.map((r) => r.path)).toEqual(["a.txt", "b.txt"]);
    for (const [i, file] of files.entries()) {
      expect(results[i]?.cid.toString()).toBe((await computeCid(file.content)).toString());
    }
  });

  it("only-hash computes the CID and stores nothing", async () => {
    const bytes = new TextEncoder().encode(`only hashed ${Date.now()}`);
    const added = await client.add(bytes, { ...PROFILE_CLIENT_OPTIONS, onlyHash: true });
    expect(added.cid.toString()).toBe((await computeCid(bytes)).toString());
    await expect(client.block.stat(added.cid)).rejects.toThrow(/not found/);
  });

  it("reports upload progress when asked", async () => {
    const seen: number[] = [];
    await client.add(new TextEncoder().encode("progress"), { ...PROFILE_CLIENT_OPTIONS, progress: (bytes) => seen.push(bytes) });
    expect(seen).toContain(8);
    // For a chunked file the progress count is the file's bytes, not the DAG's.
    const chunked: number[] = [];
    await client.add(await deterministicBuffer(2 * MiB + 5, "rpc-progress"), { ...PROFILE_CLIENT_OPTIONS, progress: (bytes) => chunked.push(bytes) });
    expect(chunked).toContain(2 * MiB + 5);
  });
});

describe("pins", () => {
  it("pins on add by default, lists pins (recursive and indirect), and removes them", async () => {
    const bytes = await deterministicBuffer(2 * MiB + 3, "rpc-pins");
    const added = await client.add(bytes, PROFILE_CLIENT_OPTIONS);
    const pins = new Map<string, string>();
    for await (const pin of client.pin.ls()) pins.set(pin.cid.toString(), pin.type);
    expect(pins.get(added.cid.toString())).toBe("recursive");
    // The three leaves are held indirectly through the root.
    const leaves = [...pins.entries()].filter(([, type]) => type === "indirect").map(([cid]) => cid);
    expect(leaves.length).toBeGreaterThanOrEqual(3);
    // Helia's own pin records cover every block of the DAG (what a garbage collection would keep).
    for (const leaf of leaves) expect(await node.node.isPinned(CID.parse(leaf))).toBe(true);

    const [only] = await all(client.pin.ls({ paths: added.cid }));
    expect(only?.type).toBe("recursive");

    const recursiveOnly = await all(client.pin.ls({ type: "recursive" }));
    expect(recursiveOnly.every((p) => p.type === "recursive")).toBe(true);

    expect((await client.pin.rm(added.cid)).toString()).toBe(added.cid.toString());
    await expect(all(client.pin.ls({ paths: added.cid }))).rejects.toThrow(/not pinned/);
    // Unpinned blocks stay readable until a garbage collection.
    expect((await collect(client.cat(added.cid))).length).toBe(bytes.length);

    expect((await client.pin.add(added.cid)).toString()).toBe(added.cid.toString());
    const [again] = await all(client.pin.ls({ paths: added.cid }));
    expect(again?.type).toBe("recursive");
  });

  it("does not pin when pin=false, and pins directly when recursive=false", async () => {
    const added = await client.add(new TextEncoder().encode(`unpinned ${Date.now()}`), { ...PROFILE_CLIENT_OPTIONS, pin: false });
    await expect(all(client.pin.ls({ paths: added.cid }))).rejects.toThrow(/not pinned/);
    await client.pin.add(added.cid, { recursive: false });
    const [pin] = await all(client.pin.ls({ paths: added.cid }));
    expect(pin?.type).toBe("direct");
  });

  it("records a pin name", async () => {
    const added = await client.add(new TextEncoder().encode(`named ${Date.now()}`), { ...PROFILE_CLIENT_OPTIONS, pinName: "contribution-7" } as never);
    const pins = await all(client.pin.ls({ paths: added.cid, names: true }));
    expect(pins[0]?.name).toBe("contribution-7");
  });

  it("refuses to pin a CID it does not hold, and to unpin one that is not pinned", async () => {
    const missing = await absentCid();
    await expect(client.pin.add(missing)).rejects.toThrow(/not found/);
    const added = await client.add(new TextEncoder().encode(`never pinned ${Date.now()}`), { ...PROFILE_CLIENT_OPTIONS, pin: false });
    await expect(client.pin.rm(added.cid)).rejects.toThrow(/not pinned/);
  });
});

describe("blocks and version", () => {
  it("block/get returns the stored bytes, which hash to the CID", async () => {
    const bytes = new TextEncoder().encode("block bytes");
    const added = await client.add(bytes, PROFILE_CLIENT_OPTIONS);
    const block = await client.block.get(added.cid);
    expect(Buffer.from(block).equals(Buffer.from(bytes))).toBe(true);
    const digest = await sha256.digest(block);
    expect(Buffer.from(digest.digest).equals(Buffer.from(added.cid.multihash.digest))).toBe(true);
    expect(await client.block.stat(added.cid)).toEqual({ cid: added.cid, size: bytes.length });
  });

  it("version says what the node is", async () => {
    const version = await client.version();
    expect(version.version).toBe("0.1.0");
    expect(String((version as unknown as Record<string, unknown>).agent)).toMatch(/embedded Helia 7\.1\.15, offline/);
  });
});

describe("errors", () => {
  it("a CID that is not held fails fast with a clear not-found error", async () => {
    const missing = await absentCid();
    for (const call of [() => client.block.get(missing), () => client.block.stat(missing), () => collect(client.cat(missing))]) {
      const started = performance.now();
      await expect(call()).rejects.toThrow(/not found: this node holds no such block and is offline/);
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it("answers errors in Kubo's JSON shape", async () => {
    const res = await fetch(`${node.url}/api/v0/cat?arg=not-a-cid`, { method: "POST" });
    expect(res.status).toBe(400);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({ Message: expect.stringContaining("not a valid CID"), Code: 0, Type: "error" });

    const missing = await fetch(`${node.url}/api/v0/block/get?arg=${await absentCid()}`, { method: "POST" });
    expect(missing.status).toBe(500);
    expect(((await missing.json()) as { Type: string }).Type).toBe("error");
  });

  it("refuses GET on the RPC and unknown commands", async () => {
    const get = await fetch(`${node.url}/api/v0/version`);
    expect(get.status).toBe(405);
    const unknown = await fetch(`${node.url}/api/v0/dht/findprovs?arg=x`, { method: "POST" });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { Message: string }).Message).toMatch(/not served by this node/);
  });

  it("refuses a body over the limit with a 413", async () => {
    const small = await startTestNode({ maxBodyBytes: 1 * MiB });
    try {
      const smallClient = create({ url: small.url });
      await expect(smallClient.add(new Uint8Array(2 * MiB), PROFILE_CLIENT_OPTIONS)).rejects.toThrow(/exceeds the limit of 1048576 bytes/);
      // With a declared length the refusal comes before any byte is read.
      const form = new FormData();
      form.append("file", new Blob([new Uint8Array(2 * MiB)]), "big.bin");
      const res = await fetch(`${small.url}/api/v0/add`, { method: "POST", body: form });
      expect(res.status).toBe(413);
      expect(((await res.json()) as { Message: string }).Message).toMatch(/exceeds the limit/);
      // Under the limit still works.
      const ok = await smallClient.add(new Uint8Array(1000), PROFILE_CLIENT_OPTIONS);
      expect(ok.size).toBe(1000);
    } finally {
      await small.close();
    }
  });
});

describe("concurrency", () => {
  it("concurrent pins of DAGs sharing a chunk keep exact pin counts", async () => {
    // Files whose first MiB is the same chunk: the shared leaf is pinned through every root.
    const shared = await deterministicBuffer(MiB, "rpc-shared-chunk");
    const roots: CID[] = [];
    for (let i = 0; i < 6; i++) {
      roots.push((await client.add(Buffer.concat([shared, Buffer.from(`tail ${i}`)]), { ...PROFILE_CLIENT_OPTIONS, pin: false })).cid);
    }
    // Overlapping pin requests, each CID twice at once.
    await Promise.all([...roots, ...roots].map((cid) => client.pin.add(cid)));
    const leaf = await computeCid(shared);
    for (const [i, root] of roots.entries()) {
      expect(await node.node.isPinned(leaf), `before unpinning root ${i}`).toBe(true);
      await client.pin.rm(root);
    }
    expect(await node.node.isPinned(leaf)).toBe(false);
  });
});
