// A validator's vote secrets: each commit's votes and salt, the one thing a validator must keep
// between commit and reveal (a lost salt means the vote cannot be revealed and its stake is
// slashed). One JSON format for every store, so a file written by the CLI is revealed in the app
// and the other way round; stores (a folder of files, IndexedDB, memory) sit behind `VoteStore`.
//
// Rules every store keeps: a record is written, durably, BEFORE its commit is sent; a record is
// never deleted (a refused commit is marked "refused", its salt kept); an import never replaces a
// stored salt.
import { getAddress, isAddress, type Hex } from "viem";
import type { CommittedVotes } from "../actions/review.ts";
import { commitmentKeyOf } from "../actions/review.ts";
import { OpenLedgerError } from "../errors.ts";

/**
 * sending: written, the commit not yet confirmed; committed: on chain; revealed: revealed on chain;
 * refused: the chain refused the commit (nothing was recorded on chain; kept for the record).
 */
export type VoteState = "sending" | "committed" | "revealed" | "refused";
export const VOTE_STATES: readonly VoteState[] = ["sending", "committed", "revealed", "refused"];

/** One vote file. */
export interface StoredVotes extends CommittedVotes {
  state: VoteState;
  committedAt?: string;
  revealedAt?: string;
  /** Why the chain refused the commit (state "refused"). */
  refusal?: string;
  /**
   * The hash of the chain's block 0 when the votes were committed: a restarted development chain
   * has the same chain id and contract addresses but another genesis, and its old records are
   * reported as belonging to another chain instead of being mistaken for current ones.
   */
  genesis?: Hex;
}

export class VoteFileError extends OpenLedgerError {
  override name = "VoteFileError";
}

const isHex32 = (v: unknown): v is Hex => typeof v === "string" && /^0x[0-9a-fA-F]{64}$/.test(v);

/** The text of a vote file (the CLI writes it as `<commitment>.json`). */
export function voteFileText(votes: StoredVotes): string {
  const { key: _key, ...plain } = votes as StoredVotes & { key?: string };
  return `${JSON.stringify(plain, null, 2)}\n`;
}

export function voteFileName(votes: Pick<StoredVotes, "commitment">): string {
  return `${votes.commitment}.json`;
}

function field(source: string, what: string): VoteFileError {
  return new VoteFileError(`${source} is not a vote file: ${what}`);
}

/** Checks every field's type; throws naming the first field that is wrong. */
function checkFields(value: Partial<StoredVotes>, source: string): asserts value is StoredVotes {
  if (!isHex32(value.commitment)) throw field(source, "commitment is not a 32-byte hex value");
  if (!Number.isSafeInteger(value.chainId) || value.chainId! <= 0) throw field(source, "chainId is not a chain id");
  if (typeof value.datanets !== "string" || !isAddress(value.datanets, { strict: false })) throw field(source, "datanets is not an address");
  if (typeof value.validator !== "string" || !isAddress(value.validator, { strict: false })) throw field(source, "validator is not an address");
  if (!Number.isSafeInteger(value.datanetId) || value.datanetId! < 1) throw field(source, "datanetId is not a Datanet id");
  if (!Array.isArray(value.digests) || value.digests.length === 0 || value.digests.length > 256 || !value.digests.every(isHex32)) {
    throw field(source, "digests must be 1 to 256 32-byte hex values");
  }
  if (!Array.isArray(value.approvals) || value.approvals.length !== value.digests.length || !value.approvals.every((a) => typeof a === "boolean")) {
    throw field(source, `approvals must be ${value.digests.length} true/false values, one per contribution`);
  }
  if (!isHex32(value.salt)) throw field(source, "salt is not a 32-byte hex value");
  if (!VOTE_STATES.includes(value.state as VoteState)) throw field(source, `state "${String(value.state)}" is not one of ${VOTE_STATES.join(", ")}`);
}

/**
 * Parses a vote file and proves it is self-consistent: its commitment key is the one derived from
 * its validator, Datanet and contributions (so the file is about what it says), one vote per
 * contribution, a 32-byte salt.
 */
