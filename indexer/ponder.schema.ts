// The projection of the protocol: one table per entity, with the counters clients sort and filter
// by kept up to date by the handlers (one file per contract under src/). Amounts are OPEN wei
// (bigint); times are unix seconds of the block; stake tallies are in wei (the contracts count them
// in units of 10^13 wei and the events carry wei).
import { index, onchainEnum, onchainTable, primaryKey, relations } from "ponder";
import { STATUSES, type ContributionStatus } from "./src/names.ts";

/** The protocol's `Status` members a contribution can be in (None never is). */
export const contributionStatus = onchainEnum("contribution_status", STATUSES.slice(1) as [ContributionStatus, ...ContributionStatus[]]);
export const commitmentState = onchainEnum("commitment_state", ["Committed", "Revealed", "Slashed"]);
export const manifestStatus = onchainEnum("manifest_status", ["Unchecked", "Unavailable", "Valid", "Flagged"]);
/** The declared size against what IPFS holds under the CID (the content worker's check; see src/api/contents/). */
export const sizeCheck = onchainEnum("size_check", ["Unchecked", "Match", "Mismatch", "Unavailable"]);

/** Protocol-wide settings and totals: one row, id "protocol". */
export const protocol = onchainTable("protocol", (t) => ({
  id: t.text().primaryKey(),
  maxFileSize: t.integer().notNull(),
  dailyBytes: t.bigint().notNull(),
  dailyFiles: t.integer().notNull(),
  slashBps: t.integer().notNull(),
  paused: t.boolean().notNull(),
  minimumStake: t.bigint().notNull(),
  stakingTreasury: t.hex(),
  registryTreasury: t.hex(),
  trainerBps: t.integer().notNull(),
  protocolBps: t.integer().notNull(),
  registryPaused: t.boolean().notNull(),
  datanetCount: t.integer().notNull(),
  contributionCount: t.integer().notNull(),
  contributorCount: t.integer().notNull(),
  validatorCount: t.integer().notNull(),
  modelCount: t.integer().notNull(),
  /** Validator rewards of final contributions not yet claimed by a validator (as the contract counts). */
  validatorRewardsOutstanding: t.bigint().notNull(),
  totalStaked: t.bigint().notNull(),
  totalSlashed: t.bigint().notNull(),
  totalFees: t.bigint().notNull(),
}));

export const datanet = onchainTable(
  "datanet",
  (t) => ({
    id: t.integer().primaryKey(),
    owner: t.hex().notNull(),
    /** 0 text, 1 image, 2 audio. */
    modality: t.integer().notNull(),
    modalityName: t.text().notNull(),
    /** Bit mask of allowed formats (`1 << Format`) and their names. */
    formats: t.integer().notNull(),
    formatNames: t.text().array().notNull(),
    metadataDigest: t.hex().notNull(),
    metadataCodec: t.integer().notNull(),
    metadataCid: t.text().notNull(),
    // limits (current terms)
    termsVersion: t.integer().notNull(),
    maxFileSize: t.integer().notNull(),
    dailyBytes: t.bigint().notNull(),
    dailyFiles: t.integer().notNull(),
    deposit: t.bigint().notNull(),
    reward: t.bigint().notNull(),
    validatorReward: t.bigint().notNull(),
    // review rules (fixed)
    commitWindow: t.integer().notNull(),
    revealWindow: t.integer().notNull(),
    quorum: t.bigint().notNull(),
    thresholdBps: t.integer().notNull(),
    /** Distinct validators whose revealed votes a decision needs. */
    minValidators: t.integer().notNull(),
    /** The account the owner offered the Datanet to, until it accepts. */
    pendingOwner: t.hex(),
    paused: t.boolean().notNull(),
    /**
     * While paused: when the owner may withdraw from the pool (unix seconds; the pause's time plus
     * the commit window and two reveal windows, as `getDatanet` reports it). Null while open.
     */
    poolUnlocksAt: t.bigint(),
    /** OPEN in the reward pool (rewards leave it when a contribution is accepted). */
    pool: t.bigint().notNull(),
    /**
     * What the pending contributions would take from the pool if all were accepted (reward and
     * validator reward under each one's terms). Nothing is reserved at submission, so when this
     * exceeds `pool`, the files finalised last may expire unfunded.
     */
    pendingRewards: t.bigint().notNull(),
    funded: t.bigint().notNull(),
    withdrawn: t.bigint().notNull(),
    /** Submissions ever made (also the latest sequence). */
    submissions: t.integer().notNull(),
    pendingCount: t.integer().notNull(),
    acceptedCount: t.integer().notNull(),
    rejectedCount: t.integer().notNull(),
    expiredCount: t.integer().notNull(),
    acceptedBytes: t.bigint().notNull(),
    contributorCount: t.integer().notNull(),
    rewardsPaid: t.bigint().notNull(),
    createdAt: t.bigint().notNull(),
    createdBlock: t.bigint().notNull(),
  }),
  (table) => ({ ownerIndex: index().on(table.owner) }),
);

