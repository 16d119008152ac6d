// The indexer's rows as its GraphQL API answers them, derived from `ponder.schema.ts` so that no
// client restates a column: GraphQL's BigInt is a decimal string, every other column keeps its type
// (hex as `0x…` strings, enums as their names). Clients pick the fields they query:
// `Pick<DatanetRecord, "id" | "pool">`. The REST routes' answers (the leaderboard, a validator's work
// queue) are typed here too: each route builds its rows as the `…Row` type, and clients read the
// `Wire` of it. Types only; importing this file loads nothing.
import type * as schema from "../../ponder.schema.ts";

type Wire<T> = { [K in keyof T]: T[K] extends bigint ? string : T[K] extends bigint | null ? string | null : T[K] };

export type DatanetRecord = Wire<typeof schema.datanet.$inferSelect>;
export type ContributionRecord = Wire<typeof schema.contribution.$inferSelect>;
export type SubmissionRecord = Wire<typeof schema.submission.$inferSelect>;
export type ModelRecord = Wire<typeof schema.model.$inferSelect>;
export type ManifestLeafRecord = Wire<typeof schema.manifestLeaf.$inferSelect>;
export type ContributorRecord = Wire<typeof schema.contributor.$inferSelect>;
export type DatanetContributorRecord = Wire<typeof schema.datanetContributor.$inferSelect>;
export type ValidatorRecord = Wire<typeof schema.validator.$inferSelect>;
export type CommitmentRecord = Wire<typeof schema.commitment.$inferSelect>;
export type VoteRecord = Wire<typeof schema.vote.$inferSelect>;
/** A contribution's status as the API names it: "Pending", "Accepted", "Rejected", "Expired". */
export type ContributionStatusName = ContributionRecord["status"];
/** Whether the indexer verified a model's dataset manifest: "Unchecked", "Unavailable", "Valid", "Flagged". */
export type ManifestStatusName = ModelRecord["manifestStatus"];

type Contribution = typeof schema.contribution.$inferSelect;
type Commitment = typeof schema.commitment.$inferSelect;
type Contributor = typeof schema.contributor.$inferSelect;

/** An item of `GET /validators/:address/queue`'s `toCommit` as the route builds it; the API sends `QueueItem`. */
export interface QueueItemRow {
  contributionId: Contribution["id"];
  datanetId: Contribution["datanetId"];
  sequence: Contribution["sequence"];
  cid: Contribution["cid"];
  digest: Contribution["digest"];
  format: Contribution["formatName"];
  size: Contribution["size"];
  contributor: Contribution["contributor"];
  commitEndsAt: Contribution["commitEndsAt"];
  /** What the indexer read from the CID's root block (its content worker). */
  storedSize: Contribution["storedSize"];
  sizeCheck: Contribution["sizeCheck"];
}

/** An item of the queue's `toReveal` as the route builds it; the API sends `RevealItem`. */
export interface RevealItemRow {
  commitment: Commitment["id"];
  datanetId: Commitment["datanetId"];
  contributionIds: Commitment["contributionIds"];
  revealOpensAt: Commitment["revealOpensAt"];
  revealClosesAt: Commitment["revealClosesAt"];
  /** "waiting" before the reveal window, "open" inside it, "missed" after (it can be slashed). */
  window: "waiting" | "open" | "missed";
}

/** A contribution in its commit window that the validator has not committed to. */
export type QueueItem = Wire<QueueItemRow>;
/** A commitment of the validator still to reveal, with its reveal window. */
export type RevealItem = Wire<RevealItemRow>;
/** `GET /validators/:address/queue`: the validator's work at chain time `at`. */
export interface ValidatorQueue {
  validator: string;
  at: string;
  toCommit: QueueItem[];
  toReveal: RevealItem[];
}

/** A row of `GET /leaderboard` as the route builds it (ties share a rank); the API sends `LeaderboardItem`. */
export type LeaderboardRow = { rank: number } & Pick<
  Contributor,
  "address" | "accepted" | "acceptedBytes" | "rejected" | "expired" | "pending" | "acceptanceRateBps" | "earned"
>;
/** A contributor ranked by accepted work, globally or in one Datanet. */
export type LeaderboardItem = Wire<LeaderboardRow>;
