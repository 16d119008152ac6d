// IPFS through the Kubo RPC API, so that a real Kubo node, IPFS Cluster's proxy or the embedded node
// are interchangeable by URL. Adds stream a `ByteSource` (memory stays at a chunk or so per upload)
// and use the protocol's CID profile and are checked against the CID computed locally (a node
// configured otherwise is caught, not trusted); downloads are verified against the CID before they
// are returned.
//
// Writes and pins go through kubo-rpc-client (its multipart encoder), loaded on first use. Reads
// (`cat`, `version`) are one POST each, sent with fetch: a page that only reads documents (the app's
// first screen, which shows Datanet names) does not load the RPC client, about 70 KB gzip with the
// codecs and key types it builds in.
import type { KuboRPCClient } from "kubo-rpc-client";
import { MAX_FILE_SIZE_CEILING } from "@openledger/protocol";
import { CHUNK_SIZE, CID, computeCid } from "./cid.ts";
import { ContentVerificationError, IpfsError } from "./errors.ts";
import type { ByteSource } from "./source.ts";

/** The protocol's cap on a file (10 MiB); downloads stop past it unless told otherwise. */
export const DEFAULT_MAX_DOWNLOAD = MAX_FILE_SIZE_CEILING;

export interface IpfsClient {
  url: string;
  /**
   * Adds and pins content (bytes in memory, or a `ByteSource` streamed chunk by chunk, never held
   * whole); returns its CID, verified against the CID computed locally (`options.cid` when the caller
   * computed it already, else computed here).
   */
  add(content: Uint8Array | ByteSource, options?: { signal?: AbortSignal; cid?: CID }): Promise<CID>;
  /**
   * Adds and pins several files in one request, each streamed in turn from its source; returns
   * their CIDs in order, each verified against the one the caller computed (`cids`, same order).
   */
  addAll(sources: readonly ByteSource[], cids: readonly CID[], options?: { signal?: AbortSignal }): Promise<CID[]>;
  /** Fetches the bytes of a CID and verifies them against it. */
  get(cid: CID | string, options?: { maxBytes?: number; signal?: AbortSignal }): Promise<Uint8Array>;
  /** Whether the node holds the content (pinned). */
  has(cid: CID | string): Promise<boolean>;
  pin(cid: CID | string): Promise<void>;
  version(): Promise<{ version: string; [key: string]: unknown }>;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The message of a refused RPC call: Kubo answers `{ Message, Code }` with a non-2xx status. */
async function rpcRefusal(res: Response): Promise<string> {
  const text = (await res.text().catch(() => "")).slice(0, 2_000);
  try {
    const body = JSON.parse(text) as { Message?: unknown };
    if (typeof body.Message === "string") return `${body.Message} (HTTP ${res.status})`;
  } catch {
    // not JSON: the text itself, if any
  }
  return text.trim() ? `${text.trim()} (HTTP ${res.status})` : `HTTP ${res.status}`;
}

export function createIpfsClient(url: string, options: { timeoutMs?: number } = {}): IpfsClient {
  const timeout = options.timeoutMs ?? 30_000;
  let api: string;
  try {
    // Keep any path prefix of the URL (a gateway or proxy may serve the RPC below one).
    const parsed = new URL(url);
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`the scheme is ${parsed.protocol}, not http: or https:`);
    api = `${parsed.toString().replace(/\/$/, "")}/api/v0`;
  } catch (error) {
    throw new IpfsError(`cannot use ${url} as a Kubo RPC endpoint: ${describe(error)}`);
  }
  let loaded: Promise<KuboRPCClient> | undefined;
  const rpc = () => (loaded ??= import("kubo-rpc-client").then(({ create }) => create({ url: api, timeout })));
  /** One RPC call by fetch, within the client's timeout and the caller's signal. */
  const post = async (command: string, signal: AbortSignal | undefined): Promise<Response> => {
    const deadline = AbortSignal.timeout(timeout);
    const res = await fetch(`${api}/${command}`, { method: "POST", signal: signal ? AbortSignal.any([signal, deadline]) : deadline });
    if (!res.ok) throw new IpfsError(`IPFS ${command.split("?")[0]} at ${url} was refused: ${await rpcRefusal(res)}`);
    return res;
  };
  const wrap = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof ContentVerificationError || error instanceof IpfsError) throw error;
      throw new IpfsError(`IPFS ${what} at ${url} failed: ${describe(error)}`, {
        details: "Is the IPFS node running? `npm start` runs the embedded one; IPFS_URL points elsewhere.",
        docsPath: "sdk/README.md#ipfs",
        cause: error,
      });
    }
  };
  const addOptions = (signal: AbortSignal | undefined) => ({
    cidVersion: 1 as const,
    rawLeaves: true,
    chunker: `size-${CHUNK_SIZE}`,
    hashAlg: "sha2-256",
    pin: true,
    ...(signal ? { signal } : {}),
  });
  const verify = (added: CID, expected: CID): CID => {
    if (!added.equals(expected)) {
      throw new IpfsError(`the IPFS node at ${url} returned ${added} for content whose CID is ${expected}`, {
        details: "The node does not use the protocol's CID profile (CIDv1, raw leaves, sha2-256, 1 MiB chunks); nothing was submitted.",
        docsPath: "sdk/README.md#content-addressing",
      });
    }
    return expected;
  };
  return {
    url,
    add: (content, opts = {}) =>
      wrap("add", async () => {
        const inMemory = content instanceof Uint8Array;
        const expected = opts.cid ?? (await computeCid(inMemory ? content : content.stream()));
        const added = await (await rpc()).add(inMemory ? content : content.stream(), addOptions(opts.signal));
        return verify(added.cid, expected);
      }),
    addAll: (sources, cids, opts = {}) =>
      wrap("add", async () => {
        if (sources.length !== cids.length) throw new IpfsError(`addAll got ${sources.length} sources but ${cids.length} CIDs`);
        // Each file's stream starts only when the request body reaches it: one file in memory at a time.
        const files = sources.map((s) => ({ content: { [Symbol.asyncIterator]: () => s.stream()[Symbol.asyncIterator]() } }));
        const out: CID[] = [];
        for await (const added of (await rpc()).addAll(files, addOptions(opts.signal))) {
          const expected = cids[out.length];
          if (!expected) throw new IpfsError(`the IPFS node at ${url} answered more files than the ${sources.length} sent`);
          out.push(verify(added.cid, expected));
        }
        if (out.length !== sources.length) throw new IpfsError(`the IPFS node at ${url} answered ${out.length} of the ${sources.length} files sent`);
        return out;
      }),
    get: (cid, opts = {}) =>
      wrap("cat", async () => {
        const wanted = typeof cid === "string" ? CID.parse(cid) : cid;
        const max = opts.maxBytes ?? DEFAULT_MAX_DOWNLOAD;
        const res = await post(`cat?arg=${encodeURIComponent(wanted.toString())}`, opts.signal);
        const chunks: Uint8Array[] = [];
        let size = 0;
        const reader = res.body!.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          size += value.length;
          if (size > max) {
            await reader.cancel();
            throw new IpfsError(`${wanted} is larger than ${max} bytes; refused`);
          }
          chunks.push(value);
        }
        const bytes = new Uint8Array(size);
        let offset = 0;
        for (const c of chunks) {
          bytes.set(c, offset);
          offset += c.length;
        }
        const expected = wanted.toString();
        const actual = (await computeCid(bytes)).toString();
        if (actual !== expected) throw new ContentVerificationError(expected, actual);
        return bytes;
      }),
    has: (cid) =>
      wrap("pin ls", async () => {
        try {
          for await (const _ of (await rpc()).pin.ls({ paths: typeof cid === "string" ? CID.parse(cid) : cid })) return true;
          return false;
        } catch (error) {
          if (/not pinned|not found|no such|could not find/i.test(describe(error))) return false;
          throw error;
        }
      }),
    pin: (cid) =>
      wrap("pin add", async () => {
        await (await rpc()).pin.add(typeof cid === "string" ? CID.parse(cid) : cid);
      }),
    version: () =>
      wrap("version", async () => {
        const body = (await (await post("version", undefined)).json()) as { Version?: unknown; [key: string]: unknown };
        if (typeof body.Version !== "string") throw new IpfsError(`IPFS version at ${url} answered without a version`);
        return { ...body, version: body.Version };
      }),
  };
}