/** Each terms version of a Datanet (what a contribution submitted under it pays when accepted). */
export const datanetTerms = onchainTable(
  "datanet_terms",
  (t) => ({
    datanetId: t.integer().notNull(),
    version: t.integer().notNull(),
    maxFileSize: t.integer().notNull(),
    dailyBytes: t.bigint().notNull(),
    dailyFiles: t.integer().notNull(),
    deposit: t.bigint().notNull(),
    reward: t.bigint().notNull(),
    validatorReward: t.bigint().notNull(),
    setAt: t.bigint().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.datanetId, table.version] }) }),
);

/** Pool movements: funding, withdrawals. */
export const poolEvent = onchainTable(
  "pool_event",
  (t) => ({
    id: t.text().primaryKey(),
    datanetId: t.integer().notNull(),
    kind: t.text().notNull(),
    account: t.hex().notNull(),
    amount: t.bigint().notNull(),
    pool: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ datanetIndex: index().on(table.datanetId) }),
);

/**
 * A contribution: the current round of a content digest in a Datanet (the id is
 * keccak256(abi.encode(datanetId, digest))). Content that expired can be submitted again: the same
 * id starts a new round (new sequence, contributor, times, tallies); `submission` keeps every round.
 */
export const contribution = onchainTable(
  "contribution",
  (t) => ({
    id: t.hex().primaryKey(),
    datanetId: t.integer().notNull(),
    contributor: t.hex().notNull(),
    digest: t.hex().notNull(),
    codec: t.integer().notNull(),
    cid: t.text().notNull(),
    format: t.integer().notNull(),
    formatName: t.text().notNull(),
    size: t.integer().notNull(),
    sequence: t.integer().notNull(),
    round: t.integer().notNull(),
    termsVersion: t.integer().notNull(),
    status: contributionStatus("status").notNull(),
    approveStake: t.bigint().notNull(),
    rejectStake: t.bigint().notNull(),
    commitCount: t.integer().notNull(),
    revealCount: t.integer().notNull(),
    reward: t.bigint().notNull(),
    depositRefund: t.bigint().notNull(),
    submittedAt: t.bigint().notNull(),
    /** The commit window is [submittedAt, commitEndsAt); the reveal window [commitEndsAt, revealEndsAt). */
    commitEndsAt: t.bigint().notNull(),
    revealEndsAt: t.bigint().notNull(),
    finalizedAt: t.bigint(),
    /** The round won its review but the pool could no longer pay its rewards: it expired (`ContributionUnfunded`). */
    unfunded: t.boolean().notNull(),
    submittedBlock: t.bigint().notNull(),
    submittedTx: t.hex().notNull(),
    /** Ids of the vote rows of the current round. */
    voteIds: t.text().array().notNull(),
    /** The file's size as its IPFS root block states it (null until checked, or when it states none). */
    storedSize: t.integer(),
    /** `size` against `storedSize`: `Mismatch` when they differ or the root states no file size. */
    sizeCheck: sizeCheck("size_check").notNull(),
    /**
     * The account whose pending copy of this content the current round displaced (a committed
     * submission: `ContributionDisplaced`), or null. Votes committed on that copy count nowhere.
     */
    displaced: t.hex(),
    /** The transaction of that displacement. */
    displacedTx: t.hex(),
  }),
  (table) => ({
    datanetSequenceIndex: index().on(table.datanetId, table.sequence),
    datanetStatusIndex: index().on(table.datanetId, table.status),
    contributorIndex: index().on(table.contributor),
    statusCommitIndex: index().on(table.status, table.commitEndsAt),
  }),
);

