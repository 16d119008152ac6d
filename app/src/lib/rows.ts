// Rows as the indexer's GraphQL returns them (bigints as decimal strings), picked from the
// indexer's own record types (`@openledger/indexer/records`, derived from its schema), so a column
// is typed in one place. Each field list is the query's selection and the row's type at once.
import type { ContributionRecord, DatanetRecord, ManifestLeafRecord, ModelRecord } from "@openledger/indexer/records";

export type { ContributionStatusName } from "@openledger/indexer/records";

const DATANET_KEYS = [
  "id", "owner", "modality", "modalityName", "formatNames", "metadataCid", "maxFileSize", "dailyBytes", "dailyFiles", "deposit", "reward",
  "validatorReward", "commitWindow", "revealWindow", "quorum", "thresholdBps", "paused", "pool",
  /** What the pending contributions could take from the pool if all were accepted. */
  "pendingRewards",
  "submissions", "pendingCount", "acceptedCount", "rejectedCount", "expiredCount", "acceptedBytes", "contributorCount", "createdAt",
] as const;
export type DatanetRow = Pick<DatanetRecord, (typeof DATANET_KEYS)[number]>;
export const DATANET_FIELDS = DATANET_KEYS.join(" ");

const CONTRIBUTION_KEYS = [
  "id", "datanetId", "contributor", "digest", "cid", "formatName", "size", "sequence", "status", "approveStake", "rejectStake", "commitCount",
  "revealCount", "reward", "submittedAt", "commitEndsAt", "revealEndsAt", "finalizedAt",
  /** Won its review but the pool could no longer pay it, so it expired (and may be submitted again). */
  "unfunded",
  "submittedTx",
] as const;
export type ContributionRow = Pick<ContributionRecord, (typeof CONTRIBUTION_KEYS)[number]>;
export const CONTRIBUTION_FIELDS = CONTRIBUTION_KEYS.join(" ");

const MODEL_KEYS = [
  "id", "trainer", "parentId", "depth", "baseModel", "methodName", "artifactCid", "artifactSha256", "datanetIds", "datasetRoot", "totalWeight",
  "manifestCid", "manifestStatus", "manifestIssues", "manifestLeafCount", "feesPaid", "contributorFees", "attributionClaimed", "paymentCount",
  /** OPEN the trainer still has at stake (0 once released or taken by a challenge). */
  "bond",
  /** When challenges close and payments open (unix seconds). */
  "challengeEndsAt",
  /** A challenge proved a leaf wrong: the model takes no fees. */
  "invalid",
  "challenger", "challengedContribution",
  /** The `LeafFault` member the challenge proved ("WrongWeight", …). */
  "challengeFault",
  "registeredAt", "transactionHash",
] as const;
export type ModelRow = Pick<ModelRecord, (typeof MODEL_KEYS)[number]>;
export const MODEL_FIELDS = MODEL_KEYS.join(" ");

/**
 * How often model lists and a model's leaves are asked again while the indexer has not settled a
 * manifest: every 2 s while one is unchecked (its worker checks within a second or so of the
 * registration), every 15 s while one is unavailable (IPFS did not serve it; the worker retries);
 * not at all once every manifest is verified or flagged.
 */
export function manifestPollMs(statuses: readonly ModelRow["manifestStatus"][]): number | false {
  if (statuses.includes("Unchecked")) return 2_000;
  if (statuses.includes("Unavailable")) return 15_000;
  return false;
}

const LEAF_KEYS = ["modelId", "contributionId", "contributor", "weight", "check", "claimed"] as const;
export type LeafRow = Pick<ManifestLeafRecord, (typeof LEAF_KEYS)[number]>;
export const LEAF_FIELDS = LEAF_KEYS.join(" ");

/** A row of the indexer's `GET /leaderboard`, typed where the route builds it. */
export type { LeaderboardItem as LeaderRow } from "@openledger/indexer/records";

/** The validator's work queue (the indexer's `GET /validators/:address/queue`), typed where the route builds it. */
export type { QueueItem, RevealItem, ValidatorQueue } from "@openledger/indexer/records";
