// Rows as the indexer's GraphQL returns them (bigints as decimal strings). Field lists live beside
// the types so that a query and its type cannot drift apart.
export interface DatanetRow {
  id: number;
  owner: string;
  modality: number;
  modalityName: string;
  formatNames: string[];
  metadataCid: string;
  maxFileSize: number;
  dailyBytes: string;
  dailyFiles: number;
  deposit: string;
  reward: string;
  validatorReward: string;
  commitWindow: number;
  revealWindow: number;
  quorum: string;
  thresholdBps: number;
  paused: boolean;
  pool: string;
  /** What the pending contributions could take from the pool if all were accepted. */
  pendingRewards: string;
  submissions: number;
  pendingCount: number;
  acceptedCount: number;
  rejectedCount: number;
  expiredCount: number;
  acceptedBytes: string;
  contributorCount: number;
  createdAt: string;
}
export const DATANET_FIELDS =
  "id owner modality modalityName formatNames metadataCid maxFileSize dailyBytes dailyFiles deposit reward validatorReward commitWindow revealWindow quorum thresholdBps paused pool pendingRewards submissions pendingCount acceptedCount rejectedCount expiredCount acceptedBytes contributorCount createdAt";

export type ContributionStatusName = "Pending" | "Accepted" | "Rejected" | "Expired";

export interface ContributionRow {
  id: string;
  datanetId: number;
  contributor: string;
  digest: string;
  cid: string;
  formatName: string;
  size: number;
  sequence: number;
  status: ContributionStatusName;
  approveStake: string;
  rejectStake: string;
  commitCount: number;
  revealCount: number;
  reward: string;
  submittedAt: string;
  commitEndsAt: string;
  revealEndsAt: string;
  finalizedAt: string | null;
  /** Won its review but the pool could no longer pay it, so it expired (and may be submitted again). */
  unfunded: boolean;
  submittedTx: string;
}
export const CONTRIBUTION_FIELDS =
  "id datanetId contributor digest cid formatName size sequence status approveStake rejectStake commitCount revealCount reward submittedAt commitEndsAt revealEndsAt finalizedAt unfunded submittedTx";

export interface ModelRow {
  id: string;
  trainer: string;
  parentId: string | null;
  depth: number;
  baseModel: string;
  methodName: string;
  artifactCid: string;
  artifactSha256: string;
  datanetIds: number[];
  datasetRoot: string;
  totalWeight: string;
  manifestCid: string;
  manifestStatus: "Unchecked" | "Unavailable" | "Valid" | "Flagged";
  manifestIssues: string[];
  manifestLeafCount: number | null;
  feesPaid: string;
  contributorFees: string;
  attributionClaimed: string;
  paymentCount: number;
  /** OPEN the trainer still has at stake (0 once released or taken by a challenge). */
  bond: string;
  /** When challenges close and payments open (unix seconds). */
  challengeEndsAt: string;
  /** A challenge proved a leaf wrong: the model takes no fees. */
  invalid: boolean;
  challenger: string | null;
  challengedContribution: string | null;
  /** The `LeafFault` member the challenge proved ("WrongWeight", …). */
  challengeFault: string | null;
  registeredAt: string;
  transactionHash: string;
}
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

export const MODEL_FIELDS =
  "id trainer parentId depth baseModel methodName artifactCid artifactSha256 datanetIds datasetRoot totalWeight manifestCid manifestStatus manifestIssues manifestLeafCount feesPaid contributorFees attributionClaimed paymentCount bond challengeEndsAt invalid challenger challengedContribution challengeFault registeredAt transactionHash";

export interface LeafRow {
  modelId: string;
  contributionId: string;
  contributor: string;
  weight: string;
  check: string;
  claimed: string;
}
export const LEAF_FIELDS = "modelId contributionId contributor weight check claimed";

export interface LeaderRow {
  rank: number;
  address: string;
  accepted: number;
  acceptedBytes: string;
  rejected: number;
  expired: number;
  pending: number;
  acceptanceRateBps: number | null;
  earned: string;
}

export interface QueueItem {
  contributionId: string;
  datanetId: number;
  sequence: number;
  cid: string;
  digest: string;
  format: string;
  size: number;
  contributor: string;
  commitEndsAt: string;
  /** What the indexer read from the CID's root block (see the indexer's content worker). */
  storedSize: number | null;
  sizeCheck: "Unchecked" | "Match" | "Mismatch" | "Unavailable";
}

export interface RevealItem {
  commitment: string;
  datanetId: number;
  contributionIds: string[];
  revealOpensAt: string;
  revealClosesAt: string;
  window: "waiting" | "open" | "missed";
}

export interface ValidatorQueue {
  validator: string;
  at: string;
  toCommit: QueueItem[];
  toReveal: RevealItem[];
}