/** Every submission (every round of every contribution), by Datanet and sequence. */
export const submission = onchainTable(
  "submission",
  (t) => ({
    datanetId: t.integer().notNull(),
    sequence: t.integer().notNull(),
    contributionId: t.hex().notNull(),
    round: t.integer().notNull(),
    contributor: t.hex().notNull(),
    size: t.integer().notNull(),
    status: contributionStatus("status").notNull(),
    submittedAt: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
    /**
     * The account whose committed submission displaced this round before its review (it ends as
     * `Expired`: deposit refunded, nothing decided), or null.
     */
    displacedBy: t.hex(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.datanetId, table.sequence] }),
    contributionIndex: index().on(table.contributionId),
  }),
);

/** A batch commit of one validator in one Datanet (the id is the contract's commitment key). */
export const commitment = onchainTable(
  "commitment",
  (t) => ({
    id: t.hex().primaryKey(),
    validator: t.hex().notNull(),
    datanetId: t.integer().notNull(),
    contributionIds: t.hex().array().notNull(),
    voteIds: t.text().array().notNull(),
    weight: t.bigint().notNull(),
    sealedVotes: t.hex().notNull(),
    state: commitmentState("state").notNull(),
    /** The vote mask once revealed (bit i approves the i-th contribution), as a decimal string. */
    votes: t.text(),
    committedAt: t.bigint().notNull(),
    /** The reveal can happen in [revealOpensAt, revealClosesAt): every contribution's reveal window. */
    revealOpensAt: t.bigint().notNull(),
    revealClosesAt: t.bigint().notNull(),
    revealedAt: t.bigint(),
    rewardsClaimed: t.boolean().notNull(),
    rewardAmount: t.bigint().notNull(),
    slashedAmount: t.bigint().notNull(),
    /** How many times these ids were committed under this key (recommits after expiry). */
    round: t.integer().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({
    validatorStateIndex: index().on(table.validator, table.state),
    datanetIndex: index().on(table.datanetId),
  }),
);

/** One validator's vote on one contribution round. */
export const vote = onchainTable(
  "vote",
  (t) => ({
    id: t.text().primaryKey(),
    commitmentId: t.hex().notNull(),
    validator: t.hex().notNull(),
    datanetId: t.integer().notNull(),
    contributionId: t.hex().notNull(),
    sequence: t.integer().notNull(),
    weight: t.bigint().notNull(),
    committedAt: t.bigint().notNull(),
    revealed: t.boolean().notNull(),
    approve: t.boolean(),
    revealedAt: t.bigint(),
    slashed: t.boolean().notNull(),
    /** Whether the revealed vote matched the outcome; null while pending, unrevealed, or expired. */
    agreed: t.boolean(),
  }),
  (table) => ({
    validatorIndex: index().on(table.validator),
    contributionIndex: index().on(table.contributionId),
  }),
);

/** Claimable balance in the Datanets contract, per account (contributors and validators). */
export const account = onchainTable("account", (t) => ({
  address: t.hex().primaryKey(),
  credits: t.bigint().notNull(),
  rewardsEarned: t.bigint().notNull(),
  refunds: t.bigint().notNull(),
  validatorRewards: t.bigint().notNull(),
  attributionEarned: t.bigint().notNull(),
  claimed: t.bigint().notNull(),
}));

type ColumnBuilders = Parameters<Extract<Parameters<typeof onchainTable>[1], (...args: never[]) => unknown>>[0];

const contributorColumns = (t: ColumnBuilders) => ({
  submitted: t.integer().notNull(),
  submittedBytes: t.bigint().notNull(),
  pending: t.integer().notNull(),
  accepted: t.integer().notNull(),
  rejected: t.integer().notNull(),
  expired: t.integer().notNull(),
  acceptedBytes: t.bigint().notNull(),
  /** accepted ÷ (accepted + rejected) in basis points; null before any decision. */
  acceptanceRateBps: t.integer(),
  /** Rewards credited for accepted contributions (deposits refunded not included). */
  earned: t.bigint().notNull(),
  /**
   * The leaderboard key: accepted count, then accepted bytes (accepted × 2^64 + accepted bytes).
   * Only acceptance raises it; rejections never lower it. Indexed: a top-N is an index scan.
   */
  score: t.bigint().notNull(),
  firstSubmittedAt: t.bigint().notNull(),
  lastSubmittedAt: t.bigint().notNull(),
});

/** A contributor across all Datanets; the global leaderboard is this table ordered by score. */
export const contributor = onchainTable(
  "contributor",
  (t) => ({
    address: t.hex().primaryKey(),
    ...contributorColumns(t),
    datanetCount: t.integer().notNull(),
    claimed: t.bigint().notNull(),
  }),
  (table) => ({ scoreIndex: index().on(table.score) }),
);

/** A contributor in one Datanet; the Datanet's leaderboard is this table filtered and ordered by score. */
export const datanetContributor = onchainTable(
  "datanet_contributor",
  (t) => ({
    id: t.text().primaryKey(),
    datanetId: t.integer().notNull(),
    address: t.hex().notNull(),
    ...contributorColumns(t),
  }),
  (table) => ({
    datanetScoreIndex: index().on(table.datanetId, table.score),
    addressIndex: index().on(table.address),
  }),
);

/**
 * What a contributor submitted on a UTC day (`day` = timestamp / 86400), protocol-wide (datanetId 0)
 * and per Datanet: a client subtracts it from the limits to show the quota left today.
 */
export const dailyUsage = onchainTable(
  "daily_usage",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    datanetId: t.integer().notNull(),
    day: t.integer().notNull(),
    bytesUsed: t.bigint().notNull(),
    filesUsed: t.integer().notNull(),
  }),
  (table) => ({ accountDayIndex: index().on(table.account, table.day) }),
);

