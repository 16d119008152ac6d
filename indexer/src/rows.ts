// Rows that handlers of more than one contract create or update: the protocol's one row, accounts and
// validators (created on first use: the contracts' events may come in any order), and the event
// fields every handler reads.
import type { Context } from "ponder:registry";
import { account, protocol, validator } from "ponder:schema";
import type { Hex } from "viem";

export type Db = Context["db"];

export const PROTOCOL_ID = "protocol";

/** Addresses and ids are stored lower-case, so that clients can filter on them with plain equality. */
export const lc = (value: string) => value.toLowerCase() as Hex;

/** The fields of an event that rows of the event logs (stake, pool, claims, fees) keep. */
export interface EventMeta {
  id: string;
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: Hex };
}

export async function ensureProtocol(db: Db) {
  return db
    .insert(protocol)
    .values({
      id: PROTOCOL_ID,
      maxFileSize: 0,
      dailyBytes: 0n,
      dailyFiles: 0,
      slashBps: 0,
      paused: false,
      minimumStake: 0n,
      trainerBps: 0,
      protocolBps: 0,
      registryPaused: false,
      datanetCount: 0,
      contributionCount: 0,
      contributorCount: 0,
      validatorCount: 0,
      modelCount: 0,
      validatorRewardsOutstanding: 0n,
      totalStaked: 0n,
      totalSlashed: 0n,
      totalFees: 0n,
    })
    .onConflictDoNothing();
}

type ProtocolRow = typeof protocol.$inferSelect;
type ProtocolChange = Partial<Omit<ProtocolRow, "id">>;

/** Updates the protocol row (created on first use: the constructors' events may come in any order). */
export async function updateProtocol(db: Db, change: ProtocolChange | ((row: ProtocolRow) => ProtocolChange)) {
  await ensureProtocol(db);
  await db.update(protocol, { id: PROTOCOL_ID }).set(change);
}

export async function ensureAccount(db: Db, address: Hex) {
  await db
    .insert(account)
    .values({ address, credits: 0n, rewardsEarned: 0n, refunds: 0n, validatorRewards: 0n, attributionEarned: 0n, claimed: 0n })
    .onConflictDoNothing();
}
export async function ensureValidator(db: Db, address: Hex, timestamp: bigint) {
  const existing = await db.find(validator, { address });
  if (existing) return existing;
  await updateProtocol(db, (row) => ({ validatorCount: row.validatorCount + 1 }));
  return db
    .insert(validator)
    .values({
      address,
      active: 0n,
      activating: 0n,
      activeAt: 0n,
      unbonding: 0n,
      withdrawableAt: 0n,
      totalStaked: 0n,
      totalWithdrawn: 0n,
      commitments: 0,
      openCommitments: 0,
      votes: 0,
      revealedVotes: 0,
      agreedVotes: 0,
      disagreedVotes: 0,
      agreementRateBps: null,
      rewards: 0n,
      slashes: 0,
      slashed: 0n,
      firstStakedAt: timestamp,
    })
    .onConflictDoNothing()
    .then(async () => (await db.find(validator, { address }))!);
}

/**
 * Whether a vote counts in its contribution's current round (Datanets._countVotes): it was
 * committed on that round (its sequence), and not in the very second a displacing round opened
 * (such a vote belongs to the copy that was displaced).
 */
export function countsIn(
  v: { sequence: number; committedAt: bigint },
  c: { sequence: number; submittedAt: bigint; displaced: Hex | null },
): boolean {
  return v.sequence === c.sequence && !(c.displaced !== null && v.committedAt <= c.submittedAt);
}
