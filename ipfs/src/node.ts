// The embedded IPFS node: Helia without networking, on a filesystem blockstore and datastore.
//
// `createHeliaLight` has no libp2p, no block brokers and no routers, so nothing is ever fetched or
// announced; a CID that is not in the data folder fails at once. Every file is added under the
// protocol's CID profile (`unixfsProfile()` from the SDK, the single source of truth), so the CIDs
// are the ones the contracts record and the ones Kubo gives with the same profile. Every block read
// back is hashed again before it is used, so the node never serves bytes that do not match their CID.
import { join } from "node:path";
import * as dagPb from "@ipld/dag-pb";
import { unixfs, type UnixFS } from "@helia/unixfs";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight, type GraphNode, type GraphWalkerFactory, type Helia } from "helia";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { DAG_PB_CODE, RAW_CODE, SHA2_256_CODE } from "@openledger/protocol";
import { unixfsProfile } from "@openledger/sdk";
import { BadRequestError, BlockNotFoundError, CorruptBlockError, NotPinnedError } from "./errors.ts";

export interface IpfsNodeOptions {
  /** Folder holding `blocks/` and `datastore/` (created when missing). */
  dataDir: string;
}

export interface AddOptions {
  /** Pin the root recursively (default true). */
  pin?: boolean;
  /** Name recorded with the pin. */
  pinName?: string;
  /** Compute the CID without storing any block. */
  onlyHash?: boolean;
  signal?: AbortSignal;
}

export interface AddResult {
  cid: CID;
  /** Bytes of the file itself. */
  fileSize: number;
  /** Bytes of every block of its DAG together (what Kubo reports as `Size`). */
  dagSize: number;
}

export type PinType = "recursive" | "direct" | "indirect";

export interface PinEntry {
  cid: CID;
  type: PinType;
  /** For an indirect pin: the recursive pin whose DAG holds it. */
  via?: CID;
  name?: string;
}

/** A block with the CID it was verified against. */
export interface VerifiedBlock {
  cid: CID;
  bytes: Uint8Array;
}

/** The most blocks one DAG walk visits; a 10 MB file has 11. Bounds work on a hostile DAG. */
export const MAX_DAG_BLOCKS = 1_000_000;

/** Parses a CID argument as the Kubo RPC and the gateway accept it (`<cid>` or `/ipfs/<cid>`). */
export function parseCidArg(arg: string | null | undefined, what = "arg"): CID {
  if (arg === null || arg === undefined || arg.length === 0) throw new BadRequestError(`argument "${what}" is required (a CID)`);
  let text = arg.trim();
  if (text.startsWith("/ipfs/")) text = text.slice("/ipfs/".length);
  if (text.includes("/")) {
    throw new BadRequestError(`${JSON.stringify(arg)}: paths inside a DAG are not supported; pass the CID of the file itself`);
  }
  let cid: CID;
  try {
    cid = CID.parse(text);
  } catch (err) {
    throw new BadRequestError(`${JSON.stringify(arg)} is not a valid CID: ${(err as Error).message}`);
  }
  return cid;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) return chunks[0] as Uint8Array;
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The links of a block: a dag-pb node's children, none for a raw leaf. */
export function linksOf(block: VerifiedBlock): CID[] {
  if (block.cid.code === RAW_CODE) return [];
  if (block.cid.code !== DAG_PB_CODE) throw new BadRequestError(`CID ${block.cid} has codec 0x${block.cid.code.toString(16)}; only raw and dag-pb are held here`);
  return dagPb.decode(block.bytes).Links.map((link) => link.Hash);
}

export class IpfsNode {
  readonly helia: Helia;
  readonly dataDir: string;
  /** UnixFS over the verifying view of the blockstore (reads are hashed again). */
  readonly fs: UnixFS;
  private readonly blockstore: FsBlockstore;
  private readonly datastore: FsDatastore;
  private stopped = false;
  /** Pin changes run one at a time: Helia keeps a read-modify-write count per pinned block. */
  private pinChanges: Promise<unknown> = Promise.resolve();