/**
 * A validator's stake as the staking contract keeps it (active, activating since, unbonding until),
 * settled at the last event; `positionAt` in src/stake.ts settles it at any later time.
 */
export const validator = onchainTable(
  "validator",
  (t) => ({
    address: t.hex().primaryKey(),
    active: t.bigint().notNull(),
    activating: t.bigint().notNull(),
    activeAt: t.bigint().notNull(),
    unbonding: t.bigint().notNull(),
    withdrawableAt: t.bigint().notNull(),
    totalStaked: t.bigint().notNull(),
    totalWithdrawn: t.bigint().notNull(),
    commitments: t.integer().notNull(),
    openCommitments: t.integer().notNull(),
    votes: t.integer().notNull(),
    revealedVotes: t.integer().notNull(),
    agreedVotes: t.integer().notNull(),
    disagreedVotes: t.integer().notNull(),
    /** agreed ÷ (agreed + disagreed) in basis points; null before any decided vote. */
    agreementRateBps: t.integer(),
    rewards: t.bigint().notNull(),
    slashes: t.integer().notNull(),
    slashed: t.bigint().notNull(),
    firstStakedAt: t.bigint().notNull(),
  }),
);

/** Per validator and Datanet: the last sequence committed to (commits go in increasing order). */
export const validatorDatanet = onchainTable(
  "validator_datanet",
  (t) => ({
    id: t.text().primaryKey(),
    validator: t.hex().notNull(),
    datanetId: t.integer().notNull(),
    lastCommittedSequence: t.integer().notNull(),
  }),
  (table) => ({ validatorIndex: index().on(table.validator) }),
);