export function parseVoteFile(text: string, source = "the file"): StoredVotes {
  let value: Partial<StoredVotes>;
  try {
    value = JSON.parse(text) as Partial<StoredVotes>;
  } catch (error) {
    throw new VoteFileError(`${source} is not JSON (${(error as Error).message})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw field(source, "not a JSON object");
  checkFields(value, source);
  const validator = getAddress(value.validator);
  const expected = commitmentKeyOf(validator, value.datanetId, value.digests);
  if (expected.toLowerCase() !== value.commitment.toLowerCase()) {
    throw new VoteFileError(`${source} names commitment ${value.commitment}, but its validator, Datanet and contributions give ${expected}: refused`);
  }
  return {
    commitment: value.commitment,
    chainId: value.chainId,
    datanets: getAddress(value.datanets),
    validator,
    datanetId: value.datanetId,
    digests: value.digests,
    approvals: value.approvals,
    salt: value.salt,
    weight: typeof value.weight === "string" && /^\d+$/.test(value.weight) ? value.weight : "0",
    state: value.state,
    ...(typeof value.committedAt === "string" ? { committedAt: value.committedAt } : {}),
    ...(typeof value.revealedAt === "string" ? { revealedAt: value.revealedAt } : {}),
    ...(typeof value.refusal === "string" ? { refusal: value.refusal } : {}),
    ...(isHex32(value.genesis) ? { genesis: value.genesis } : {}),
  };
}

const STATE_ORDER: Record<VoteState, number> = { refused: 0, sending: 0, committed: 1, revealed: 2 };

export type ImportResult = "added" | "updated" | "unchanged" | "conflict";

/**
 * What importing `incoming` does to what is stored: never loses a stored salt. Another salt or other
 * votes for the same commitment is a conflict (the stored record stays); a later state updates.
 */
export function mergeImported(existing: StoredVotes | undefined, incoming: StoredVotes): { result: ImportResult; record?: StoredVotes } {
  if (!existing) return { result: "added", record: incoming };
  if (existing.salt.toLowerCase() !== incoming.salt.toLowerCase() || existing.approvals.join() !== incoming.approvals.join()) return { result: "conflict" };
  if (STATE_ORDER[incoming.state] > STATE_ORDER[existing.state]) return { result: "updated", record: { ...existing, ...incoming } };
  return { result: "unchanged" };
}

/** Which records a caller wants: one chain, one deployment, one validator, one Datanet. */
export interface VoteFilter {
  chainId?: number;
  /** The Datanets contract: records of another deployment on the same chain id are left out. */
  datanets?: string;
  validator?: string;
  datanetId?: number;
}

export function matchesFilter(v: StoredVotes, f: VoteFilter = {}): boolean {
  const same = (a: string, b: string | undefined) => b === undefined || a.toLowerCase() === b.toLowerCase();
  return (
    (f.chainId === undefined || v.chainId === f.chainId) &&
    same(v.datanets, f.datanets) &&
    same(v.validator, f.validator) &&
    (f.datanetId === undefined || v.datanetId === f.datanetId)
  );
}

/**
 * Where vote secrets live. `save` resolves only once the record is durable (the commit is sent after
 * it). There is no delete: a store implementation must not offer one.
 */
export interface VoteStore {
  save(votes: StoredVotes): Promise<void>;
  get(chainId: number, commitment: string): Promise<StoredVotes | undefined>;
  /** Matching records, oldest commit first. */
  all(filter?: VoteFilter): Promise<StoredVotes[]>;
  /** Adds a file's votes (see `mergeImported`). */
  import(votes: StoredVotes): Promise<ImportResult>;
  /** Where the records are kept, for messages ("~/.openledger/votes", "this browser"). */
  readonly location: string;
}

export function byCommitTime(a: StoredVotes, b: StoredVotes): number {
  return (a.committedAt ?? "").localeCompare(b.committedAt ?? "") || a.commitment.localeCompare(b.commitment);
}

/** Builds a store from a record map's get and put (shared by the memory, file and browser stores). */
export function voteStoreOf(backend: {
  location: string;
  read(chainId: number, commitment: string): Promise<StoredVotes | undefined>;
  list(): Promise<StoredVotes[]>;
  write(votes: StoredVotes): Promise<void>;
}): VoteStore {
  const store: VoteStore = {
    location: backend.location,
    save: (votes) => backend.write(votes),
    get: (chainId, commitment) => backend.read(chainId, commitment),
    async all(filter) {
      return (await backend.list()).filter((v) => matchesFilter(v, filter)).sort(byCommitTime);
    },
    async import(incoming) {
      const merged = mergeImported(await backend.read(incoming.chainId, incoming.commitment), incoming);
      if (merged.record) await backend.write(merged.record);
      return merged.result;
    },
  };
  return store;
}

/** A store in memory: for tests, and for scripts that keep their secrets elsewhere. */
export function createMemoryVoteStore(): VoteStore {
  const records = new Map<string, StoredVotes>();
  const key = (chainId: number, commitment: string) => `${chainId}:${commitment.toLowerCase()}`;
  return voteStoreOf({
    location: "memory",
    read: async (chainId, commitment) => structuredClone(records.get(key(chainId, commitment))),
    list: async () => [...records.values()].map((v) => structuredClone(v)),
    write: async (votes) => void records.set(key(votes.chainId, votes.commitment), structuredClone(votes)),
  });
}
