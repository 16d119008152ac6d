// The embedded IPFS node: Helia without networking, on a filesystem blockstore and datastore.
//
// `createHeliaLight` has no libp2p, no block brokers and no routers, so nothing is ever fetched or
// announced; a CID that is not in the data folder fails at once. Every file is added under the
// protocol's CID profile (`unixfsProfile()` from the SDK, the single source of truth), so the CIDs
// are the ones the contracts record and the ones Kubo gives with the same profile. Every block read
// back is hashed again before it is used, so the node never serves bytes that do not match their CID.
//
// What stays on disk: the blocks of pinned content (see pin-index.ts) and the blocks of adds still
// in progress. An add that fails or is refused removes the blocks it wrote that no pin holds, and
// garbage collection (on demand and on a schedule) removes every other unpinned block.
import { join } from "node:path";
import * as dagPb from "@ipld/dag-pb";
import { unixfs, type UnixFS } from "@helia/unixfs";
import { FsBlockstore } from "blockstore-fs";
import { FsDatastore } from "datastore-fs";
import { createHeliaLight, type GraphWalkerFactory, type Helia } from "helia";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { DAG_PB_CODE, RAW_CODE, SHA2_256_CODE } from "@openledger/protocol";
import { unixfsProfile } from "@openledger/sdk";
import { BadRequestError, BlockNotFoundError, CorruptBlockError, NotPinnedError } from "./errors.ts";
import { BlockClaims, blockCid, blockKey, flatString, HELIA_PINNED_BLOCK_PREFIX, INDEX_VERSION_KEY, PinIndex } from "./pin-index.ts";

export interface IpfsNodeOptions {
  /** Folder holding `blocks/` and `datastore/` (created when missing). */
  dataDir: string;
  /** Milliseconds between garbage collections of unpinned blocks (default one hour); 0 disables them. */
  gcIntervalMs?: number;
}

/** Default time between scheduled garbage collections: one hour. */
export const DEFAULT_GC_INTERVAL_MS = 60 * 60 * 1000;

export interface AddOptions {
  /** Pin the root recursively (default true). */
  pin?: boolean;
  /** Name recorded with the pin. */
  pinName?: string;
  /** Compute the CID without storing any block. */
  onlyHash?: boolean;
  signal?: AbortSignal;
}

/**
 * Files imported for one request: pinned together by `commit`, or removed by `abort` (every block
 * the session wrote that no pin holds). Until then garbage collection leaves their blocks alone.
 */
export interface AddSession {
  add(content: Uint8Array | AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal }): Promise<AddResult>;
  /** Pins what was added (unless the session was opened with `pin: false` or `onlyHash`). */
  commit(): Promise<void>;
  /** Removes the blocks the session wrote that no pin holds; safe to call after a failed commit. */
  abort(): Promise<void>;
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

/** Pins of one add request written at once. */
const PIN_CONCURRENCY = 16;

/** Runs `work` over `items`, at most `limit` at a time; the first failure is thrown once all started work settles. */
async function eachConcurrently<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const item = items[next++]!;
      try {
        await work(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure !== undefined) throw failure.error;
}

/** The links of a block: a dag-pb node's children, none for a raw leaf. */
export function linksOf(block: VerifiedBlock): CID[] {
  if (block.cid.code === RAW_CODE) return [];
  if (block.cid.code !== DAG_PB_CODE) throw new BadRequestError(`CID ${block.cid} has codec 0x${block.cid.code.toString(16)}; only raw and dag-pb are held here`);
  return dagPb.decode(block.bytes).Links.map((link) => link.Hash);
}

/** A walker for Helia's pin records that visits no block: this node keeps its own block index. */
const RECORD_ONLY: GraphWalkerFactory = () => ({
  // eslint-disable-next-line require-yield
  walk: async function* () {
    return;
  },
});

type PinRecord = { depth: number; metadata: Record<string, string | number | boolean> };

export class IpfsNode {
  readonly helia: Helia;
  readonly dataDir: string;
  /** UnixFS over the verifying view of the blockstore (reads are hashed again). */
  readonly fs: UnixFS;
  private readonly blockstore: FsBlockstore;
  private readonly datastore: FsDatastore;
  private readonly pinIndex: PinIndex;
  private readonly claims = new BlockClaims();
  private stopped = false;
  /** Pin changes and collections run one at a time, so each sees a settled set of pins. */
  private pinChanges: Promise<unknown> = Promise.resolve();
  private gcTimer: NodeJS.Timeout | undefined;
  private scheduledGc: Promise<unknown> | undefined;