/** Stake movements: stake, unstake, withdraw, slash. */
export const stakeEvent = onchainTable(
  "stake_event",
  (t) => ({
    id: t.text().primaryKey(),
    validator: t.hex().notNull(),
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    /** activeAt for a stake, withdrawableAt for an unstake. */
    availableAt: t.bigint(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ validatorIndex: index().on(table.validator) }),
);

export const model = onchainTable(
  "model",
  (t) => ({
    id: t.bigint().primaryKey(),
    trainer: t.hex().notNull(),
    parentId: t.bigint(),
    /** Generations above this model (0 for a model without a parent). */
    depth: t.integer().notNull(),
    baseModel: t.text().notNull(),
    baseWeightsHash: t.hex().notNull(),
    /** 0 LoRA, 1 QLoRA, 2 full. */
    method: t.integer().notNull(),
    methodName: t.text().notNull(),
    configHash: t.hex().notNull(),
    artifactDigest: t.hex().notNull(),
    artifactCodec: t.integer().notNull(),
    artifactCid: t.text().notNull(),
    artifactSha256: t.hex().notNull(),
    datanetIds: t.integer().array().notNull(),
    datasetRoot: t.hex().notNull(),
    totalWeight: t.bigint().notNull(),
    manifestDigest: t.hex().notNull(),
    manifestCodec: t.integer().notNull(),
    manifestCid: t.text().notNull(),
    /**
     * The manifest check and the three columns after it are written by the manifest worker
     * (src/api/manifests/), not by a handler: `Unchecked` with `manifestCheckedAt` null until it ran.
     */
    manifestStatus: manifestStatus("manifest_status").notNull(),
    /** Why a manifest was flagged or could not be checked. */
    manifestIssues: t.text().array().notNull(),
    manifestLeafCount: t.integer(),
    manifestCheckedAt: t.bigint(),
    feesPaid: t.bigint().notNull(),
    trainerFees: t.bigint().notNull(),
    protocolFees: t.bigint().notNull(),
    contributorFees: t.bigint().notNull(),
    feesPerWeight: t.bigint().notNull(),
    paymentCount: t.integer().notNull(),
    attributionClaimed: t.bigint().notNull(),
    /** OPEN the trainer has at stake: the registered bond until it is released or a challenge takes it. */
    bond: t.bigint().notNull(),
    /** When challenges close and payments open (unix seconds). */
    challengeEndsAt: t.bigint().notNull(),
    /** A challenge proved a leaf wrong: the model takes no fees. */
    invalid: t.boolean().notNull(),
    /** The challenge that proved it: who, which leaf's contribution, and the fault (`LeafFault` name). */
    challenger: t.hex(),
    challengedContribution: t.hex(),
    challengeFault: t.text(),
    registeredAt: t.bigint().notNull(),
    registeredBlock: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ trainerIndex: index().on(table.trainer), parentIndex: index().on(table.parentId) }),
);

/** The Datanets a model drew from. */
export const modelDatanet = onchainTable(
  "model_datanet",
  (t) => ({
    modelId: t.bigint().notNull(),
    datanetId: t.integer().notNull(),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.modelId, table.datanetId] }), datanetIndex: index().on(table.datanetId) }),
);

/** Each leaf of a model's manifest and what the check found (rows written by the manifest worker; `claimed` by the handlers). */
export const manifestLeaf = onchainTable(
  "manifest_leaf",
  (t) => ({
    modelId: t.bigint().notNull(),
    contributionId: t.hex().notNull(),
    contributor: t.hex().notNull(),
    weight: t.bigint().notNull(),
    /** "ok", or why not: "not-accepted", "unknown-contribution", "wrong-contributor", "datanet-not-listed". */
    check: t.text().notNull(),
    claimed: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.modelId, table.contributionId] }),
    contributionIndex: index().on(table.contributionId),
  }),
);

export const feePayment = onchainTable(
  "fee_payment",
  (t) => ({
    id: t.text().primaryKey(),
    modelId: t.bigint().notNull(),
    payer: t.hex().notNull(),
    amount: t.bigint().notNull(),
    trainerShare: t.bigint().notNull(),
    protocolShare: t.bigint().notNull(),
    contributorsShare: t.bigint().notNull(),
    feesPerWeight: t.bigint().notNull(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ modelIndex: index().on(table.modelId), payerIndex: index().on(table.payer) }),
);

/**
 * Every payout: "credits" (Datanets.claim of rewards, refunds and validator rewards),
 * "validator-reward" (a commitment's share credited), "attribution" (a model leaf's fees paid out).
 */
export const claim = onchainTable(
  "claim",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    account: t.hex().notNull(),
    to: t.hex().notNull(),
    amount: t.bigint().notNull(),
    modelId: t.bigint(),
    contributionId: t.hex(),
    commitmentId: t.hex(),
    timestamp: t.bigint().notNull(),
    blockNumber: t.bigint().notNull(),
    transactionHash: t.hex().notNull(),
  }),
  (table) => ({ accountIndex: index().on(table.account), kindIndex: index().on(table.kind) }),
);

