// What keeps a block on disk: the pins whose DAG holds it, and the adds still writing it.
//
// Helia 7.1.15 keeps a per-block count and list of pinning roots, but its `pins.rm` filters that
// list the wrong way round (it keeps the removed root and drops the others), so after "pin A,
// pin B, unpin A, pin A, unpin B" a block A still needs counts as unpinned. This node therefore
// keeps Helia's pin records (`/pin/<cid>`: depth and name) and its own index,
// `/openledger/pinned-by/<multihash>` → the roots of the pins whose DAG holds that block.
// Garbage collection and `pin/ls` of one CID read that index; a root listed there counts only
// while its pin record exists, so an index entry left by an interrupted unpin keeps nothing alive.
import { Key, type Datastore } from "interface-datastore";
import { base32 } from "multiformats/bases/base32";
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { RAW_CODE } from "@openledger/protocol";

const INDEX_PREFIX = "/openledger/pinned-by/";
/** Present once the index covers every pin of the data folder. */
export const INDEX_VERSION_KEY = new Key("/openledger/pin-index-version");
/** Helia's own per-block pin records, replaced by the index. */
export const HELIA_PINNED_BLOCK_PREFIX = "/pinned-block/";

/** Index entries written at once while pinning a large DAG. */
const WRITE_BATCH = 32;

/**
 * A copy of an ASCII string as one flat string. Text built a character at a time (multiformats'
 * base32 and CID encoders do that) is held by V8 as a rope of ~90 pieces, about 3 KB for one CID;
 * strings kept for the length of a request are copied flat (~80 bytes) first.
 */
export function flatString(text: string): string {
  return Buffer.from(text, "latin1").toString("latin1");
}

/** The key of a block in the blockstore and in the index: its multihash, base32. */
export function blockKey(cid: CID): string {
  return flatString(base32.encode(cid.multihash.bytes));
}

/** A CID for the block stored under `key` (CIDv1, raw codec: blocks are kept by multihash). */
export function blockCid(key: string): CID {
  return CID.createV1(RAW_CODE, Digest.decode(base32.decode(key)));
}

export class PinIndex {
  private readonly datastore: Datastore;
  /** The update of each block's entry under way: pins of roots that share a block wait on each other. */
  private readonly updating = new Map<string, Promise<void>>();

  constructor(datastore: Datastore) {
    this.datastore = datastore;
  }

  /** Runs `update` on `cid`'s entry once no other update of that entry is under way. */
  private async exclusive(cid: CID, update: () => Promise<void>): Promise<void> {
    const key = blockKey(cid);
    for (let busy = this.updating.get(key); busy !== undefined; busy = this.updating.get(key)) await busy.catch(() => {});
    const run = update();
    this.updating.set(key, run);
    try {
      await run;
    } finally {
      this.updating.delete(key);
    }
  }

  private key(cid: CID): Key {
    return new Key(`${INDEX_PREFIX}${blockKey(cid)}`);
  }

  /** The roots (CID strings) of the pins recorded as holding `cid`. */
  async pinnersOf(cid: CID, options?: { signal?: AbortSignal }): Promise<string[]> {
    try {
      return JSON.parse(new TextDecoder().decode(await this.datastore.get(this.key(cid), options))) as string[];
    } catch (err) {
      if ((err as Error).name === "NotFoundError") return [];
      throw err;
    }
  }

  /** Records `root` as a pinner of every block in `blocks`. */
  async addPinner(blocks: readonly CID[], root: CID): Promise<void> {
    const rootText = root.toString();
    await this.eachInBatches(blocks, (cid) =>
      this.exclusive(cid, async () => {
        const pinners = await this.pinnersOf(cid);
        if (pinners.includes(rootText)) return;
        pinners.push(rootText);
        await this.datastore.put(this.key(cid), new TextEncoder().encode(JSON.stringify(pinners)));
      }),
    );
  }

  /** Drops `root` from the pinners of every block in `blocks`. */
  async removePinner(blocks: readonly CID[], root: CID): Promise<void> {
    const rootText = root.toString();
    await this.eachInBatches(blocks, (cid) =>
      this.exclusive(cid, async () => {
        const pinners = await this.pinnersOf(cid);
        if (!pinners.includes(rootText)) return;
        const left = pinners.filter((p) => p !== rootText);
        if (left.length === 0) await this.datastore.delete(this.key(cid));
        else await this.datastore.put(this.key(cid), new TextEncoder().encode(JSON.stringify(left)));
      }),
    );
  }

  private async eachInBatches(blocks: readonly CID[], update: (cid: CID) => Promise<void>): Promise<void> {
    // A DAG lists a block once; pins of other roots running beside this one wait per entry (`exclusive`).
    const unique = [...new Map(blocks.map((cid) => [blockKey(cid), cid])).values()];
    for (let at = 0; at < unique.length; at += WRITE_BATCH) await Promise.all(unique.slice(at, at + WRITE_BATCH).map(update));
  }
}

/**
 * Blocks that adds in progress have written (or are writing) and not yet handed to a pin.
 * Garbage collection skips them; the check and the start of a deletion happen in one step, and a
 * write of a block whose deletion is under way waits for it and then writes the block again.
 */
export class BlockClaims {
  private readonly writers = new Map<string, number>();
  private readonly deletions = new Map<string, Promise<void>>();

  /** Claims `key` for an add; resolves once no deletion of it is under way. */
  async claim(key: string): Promise<void> {
    this.writers.set(key, (this.writers.get(key) ?? 0) + 1);
    await this.deletions.get(key);
  }

  release(key: string): void {
    const count = (this.writers.get(key) ?? 0) - 1;
    if (count > 0) this.writers.set(key, count);
    else this.writers.delete(key);
  }

  /** Runs `remove` unless an add claims `key`; true when it ran. */
  async deleteUnlessClaimed(key: string, remove: () => Promise<void>): Promise<boolean> {
    if (this.writers.has(key)) return false;
    const deletion = remove().finally(() => this.deletions.delete(key));
    this.deletions.set(key, deletion);
    await deletion;
    return true;
  }
}