  private constructor(dataDir: string, helia: Helia, blockstore: FsBlockstore, datastore: FsDatastore) {
    this.dataDir = dataDir;
    this.helia = helia;
    this.blockstore = blockstore;
    this.datastore = datastore;
    this.pinIndex = new PinIndex(datastore);
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
    const node = new IpfsNode(options.dataDir, helia, blockstore, datastore);
    await node.indexExistingPins();
    node.scheduleGc(options.gcIntervalMs ?? DEFAULT_GC_INTERVAL_MS);
    return node;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.gcTimer);
    await this.scheduledGc;
    await this.helia.stop();
    await this.blockstore.close();
    await this.datastore.close();
  }

  /**
   * Adds one file under the protocol's CID profile and (unless `pin: false` or `onlyHash`) pins it
   * recursively. When the add fails, the blocks it wrote that no pin holds are removed.
   */
  async add(content: Uint8Array | AsyncIterable<Uint8Array>, options: AddOptions = {}): Promise<AddResult> {
    const session = this.openAdd(options);
    try {
      const result = await session.add(content, { signal: options.signal });
      await session.commit();
      return result;
    } catch (err) {
      await session.abort();
      throw err;
    }
  }

  /** Starts a set of adds that are pinned together or removed together (see `AddSession`). */
  openAdd(options: Omit<AddOptions, "signal"> = {}): AddSession {
    // What a session keeps per file is small and flat (block keys and root CIDs as flat strings, no
    // CID objects with their cached text), so a request of many tiny files grows by ~100 bytes each.
    const written = new Set<string>();
    const freshLinks = new Map<string, CID[]>();
    const roots = new Set<string>();
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      for (const key of written) this.claims.release(key);
    };
    return {
      add: async (content, addOptions = {}) => {
        if (released) throw new Error("this add session is already closed");
        const result = await this.importFile(content, { onlyHash: options.onlyHash === true, signal: addOptions.signal }, written, freshLinks);
        roots.add(flatString(result.cid.toString()));
        return result;
      },
      commit: async () => {
        if (options.onlyHash !== true && options.pin !== false && roots.size > 0) {
          // The roots of one request are distinct, so their pins run side by side (each pin's
          // file writes wait on the disk, not the CPU); entries of blocks they share are updated
          // one at a time by the pin index.
          await this.serialisePins(() =>
            eachConcurrently([...roots], PIN_CONCURRENCY, (root) => this.pinNow(CID.parse(root), { recursive: true, name: options.pinName, freshLinks })),
          );
        }
        release();
      },
      abort: async () => {
        const ownClaims = !released;
        release();
        if (ownClaims) await this.discardUnpinned(written);
      },
    };
  }

  /**
   * Runs the importer over one file. Every block it writes is claimed (so garbage collection
   * leaves it alone) and recorded in `written`; the links of dag-pb nodes go to `freshLinks`, so
   * pinning need not read the DAG back. The importer hashes every block it writes.
   */
  private async importFile(
    content: Uint8Array | AsyncIterable<Uint8Array>,
    options: { onlyHash: boolean; signal?: AbortSignal },
    written: Set<string>,
    freshLinks: Map<string, CID[]>,
  ): Promise<AddResult> {
    let dagSize = 0;
    const sink = {
      put: async (cid: CID, bytes: Uint8Array, putOptions?: { signal?: AbortSignal }): Promise<CID> => {
        dagSize += bytes.byteLength;
        if (options.onlyHash) return cid;
        if (cid.code === DAG_PB_CODE) freshLinks.set(cid.toString(), dagPb.decode(bytes).Links.map((link) => link.Hash));
        const key = blockKey(cid);
        if (!written.has(key)) {
          written.add(key);
          await this.claims.claim(key);
        }
        return this.blockstore.put(cid, bytes, putOptions);
      },
      get: () => {
        throw new Error("the importer does not read blocks");
      },
      has: async () => false,
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
    return { cid: result.cid, fileSize, dagSize };
  }

  /** Removes the blocks of a failed add that no pin holds and no other add claims. */
  private async discardUnpinned(written: Set<string>): Promise<void> {
    if (written.size === 0) return;
    await this.serialisePins(async () => {
      const live = new Map<string, boolean>();
      for (const key of written) {
        const cid = blockCid(key);
        if (await this.isPinnedBlock(cid, live)) continue;
        await this.claims.deleteUnlessClaimed(key, () => this.blockstore.delete(cid));
      }
    });
  }

  /**
   * Removes every block that no pin holds and no add in progress claims, and returns their CIDs
   * (CIDv1, raw codec: the store keeps blocks by multihash, as Kubo's `repo gc` reports them).
   * Runs between pin changes, never during one.
   */
  async collectGarbage(options: { signal?: AbortSignal } = {}): Promise<CID[]> {
    return this.serialisePins(async () => {
      const removed: CID[] = [];
      const live = new Map<string, boolean>();
      for await (const { cid } of this.blockstore.getAll(options)) {
        if (await this.isPinnedBlock(cid, live)) continue;
        if (await this.claims.deleteUnlessClaimed(blockKey(cid), () => this.blockstore.delete(cid))) {
          removed.push(CID.createV1(RAW_CODE, cid.multihash));
        }
      }
      return removed;
    });
  }

  private scheduleGc(intervalMs: number): void {
    if (!(intervalMs > 0)) return;
    this.gcTimer = setInterval(() => {
      if (this.scheduledGc !== undefined || this.stopped) return;
      this.scheduledGc = this.collectGarbage()
        .catch((err: unknown) => console.error(`ipfs node: scheduled garbage collection failed: ${(err as Error).message}`))
        .finally(() => {
          this.scheduledGc = undefined;
        });
    }, intervalMs);
    this.gcTimer.unref();
  }

  /** True when a pin holds the block: its own pin, or a recursive pin whose DAG holds it. */
  async isPinned(cid: CID): Promise<boolean> {
    return this.serialisePins(() => this.isPinnedBlock(cid, new Map()));
  }

  /** True when a pin whose record still exists holds the block; `live` caches record lookups. */
  private async isPinnedBlock(cid: CID, live: Map<string, boolean>): Promise<boolean> {
    for (const root of await this.pinIndex.pinnersOf(cid)) {
      let held = live.get(root);
      if (held === undefined) {
        held = (await this.pinOf(CID.parse(root))) !== undefined;
        live.set(root, held);
      }
      if (held) return true;
    }
    return false;
  }

  /**
   * Builds the block index for pins made before this node kept one (Helia's own per-block records
   * are then removed). Runs once per data folder; a block that cannot be read is skipped.
   */
  private async indexExistingPins(): Promise<void> {
    if (await this.datastore.has(INDEX_VERSION_KEY)) return;
    for await (const pin of this.helia.pins.ls()) {
      await this.pinIndex.addPinner(await this.dagBlocks(pin.cid, pin.depth, { tolerant: true }), pin.cid);
    }
    for await (const key of this.datastore.queryKeys({ prefix: HELIA_PINNED_BLOCK_PREFIX })) await this.datastore.delete(key);
    await this.datastore.put(INDEX_VERSION_KEY, new TextEncoder().encode("1"));
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
  async pin(cid: CID, options: { recursive?: boolean; name?: string; signal?: AbortSignal } = {}): Promise<void> {
    return this.serialisePins(() => this.pinNow(cid, options));
  }

  /** Runs `change` after every earlier pin change (or collection) has settled. */
  private serialisePins<T>(change: () => Promise<T>): Promise<T> {
    const next = this.pinChanges.then(change, change);
    this.pinChanges = next.catch(() => undefined);
    return next;
  }

  /**
   * Records the pin: first every block it holds in the index, then Helia's pin record, so an
   * interrupted pin leaves index entries that count for nothing. `freshLinks` says the DAG was
   * imported by this node's current add session (its blocks were hashed as they were written).
   */
  private async pinNow(cid: CID, options: { recursive?: boolean; name?: string; signal?: AbortSignal; freshLinks?: Map<string, CID[]> }): Promise<void> {
    const depth = options.recursive !== false ? Infinity : 0;
    // Fail before touching the pin records when a block is missing or damaged.
    if (options.freshLinks === undefined) await this.getBlock(cid, options);
    const existing = await this.pinOf(cid);
    if (existing !== undefined && existing.depth === depth && (options.name === undefined || existing.metadata.name === options.name)) return;
    const blocks = await this.dagBlocks(cid, depth, { freshLinks: options.freshLinks, verify: options.freshLinks === undefined, signal: options.signal });
    await this.pinIndex.addPinner(blocks, cid);
    if (existing !== undefined) await this.dropPinRecord(cid);
    const metadata: Record<string, string> = options.name === undefined ? {} : { name: options.name };
    for await (const _cid of this.helia.pins.add(cid, { depth, metadata, signal: options.signal, walker: RECORD_ONLY })) {
      // record only
    }
    if (existing !== undefined && existing.depth > depth) {
      // A recursive pin became direct: the blocks below the root are no longer held through it.
      const below = await this.dagBlocks(cid, existing.depth, { tolerant: true });
      await this.pinIndex.removePinner(below.filter((block) => blockKey(block) !== blockKey(cid)), cid);
    }
  }

  private async dropPinRecord(cid: CID): Promise<void> {
    for await (const _cid of this.helia.pins.rm(cid, { walker: RECORD_ONLY })) {
      // record only
    }
  }

  /** Removes the direct or recursive pin of `cid`; blocks stay until a garbage collection. */
  async unpin(cid: CID, options: { signal?: AbortSignal } = {}): Promise<void> {
    return this.serialisePins(() => this.unpinNow(cid, options));
  }

  private async unpinNow(cid: CID, options: { signal?: AbortSignal }): Promise<void> {
    const existing = await this.pinOf(cid);
    if (existing === undefined) {
      throw new NotPinnedError(`${cid} is not pinned (or is pinned only indirectly, through another pin)`);
    }
    await this.dropPinRecord(cid);
    await this.pinIndex.removePinner(await this.dagBlocks(cid, existing.depth, { tolerant: true, signal: options.signal }), cid);
  }

  /**
   * The CIDs of the DAG under `root` down to `depth`, each once. Links come from `freshLinks` when
   * recorded there, else from the block read back (and hashed). `verify` reads every block, leaves
   * included (pinning content this session did not import); `tolerant` skips a block that cannot be
   * read instead of failing (unpinning, indexing old pins).
   */
  private async dagBlocks(
    root: CID,
    depth: number,
    options: { freshLinks?: Map<string, CID[]>; verify?: boolean; tolerant?: boolean; signal?: AbortSignal },
  ): Promise<CID[]> {
    const blocks: CID[] = [];
    const stack: Array<{ cid: CID; depth: number }> = [{ cid: root, depth: 0 }];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const { cid, depth: at } = stack.pop() as { cid: CID; depth: number };
      const key = cid.toString();
      if (seen.has(key)) continue;
      seen.add(key);
      if (seen.size > MAX_DAG_BLOCKS) throw new BadRequestError(`DAG under ${root} has more than ${MAX_DAG_BLOCKS} blocks`);
      blocks.push(cid);
      const needsLinks = at < depth && cid.code !== RAW_CODE;
      let children = needsLinks ? options.freshLinks?.get(key) : [];
      if (children === undefined || (options.verify === true && !options.freshLinks?.has(key))) {
        try {
          const bytes = await this.getBlock(cid, { signal: options.signal, root });
          children = needsLinks ? linksOf({ cid, bytes }) : [];
        } catch (err) {
          if (options.tolerant !== true) throw err;
          children = [];
        }
      }
      for (let i = children.length - 1; i >= 0; i--) stack.push({ cid: children[i] as CID, depth: at + 1 });
    }
    return blocks;
  }

  private async pinOf(cid: CID): Promise<PinRecord | undefined> {
    try {
      return await this.helia.pins.get(cid);
    } catch (err) {
      if ((err as Error).name === "NotFoundError") return undefined;
      throw err;
    }
  }

  /**
   * How one CID is pinned, looked up directly: its own pin record, else the index of the pins
   * whose DAG holds it (indirect). Never walks other pins.
   */
  private async pinEntryOf(cid: CID, type: PinType | "all"): Promise<PinEntry> {
    const own = await this.pinOf(cid);
    if (own !== undefined) {
      const ownType: PinType = own.depth === 0 ? "direct" : "recursive";
      const name = own.metadata.name;
      if (type === "all" || type === ownType) return { cid, type: ownType, name: typeof name === "string" ? name : undefined };
    }
    if (type === "all" || type === "indirect") {
      for (const root of await this.pinIndex.pinnersOf(cid)) {
        const via = CID.parse(root);
        if (via.equals(cid)) continue;
        const pin = await this.pinOf(via);
        if (pin !== undefined && pin.depth > 0) return { cid, type: "indirect", via };
      }
    }
    throw new NotPinnedError(`path '${cid}' is not pinned${type === "all" ? "" : ` with type ${type}`}`);
  }

  /**
   * Pins, as Kubo's `pin ls` lists them: `type` "all" (default) includes the blocks held
   * indirectly by recursive pins; `cids` restricts the answer (each looked up directly) and fails
   * on one that is not pinned.
   */
  async listPins(options: { type?: PinType | "all"; cids?: CID[]; signal?: AbortSignal } = {}): Promise<PinEntry[]> {
    const type = options.type ?? "all";
    if (options.cids !== undefined) {
      const entries: PinEntry[] = [];
      for (const cid of options.cids) entries.push(await this.pinEntryOf(cid, type));
      return entries;
    }
    const direct: PinEntry[] = [];
    for await (const pin of this.helia.pins.ls({ signal: options.signal })) {
      const name = pin.metadata.name;
      direct.push({ cid: pin.cid, type: pin.depth === 0 ? "direct" : "recursive", name: typeof name === "string" ? name : undefined });
    }
    const listed = direct.filter((p) => type === "all" || p.type === type);
    if (type !== "all" && type !== "indirect") return listed;
    const roots = new Set(direct.map((p) => p.cid.toString()));
    const indirect = new Map<string, PinEntry>();
    for (const pin of direct) {
      if (pin.type !== "recursive") continue;
      for await (const block of this.walk(pin.cid, options)) {
        const key = block.cid.toString();
        if (roots.has(key) || indirect.has(key)) continue;
        indirect.set(key, { cid: block.cid, type: "indirect", via: pin.cid });
      }
    }
    listed.push(...indirect.values());
    return listed;
  }
}