// ─── Relations (GraphQL fields that join) ────────────────────────────────

export const datanetRelations = relations(datanet, ({ many }) => ({
  contributions: many(contribution),
  contributors: many(datanetContributor),
  terms: many(datanetTerms),
  poolEvents: many(poolEvent),
  models: many(modelDatanet),
}));

export const datanetTermsRelations = relations(datanetTerms, ({ one }) => ({
  datanet: one(datanet, { fields: [datanetTerms.datanetId], references: [datanet.id] }),
}));

export const poolEventRelations = relations(poolEvent, ({ one }) => ({
  datanet: one(datanet, { fields: [poolEvent.datanetId], references: [datanet.id] }),
}));

export const contributionRelations = relations(contribution, ({ one, many }) => ({
  datanet: one(datanet, { fields: [contribution.datanetId], references: [datanet.id] }),
  contributorStats: one(contributor, { fields: [contribution.contributor], references: [contributor.address] }),
  votes: many(vote),
  submissions: many(submission),
}));

export const submissionRelations = relations(submission, ({ one }) => ({
  contribution: one(contribution, { fields: [submission.contributionId], references: [contribution.id] }),
}));

export const commitmentRelations = relations(commitment, ({ one, many }) => ({
  validatorStats: one(validator, { fields: [commitment.validator], references: [validator.address] }),
  votesCast: many(vote),
}));

export const voteRelations = relations(vote, ({ one }) => ({
  commitment: one(commitment, { fields: [vote.commitmentId], references: [commitment.id] }),
  contribution: one(contribution, { fields: [vote.contributionId], references: [contribution.id] }),
  validatorStats: one(validator, { fields: [vote.validator], references: [validator.address] }),
}));

export const contributorRelations = relations(contributor, ({ one, many }) => ({
  contributions: many(contribution),
  datanets: many(datanetContributor),
  account: one(account, { fields: [contributor.address], references: [account.address] }),
}));

export const datanetContributorRelations = relations(datanetContributor, ({ one }) => ({
  datanet: one(datanet, { fields: [datanetContributor.datanetId], references: [datanet.id] }),
  contributorStats: one(contributor, { fields: [datanetContributor.address], references: [contributor.address] }),
}));

export const validatorRelations = relations(validator, ({ many }) => ({
  commitmentsMade: many(commitment),
  votesCast: many(vote),
  stakeEvents: many(stakeEvent),
}));

export const stakeEventRelations = relations(stakeEvent, ({ one }) => ({
  validatorStats: one(validator, { fields: [stakeEvent.validator], references: [validator.address] }),
}));

export const modelRelations = relations(model, ({ one, many }) => ({
  parent: one(model, { fields: [model.parentId], references: [model.id], relationName: "lineage" }),
  children: many(model, { relationName: "lineage" }),
  datanets: many(modelDatanet),
  leaves: many(manifestLeaf),
  payments: many(feePayment),
}));

export const modelDatanetRelations = relations(modelDatanet, ({ one }) => ({
  model: one(model, { fields: [modelDatanet.modelId], references: [model.id] }),
  datanet: one(datanet, { fields: [modelDatanet.datanetId], references: [datanet.id] }),
}));

export const manifestLeafRelations = relations(manifestLeaf, ({ one }) => ({
  model: one(model, { fields: [manifestLeaf.modelId], references: [model.id] }),
  contribution: one(contribution, { fields: [manifestLeaf.contributionId], references: [contribution.id] }),
}));

export const feePaymentRelations = relations(feePayment, ({ one }) => ({
  model: one(model, { fields: [feePayment.modelId], references: [model.id] }),
}));
