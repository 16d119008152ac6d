// The browser's vote secrets: every commit's votes and salt, kept in IndexedDB in the same JSON
// shape as the CLI's vote files (`<home>/votes/<chainId>/<commitment>.json`), so that a file exported
// here is revealed by `openledger validator reveal` and a CLI file imported here is revealed in the
// page. A record is written BEFORE its commit is sent and is never deleted: losing a salt means the
// vote cannot be revealed and the stake behind it is slashed.
import { commitmentKeyOf, isBytes32, type CommittedVotes } from "@openledger/sdk";
import { openDB, type DBSchema, type IDBPDatabase } from "idb";
import { getAddress, isAddress, type Hex } from "viem";

/** One vote file, exactly as the CLI keeps it. */
export interface StoredVotes extends CommittedVotes {
  state: "sending" | "committed" | "revealed";
  committedAt?: string;
  revealedAt?: string;
}

const STATE_ORDER: Record<StoredVotes["state"], number> = { sending: 0, committed: 1, revealed: 2 };

interface VotesDb extends DBSchema {
  votes: { key: string; value: StoredVotes & { key: string } };
}

export const VOTES_DB = "openledger-votes";

export class VoteFileError extends Error {
  override name = "VoteFileError";
}

function keyOf(v: { chainId: number; commitment: string }): string {
  return `${v.chainId}:${v.commitment.toLowerCase()}`;
}

/** The file the CLI would write for these votes (same fields, same layout). */
export function voteFileText(votes: StoredVotes): string {
  const { key: _key, ...plain } = votes as StoredVotes & { key?: string };
  return `${JSON.stringify(plain, null, 2)}\n`;
}

export function voteFileName(votes: Pick<StoredVotes, "commitment">): string {
  return `${votes.commitment}.json`;
}

/**
 * Parses a vote file and proves it is self-consistent: its commitment key is the one the SDK derives
 * from its validator, Datanet and contributions (so the file names what it says), one vote per
 * contribution, and a 32-byte salt.
 */
export function parseVoteFile(text: string, source = "the file"): StoredVotes {
  let value: Partial<StoredVotes>;
  try {
    value = JSON.parse(text) as Partial<StoredVotes>;
  } catch (error) {
    throw new VoteFileError(`${source} is not JSON (${(error as Error).message})`);
  }
  const fail = (what: string) => new VoteFileError(`${source} is not a vote file: ${what}`);
  if (!value || typeof value !== "object") throw fail("not a JSON object");
  if (typeof value.commitment !== "string" || !isBytes32(value.commitment)) throw fail("commitment is not a 32-byte hex value");
  if (!Number.isSafeInteger(value.chainId)) throw fail("chainId is not an integer");
  if (typeof value.datanets !== "string" || !isAddress(value.datanets, { strict: false })) throw fail("datanets is not an address");
  if (typeof value.validator !== "string" || !isAddress(value.validator, { strict: false })) throw fail("validator is not an address");
  if (!Number.isSafeInteger(value.datanetId) || value.datanetId! < 1) throw fail("datanetId is not a Datanet id");
  if (!Array.isArray(value.digests) || value.digests.length === 0 || !value.digests.every((d) => typeof d === "string" && isBytes32(d))) throw fail("digests are not 32-byte hex values");
  if (!Array.isArray(value.approvals) || value.approvals.length !== value.digests.length || !value.approvals.every((a) => typeof a === "boolean")) {
    throw fail(`approvals must be ${value.digests.length} true/false values, one per contribution`);
  }
  if (typeof value.salt !== "string" || !isBytes32(value.salt)) throw fail("salt is not a 32-byte hex value");
  if (value.state !== "sending" && value.state !== "committed" && value.state !== "revealed") throw fail(`state "${String(value.state)}" is not sending, committed or revealed`);
  const validator = getAddress(value.validator);
  const expected = commitmentKeyOf(validator, value.datanetId!, value.digests as Hex[]);
  if (expected.toLowerCase() !== value.commitment.toLowerCase()) {
    throw new VoteFileError(`${source} names commitment ${value.commitment}, but its validator, Datanet and contributions give ${expected}: refused`);
  }
  return {
    commitment: value.commitment as Hex,
    chainId: value.chainId!,
    datanets: getAddress(value.datanets),
    validator,
    datanetId: value.datanetId!,
    digests: value.digests as Hex[],
    approvals: value.approvals,
    salt: value.salt as Hex,
    weight: typeof value.weight === "string" ? value.weight : "0",
    state: value.state,
    ...(typeof value.committedAt === "string" ? { committedAt: value.committedAt } : {}),
    ...(typeof value.revealedAt === "string" ? { revealedAt: value.revealedAt } : {}),
  };
}

export interface VoteStore {
  save(votes: StoredVotes): Promise<void>;
  get(chainId: number, commitment: string): Promise<StoredVotes | undefined>;
  all(chainId?: number): Promise<StoredVotes[]>;
  /** Adds a file's votes; an existing record with another salt is kept, never replaced. */
  import(votes: StoredVotes): Promise<"added" | "updated" | "unchanged" | "conflict">;
}

/** Decides what an import does to what is stored (never loses a stored salt). */
export function mergeImported(existing: StoredVotes | undefined, incoming: StoredVotes): { result: "added" | "updated" | "unchanged" | "conflict"; record?: StoredVotes } {
  if (!existing) return { result: "added", record: incoming };
  if (existing.salt.toLowerCase() !== incoming.salt.toLowerCase() || existing.approvals.join() !== incoming.approvals.join()) return { result: "conflict" };
  if (STATE_ORDER[incoming.state] > STATE_ORDER[existing.state]) return { result: "updated", record: { ...existing, ...incoming } };
  return { result: "unchanged" };
}

export function createIndexedDbVoteStore(name = VOTES_DB): VoteStore {
  let db: Promise<IDBPDatabase<VotesDb>> | undefined;
  const open = () =>
    (db ??= openDB<VotesDb>(name, 1, {
      upgrade(database) {
        database.createObjectStore("votes", { keyPath: "key" });
      },
    }));
  const put = async (votes: StoredVotes) => {
    const database = await open();
    const tx = database.transaction("votes", "readwrite");
    await tx.store.put({ ...votes, key: keyOf(votes) });
    // Resolves only once the transaction is durable: the commit may be sent after this.
    await tx.done;
  };
  const strip = (v: StoredVotes & { key?: string }): StoredVotes => {
    const { key: _key, ...plain } = v;
    return plain;
  };
  const store: VoteStore = {
    save: put,
    async get(chainId, commitment) {
      const found = await (await open()).get("votes", keyOf({ chainId, commitment }));
      return found ? strip(found) : undefined;
    },
    async all(chainId) {
      const rows = (await (await open()).getAll("votes")).map(strip);
      return rows.filter((v) => chainId === undefined || v.chainId === chainId).sort((a, b) => (a.committedAt ?? "").localeCompare(b.committedAt ?? ""));
    },
    async import(incoming) {
      const existing = await store.get(incoming.chainId, incoming.commitment);
      const merged = mergeImported(existing, incoming);
      if (merged.record) await put(merged.record);
      return merged.result;
    },
  };
  return store;
}