  private constructor(dataDir: string, helia: Helia, blockstore: FsBlockstore, datastore: FsDatastore) {
    this.dataDir = dataDir;
    this.helia = helia;
    this.blockstore = blockstore;
    this.datastore = datastore;
    const verifying = {
      get: (cid: CID, options?: { signal?: AbortSignal }) => this.blockChunks(cid, options),
      put: (cid: CID, bytes: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal }) =>
        this.helia.blockstore.put(cid, bytes, options),
      has: (cid: CID, options?: { signal?: AbortSignal }) => this.helia.blockstore.has(cid, options),
    };
    this.fs = unixfs({ blockstore: verifying });
  }

  /** Opens (or creates) the node's data folder and starts Helia without any networking. */
  static async open(options: IpfsNodeOptions): Promise<IpfsNode> {
    const blockstore = new FsBlockstore(join(options.dataDir, "blocks"));
    const datastore = new FsDatastore(join(options.dataDir, "datastore"));
    await blockstore.open();
    await datastore.open();
    const helia = createHeliaLight({ blockstore, datastore });
    await helia.start();
    return new IpfsNode(options.dataDir, helia, blockstore, datastore);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.helia.stop();
    await this.blockstore.close();
    await this.datastore.close();
  }

  /**
   * Adds one file under the protocol's CID profile and (unless `pin: false` or `onlyHash`) pins it
   * recursively. The importer hashes every block it writes, so what is stored is what was hashed.
   */
  async add(content: Uint8Array | AsyncIterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    // The links of the dag-pb nodes just written, so pinning need not read the DAG back.
    const freshLinks = new Map<string, CID[]>();
    let dagSize = 0;
    const sink = {
      put: async (cid: CID, bytes: Uint8Array, putOptions?: { signal?: AbortSignal }): Promise<CID> => {
        dagSize += bytes.byteLength;
        if (options.onlyHash === true) return cid;
        if (cid.code === DAG_PB_CODE) freshLinks.set(cid.toString(), dagPb.decode(bytes).Links.map((link) => link.Hash));
        return this.helia.blockstore.put(cid, bytes, putOptions);
      },
      get: () => {
        throw new Error("the importer does not read blocks");
      },
      has: async (cid: CID) => (options.onlyHash === true ? false : this.helia.blockstore.has(cid)),
    };
    const importer = unixfs({ blockstore: sink as never });
    let fileSize = 0;
    const source = (async function* (): AsyncGenerator<Uint8Array> {
      if (content instanceof Uint8Array) {
        fileSize = content.byteLength;
        yield content;
        return;
      }
      for await (const chunk of content) {
        fileSize += chunk.byteLength;
        yield chunk;
      }
    })();
    // The profile sets no progress listener; its type differs from @helia/unixfs's, so drop the key.
    const { onProgress: _none, ...profile } = unixfsProfile();
    let result: { cid: CID } | undefined;
    for await (const entry of importer.addAll([{ content: source }], { ...profile, signal: options.signal })) {
      if (result !== undefined) throw new Error("importer produced more than one entry for a single file");
      result = entry;
    }
    if (result === undefined) throw new Error("importer produced no entry");
    if (options.onlyHash !== true && options.pin !== false) {
      await this.pin(result.cid, { recursive: true, name: options.pinName, freshLinks });
    }
    return { cid: result.cid, fileSize, dagSize };
  }

  /** The bytes of a held block, hashed again; throws BlockNotFoundError / CorruptBlockError. */
  async getBlock(cid: CID, options: { signal?: AbortSignal; root?: CID } = {}): Promise<Uint8Array> {
    if (cid.multihash.code !== SHA2_256_CODE) {
      throw new BadRequestError(`CID ${cid} is not hashed with sha2-256; this node holds sha2-256 blocks only`);
    }
    if (!(await this.helia.blockstore.has(cid, options))) throw new BlockNotFoundError(cid.toString(), options.root?.toString());
    const chunks: Uint8Array[] = [];
    try {
      for await (const chunk of this.helia.blockstore.get(cid, { signal: options.signal, offline: true })) chunks.push(chunk);
    } catch (err) {
      if ((err as Error).name === "NotFoundError" || (err as Error).name === "BlockNotFoundWhileOfflineError") {
        throw new BlockNotFoundError(cid.toString(), options.root?.toString());
      }
      throw err;
    }
    const bytes = concat(chunks);
    const digest = await sha256.digest(bytes);
    if (!sameBytes(digest.digest, cid.multihash.digest)) throw new CorruptBlockError(cid.toString());
    return bytes;
  }

  private async *blockChunks(cid: CID, options?: { signal?: AbortSignal }): AsyncGenerator<Uint8Array> {
    yield await this.getBlock(cid, options);
  }

  async hasBlock(cid: CID): Promise<boolean> {
    return this.helia.blockstore.has(cid);
  }

  /** Every block of the DAG under `root`, depth first, each verified; fails on the first missing one. */
  async *walk(root: CID, options: { signal?: AbortSignal; depth?: number } = {}): AsyncGenerator<VerifiedBlock & { depth: number }> {
    const maxDepth = options.depth ?? Infinity;
    const stack: Array<{ cid: CID; depth: number }> = [{ cid: root, depth: 0 }];
    const seen = new Set<string>();
    let visited = 0;
    while (stack.length > 0) {
      const { cid, depth } = stack.pop() as { cid: CID; depth: number };
      const key = cid.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      if (++visited > MAX_DAG_BLOCKS) throw new BadRequestError(`DAG under ${root} has more than ${MAX_DAG_BLOCKS} blocks`);
      const block = { cid, bytes: await this.getBlock(cid, { signal: options.signal, root }), depth };
      yield block;
      if (depth >= maxDepth) continue;
      const links = linksOf(block);
      for (let i = links.length - 1; i >= 0; i--) stack.push({ cid: links[i] as CID, depth: depth + 1 });
    }
  }

  /** The file's bytes (deserialised UnixFS), optionally a range; the root must be held. */
  async *cat(cid: CID, options: { offset?: number; length?: number; signal?: AbortSignal } = {}): AsyncGenerator<Uint8Array> {
    // Checked before streaming so that an unknown CID is an error, not an empty answer.
    if (!(await this.hasBlock(cid))) throw new BlockNotFoundError(cid.toString());
    yield* this.fs.cat(cid, { offset: options.offset, length: options.length, signal: options.signal, offline: true });
  }

  /** The file size of a held root (raw leaf or UnixFS file). */
  async fileSize(cid: CID): Promise<number> {
    if (!(await this.hasBlock(cid))) throw new BlockNotFoundError(cid.toString());
    const stats = await this.fs.stat(cid, { offline: true });
    if (stats.type === "directory") throw new BadRequestError(`CID ${cid} is a directory; this node serves files only`);
    return Number(stats.size);
  }

  /** Pins `cid` (recursively by default) after checking that every block it needs is held. */
  async pin(cid: CID, options: { recursive?: boolean; name?: string; signal?: AbortSignal; freshLinks?: Map<string, CID[]> } = {}): Promise<void> {
    return this.serialisePins(() => this.pinNow(cid, options));
  }

  /** Runs `change` after every earlier pin change has settled. */
  private serialisePins<T>(change: () => Promise<T>): Promise<T> {
    const next = this.pinChanges.then(change, change);
    this.pinChanges = next.catch(() => undefined);
    return next;
  }

  private async pinNow(cid: CID, options: { recursive?: boolean; name?: string; signal?: AbortSignal; freshLinks?: Map<string, CID[]> }): Promise<void> {
    const recursive = options.recursive !== false;
    const depth = recursive ? Infinity : 0;
    // Fail before touching the pin records when a block is missing or damaged.
    await this.getBlock(cid, options);
    const existing = await this.pinOf(cid);
    if (existing !== undefined) {
      if (existing.depth === depth && (options.name === undefined || existing.metadata.name === options.name)) return;
      for await (const _cid of this.helia.pins.rm(cid, { signal: options.signal })) {
        // consumed
      }
    }
    const metadata: Record<string, string> = options.name === undefined ? {} : { name: options.name };
    const walker = options.freshLinks === undefined ? this.pinWalker() : this.freshWalker(options.freshLinks);
    const addOptions = { depth, metadata, signal: options.signal, walker };
    for await (const _cid of this.helia.pins.add(cid, addOptions)) {
      // consumed
    }
  }

  /** Removes the direct or recursive pin of `cid`; blocks stay until a garbage collection. */
  async unpin(cid: CID, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.serialisePins(() => this.unpinNow(cid, options));
  }

  private async unpinNow(cid: CID, options: { signal?: AbortSignal }): Promise<void> {
    if ((await this.pinOf(cid)) === undefined) {
      throw new NotPinnedError(`${cid} is not pinned (or is pinned only indirectly, through another pin)`);
    }
    const rmOptions = { signal: options.signal, walker: this.pinWalker() };
    for await (const _cid of this.helia.pins.rm(cid, rmOptions)) {
      // consumed
    }
  }

  /**
   * The walker Helia's pins use: this node's own verified, offline walk, so that a missing block
   * fails at once (never a network wait) and every pinned block is hashed again on the way.
   */
  private pinWalker(): GraphWalkerFactory {
    return () => ({
      walk: (root: CID, options?: { depth?: number; signal?: AbortSignal }) => this.pinWalk(root, options),
    });
  }

  private async *pinWalk(root: CID, options?: { depth?: number; signal?: AbortSignal }): AsyncGenerator<GraphNode<never>> {
    for await (const block of this.walk(root, { depth: options?.depth, signal: options?.signal })) {
      // Pinning reads only the CID of each node; the rest of a BlockView is not needed.
      yield { block: { cid: block.cid, bytes: block.bytes } as unknown as GraphNode<never>["block"], depth: block.depth, path: [] };
    }
  }

  /**
   * A walker over a DAG this node has just imported: the importer hashed every block as it wrote
   * it, so its structure comes from the links recorded then; a node not recorded is read (and
   * verified) from the store.
   */
  private freshWalker(links: Map<string, CID[]>): GraphWalkerFactory {
    const node = this;
    return () => ({
      walk: async function* (root: CID, options?: { depth?: number; signal?: AbortSignal }): AsyncGenerator<GraphNode<never>> {
        const maxDepth = options?.depth ?? Infinity;
        const stack: Array<{ cid: CID; depth: number }> = [{ cid: root, depth: 0 }];
        const seen = new Set<string>();
        while (stack.length > 0) {
          const { cid, depth } = stack.pop() as { cid: CID; depth: number };
          const key = cid.toString();
          if (seen.has(key)) continue;
          seen.add(key);
          if (seen.size > MAX_DAG_BLOCKS) throw new BadRequestError(`DAG under ${root} has more than ${MAX_DAG_BLOCKS} blocks`);
          yield { block: { cid } as unknown as GraphNode<never>["block"], depth, path: [] };
          if (depth >= maxDepth || cid.code === RAW_CODE) continue;
          const children = links.get(key) ?? linksOf({ cid, bytes: await node.getBlock(cid, { signal: options?.signal, root }) });
          for (let i = children.length - 1; i >= 0; i--) stack.push({ cid: children[i] as CID, depth: depth + 1 });
        }
      },
    });
  }

  private async pinOf(cid: CID): Promise<{ depth: number; metadata: Record<string, string | number | boolean> } | undefined> {
    try {
      return await this.helia.pins.get(cid);
    } catch (err) {
      if ((err as Error).name === "NotFoundError") return undefined;
      throw err;
    }
  }

  /**
   * Pins, as Kubo's `pin ls` lists them: `type` "all" (default) includes the blocks held
   * indirectly by recursive pins; `cids` restricts the answer and fails on one that is not pinned.
   */
  async listPins(options: { type?: PinType | "all"; cids?: CID[]; signal?: AbortSignal } = {}): Promise<PinEntry[]> {
    const type = options.type ?? "all";
    const direct: PinEntry[] = [];
    for await (const pin of this.helia.pins.ls({ signal: options.signal })) {
      const name = pin.metadata.name;
      direct.push({ cid: pin.cid, type: pin.depth === 0 ? "direct" : "recursive", name: typeof name === "string" ? name : undefined });
    }
    const wantIndirect = type === "all" || type === "indirect" || options.cids !== undefined;
    const indirect = new Map<string, PinEntry>();
    if (wantIndirect) {
      const roots = new Set(direct.map((p) => p.cid.toString()));
      for (const pin of direct) {
        if (pin.type !== "recursive") continue;
        for await (const block of this.walk(pin.cid, options)) {
          const key = block.cid.toString();
          if (roots.has(key) || indirect.has(key)) continue;
          indirect.set(key, { cid: block.cid, type: "indirect", via: pin.cid });
        }
      }
    }
    if (options.cids !== undefined) {
      return options.cids.map((cid) => {
        const key = cid.toString();
        const own = direct.find((p) => p.cid.toString() === key);
        const found = own ?? indirect.get(key);
        if (found === undefined || (type !== "all" && found.type !== type)) {
          throw new NotPinnedError(`path '${key}' is not pinned${type === "all" ? "" : ` with type ${type}`}`);
        }
        return found;
      });
    }
    const listed = direct.filter((p) => type === "all" || p.type === type);
    if (type === "all" || type === "indirect") listed.push(...indirect.values());
    return listed;
  }
}
