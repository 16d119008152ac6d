// Adds whose parameters would give CIDs outside the protocol's profile are refused, never
// silently answered with a CID computed some other way.
import { create, type KuboRPCClient } from "kubo-rpc-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAddOptions } from "../src/add-options.ts";
import { BadRequestError } from "../src/errors.ts";
import { all, PROFILE_CLIENT_OPTIONS, startTestNode } from "./helpers.ts";

let node: Awaited<ReturnType<typeof startTestNode>>;
let client: KuboRPCClient;

beforeAll(async () => {
  node = await startTestNode();
  client = create({ url: node.url });
});
afterAll(async () => {
  await node.close();
});

const bytes = new TextEncoder().encode("profile check");

describe("add parameters outside the profile", () => {
  const refusals: Array<[string, Record<string, unknown>, RegExp]> = [
    ["CIDv0", { cidVersion: 0 }, /cid-version="0".*CIDv1 only/],
    ["256 KiB chunks", { chunker: "size-262144" }, /chunker="size-262144".*1048576 bytes/],
    ["rabin chunking", { chunker: "rabin-262144-524288-1048576" }, /content-defined chunking/],
    ["dag-pb leaves", { rawLeaves: false }, /raw-leaves="false"/],
    ["sha2-512", { hashAlg: "sha2-512" }, /hash="sha2-512".*sha2-256 only/],
    ["trickle layout", { trickle: true }, /trickle/],
    ["inlined blocks", { inline: true }, /inline/],
    ["wrapping in a directory", { wrapWithDirectory: true }, /wrap-with-directory/],
    ["another link width", { maxFileLinks: 174 } as never, /max-file-links="174"/],
    ["mtime metadata", { mtime: { secs: 1_700_000_000 } }, /mtime/],
    ["mode metadata", { mode: 0o644 }, /mode/],
    ["an unknown parameter", { fancyOption: "yes" }, /unsupported parameter "fancy-option"/],
  ];
  for (const [what, options, message] of refusals) {
    it(`refuses ${what} with a 400 that says why`, async () => {
      await expect(client.add(bytes, { ...PROFILE_CLIENT_OPTIONS, ...options })).rejects.toThrow(message);
    });
  }

  it("answers with status 400 and stores nothing", async () => {
    const form = new FormData();
    form.append("file", new Blob([bytes]), "x.txt");
    const res = await fetch(`${node.url}/api/v0/add?cid-version=0`, { method: "POST", body: form });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { Message: string; Code: number; Type: string };
    expect(body.Type).toBe("error");
    expect(body.Message).toMatch(/unixfs-v1-2025/);
    expect(await all(client.pin.ls())).toEqual([]);
  });

  it("refuses directories and paths inside them", async () => {
    await expect(
      all(client.addAll([{ path: "folder" }, { path: "folder/a.txt", content: bytes }], PROFILE_CLIENT_OPTIONS)),
    ).rejects.toThrow(/directory/);
    await expect(client.add({ path: "folder/a.txt", content: bytes }, PROFILE_CLIENT_OPTIONS)).rejects.toThrow(/single files only/);
  });

  it("accepts the profile spelled out, and the harmless transport and pin options", async () => {
    const added = await client.add(bytes, { ...PROFILE_CLIENT_OPTIONS, pin: true, quiet: true, cidBase: "base32" } as never);
    expect(added.cid.toString()).toMatch(/^bafkrei/);
  });
});

describe("parseAddOptions", () => {
  it("defaults to pinning, storing and no progress", () => {
    expect(parseAddOptions(new URLSearchParams("stream-channels=true&progress=false"))).toEqual({ pin: true, pinName: undefined, onlyHash: false, progress: false });
  });

  it("reads booleans as Kubo does and refuses other spellings", () => {
    expect(parseAddOptions(new URLSearchParams("pin=0&only-hash=1")).onlyHash).toBe(true);
    expect(parseAddOptions(new URLSearchParams("raw-leaves=T")).pin).toBe(true);
    expect(() => parseAddOptions(new URLSearchParams("pin=maybe"))).toThrow(BadRequestError);
  });

  it("refuses conflicting repeats and a pin name without a pin", () => {
    expect(() => parseAddOptions(new URLSearchParams("cid-version=1&cid-version=0"))).toThrow(/more than once/);
    expect(() => parseAddOptions(new URLSearchParams("pin=false&pin-name=x"))).toThrow(/pin-name requires pin=true/);
  });
});
