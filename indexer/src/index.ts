// Event handlers: one `ponder.on` per event, grouped by contract. Each reads its event and updates
// the rows it touches; the counters clients sort by (status counts, acceptance and agreement
// rates, leaderboard score) are kept here so that reads stay cheap.
import { ponder, type Context } from "ponder:registry";
import {
  account,
  claim,
  commitment,
  contribution,
  contributor,
  dailyUsage,
  datanet,
  datanetContributor,
  datanetTerms,
  feePayment,
  manifestLeaf,
  model,
  modelDatanet,
  poolEvent,
  protocol,
  stakeEvent,
  submission,
  validator,
  validatorDatanet,
  vote,
} from "ponder:schema";
import type { Hex } from "viem";
import { cidFromOnchain } from "@openledger/protocol";
import { checkManifest } from "./manifest.ts";
import { DAY, MODALITIES, STATUSES, TRAINING_METHODS, FORMATS, formatNames, nameOf, rateBps, scoreOf, type ContributionStatus } from "./names.ts";
import { loadSettings } from "./settings.ts";
import { applySlash, applyStake, applyUnstake } from "./stake.ts";

const settings = loadSettings(process.env);
const PROTOCOL_ID = "protocol";

type Db = Context["db"];

const lc = (value: string) => value.toLowerCase() as Hex;

interface EventMeta {
  id: string;
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: Hex };
}

// ─── Shared rows ─────────────────────────────────────────────────────────

async function ensureProtocol(db: Db) {
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
async function updateProtocol(db: Db, change: ProtocolChange | ((row: ProtocolRow) => ProtocolChange)) {
  await ensureProtocol(db);
  await db.update(protocol, { id: PROTOCOL_ID }).set(change);
}

async function ensureAccount(db: Db, address: Hex) {
  await db
    .insert(account)
    .values({ address, credits: 0n, rewardsEarned: 0n, refunds: 0n, validatorRewards: 0n, attributionEarned: 0n, claimed: 0n })
    .onConflictDoNothing();
}

const emptyStats = (timestamp: bigint) => ({
  submitted: 0,
  submittedBytes: 0n,
  pending: 0,
  accepted: 0,
  rejected: 0,
  expired: 0,
  acceptedBytes: 0n,
  acceptanceRateBps: null,
  earned: 0n,
  score: 0n,
  firstSubmittedAt: timestamp,
  lastSubmittedAt: timestamp,
});

interface Stats {
  pending: number;
  accepted: number;
  rejected: number;
  expired: number;
  acceptedBytes: bigint;
  earned: bigint;
}

/** How a contributor's counters change when one of their contributions is finalised. */
function finalized<S extends Stats>(row: S, status: ContributionStatus, size: number, reward: bigint) {
  const accepted = row.accepted + (status === "Accepted" ? 1 : 0);
  const rejected = row.rejected + (status === "Rejected" ? 1 : 0);
  const acceptedBytes = row.acceptedBytes + (status === "Accepted" ? BigInt(size) : 0n);
  return {
    pending: row.pending - 1,
    accepted,
    rejected,
    expired: row.expired + (status === "Expired" ? 1 : 0),
    acceptedBytes,
    earned: row.earned + reward,
    acceptanceRateBps: rateBps(accepted, rejected),
    score: scoreOf(accepted, acceptedBytes),
  };
}

async function ensureValidator(db: Db, address: Hex, timestamp: bigint) {
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

function stakeRow(event: EventMeta, validatorAddress: Hex, kind: string, amount: bigint, availableAt: bigint | null) {
  return {
    id: event.id,
    validator: validatorAddress,
    kind,
    amount,
    availableAt,
    timestamp: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  };
}

/** A Datanet's limits as stored (daily bytes is a uint32: over PostgreSQL's integer range). */
function termsOf(limits: { maxFileSize: number; dailyBytes: number; dailyFiles: number; deposit: bigint; reward: bigint; validatorReward: bigint }) {
  return { ...limits, dailyBytes: BigInt(limits.dailyBytes) };
}

// ─── ValidatorStaking ────────────────────────────────────────────────────

ponder.on("ValidatorStaking:MinimumStakeSet", async ({ event, context }) => {
  await updateProtocol(context.db, { minimumStake: event.args.minimumStake });
});

ponder.on("ValidatorStaking:TreasurySet", async ({ event, context }) => {
  await updateProtocol(context.db, { stakingTreasury: lc(event.args.treasury) });
});

ponder.on("ValidatorStaking:Staked", async ({ event, context }) => {
  const address = lc(event.args.validator);
  const v = await ensureValidator(context.db, address, event.block.timestamp);
  const p = applyStake(v, event.block.timestamp, event.args.amount, event.args.activeAt);
  await context.db.update(validator, { address }).set({
    active: p.active,
    activating: p.activating,
    activeAt: p.activeAt,
    totalStaked: v.totalStaked + event.args.amount,
  });
  await updateProtocol(context.db, (row) => ({ totalStaked: row.totalStaked + event.args.amount }));
  await context.db.insert(stakeEvent).values(stakeRow(event, address, "stake", event.args.amount, event.args.activeAt));
});

ponder.on("ValidatorStaking:UnstakeStarted", async ({ event, context }) => {
  const address = lc(event.args.validator);
  const v = await ensureValidator(context.db, address, event.block.timestamp);
  const p = applyUnstake(v, event.block.timestamp, event.args.amount, event.args.withdrawableAt);
  await context.db.update(validator, { address }).set({
    active: p.active,
    activating: p.activating,
    unbonding: p.unbonding,
    withdrawableAt: p.withdrawableAt,
  });
  await context.db.insert(stakeEvent).values(stakeRow(event, address, "unstake", event.args.amount, event.args.withdrawableAt));
});

ponder.on("ValidatorStaking:Withdrawn", async ({ event, context }) => {
  const address = lc(event.args.validator);
  await ensureValidator(context.db, address, event.block.timestamp);
  await context.db.update(validator, { address }).set((row) => ({ unbonding: 0n, totalWithdrawn: row.totalWithdrawn + event.args.amount }));
  await updateProtocol(context.db, (row) => ({ totalStaked: row.totalStaked - event.args.amount }));
  await context.db.insert(stakeEvent).values(stakeRow(event, address, "withdraw", event.args.amount, null));
});

ponder.on("ValidatorStaking:Slashed", async ({ event, context }) => {
  const address = lc(event.args.validator);
  const v = await ensureValidator(context.db, address, event.block.timestamp);
  const p = applySlash(v, event.block.timestamp, event.args.amount);
  await context.db.update(validator, { address }).set({ active: p.active, activating: p.activating, unbonding: p.unbonding });
  await updateProtocol(context.db, (row) => ({
    totalStaked: row.totalStaked - event.args.amount,
    totalSlashed: row.totalSlashed + event.args.amount,
  }));
  await context.db.insert(stakeEvent).values(stakeRow(event, address, "slash", event.args.amount, null));
});

// ─── Datanets: protocol settings ─────────────────────────────────────────

ponder.on("Datanets:ProtocolLimitsUpdated", async ({ event, context }) => {
  await updateProtocol(context.db, {
    maxFileSize: event.args.maxFileSize,
    dailyBytes: BigInt(event.args.dailyBytes),
    dailyFiles: event.args.dailyFiles,
    slashBps: event.args.slashBps,
  });
});

ponder.on("Datanets:ProtocolPauseSet", async ({ event, context }) => {
  await updateProtocol(context.db, { paused: event.args.paused });
});

// ─── Datanets: Datanets ──────────────────────────────────────────────────

ponder.on("Datanets:DatanetCreated", async ({ event, context }) => {
  const { datanetId, owner, modality, formats, metadataDigest, metadataCodec, limits, rules } = event.args;
  await context.db.insert(datanet).values({
    id: datanetId,
    owner: lc(owner),
    modality,
    modalityName: nameOf(MODALITIES, modality, "modality"),
    formats,
    formatNames: formatNames(formats),
    metadataDigest,
    metadataCodec,
    metadataCid: cidFromOnchain(metadataDigest, metadataCodec).toString(),
    termsVersion: 0,
    maxFileSize: limits.maxFileSize,
    dailyBytes: BigInt(limits.dailyBytes),
    dailyFiles: limits.dailyFiles,
    deposit: limits.deposit,
    reward: limits.reward,
    validatorReward: limits.validatorReward,
    commitWindow: rules.commitWindow,
    revealWindow: rules.revealWindow,
    quorum: rules.quorum,
    thresholdBps: rules.thresholdBps,
    paused: false,
    pool: 0n,
    funded: 0n,
    withdrawn: 0n,
    submissions: 0,
    pendingCount: 0,
    acceptedCount: 0,
    rejectedCount: 0,
    expiredCount: 0,
    acceptedBytes: 0n,
    contributorCount: 0,
    rewardsPaid: 0n,
    createdAt: event.block.timestamp,
    createdBlock: event.block.number,
  });
  await context.db.insert(datanetTerms).values({ datanetId, version: 0, ...termsOf(limits), setAt: event.block.timestamp });
  await updateProtocol(context.db, (row) => ({ datanetCount: row.datanetCount + 1 }));
});

ponder.on("Datanets:DatanetLimitsUpdated", async ({ event, context }) => {
  const { datanetId, termsVersion, limits } = event.args;
  await context.db.update(datanet, { id: datanetId }).set({ termsVersion, ...termsOf(limits) });
  await context.db
    .insert(datanetTerms)
    .values({ datanetId, version: termsVersion, ...termsOf(limits), setAt: event.block.timestamp })
    .onConflictDoUpdate({ ...termsOf(limits), setAt: event.block.timestamp });
});

ponder.on("Datanets:DatanetMetadataUpdated", async ({ event, context }) => {
  const { datanetId, metadataDigest, metadataCodec } = event.args;
  await context.db.update(datanet, { id: datanetId }).set({
    metadataDigest,
    metadataCodec,
    metadataCid: cidFromOnchain(metadataDigest, metadataCodec).toString(),
  });
});

ponder.on("Datanets:DatanetPauseSet", async ({ event, context }) => {
  await context.db.update(datanet, { id: event.args.datanetId }).set({ paused: event.args.paused });
});

ponder.on("Datanets:DatanetFunded", async ({ event, context }) => {
  const { datanetId, from, amount, pool } = event.args;
  await context.db.update(datanet, { id: datanetId }).set((row) => ({ pool, funded: row.funded + amount }));
  await context.db.insert(poolEvent).values({
    id: event.id,
    datanetId,
    kind: "fund",
    account: lc(from),
    amount,
    pool,
    timestamp: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
});

ponder.on("Datanets:PoolWithdrawn", async ({ event, context }) => {
  const { datanetId, to, amount, pool } = event.args;
  await context.db.update(datanet, { id: datanetId }).set((row) => ({ pool, withdrawn: row.withdrawn + amount }));
  await context.db.insert(poolEvent).values({
    id: event.id,
    datanetId,
    kind: "withdraw",
    account: lc(to),
    amount,
    pool,
    timestamp: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
});

// ─── Datanets: contributions ─────────────────────────────────────────────

async function addUsage(db: Db, who: Hex, datanetId: number, day: number, size: number) {
  await db
    .insert(dailyUsage)
    .values({ id: `${who}-${datanetId}-${day}`, account: who, datanetId, day, bytesUsed: BigInt(size), filesUsed: 1 })
    .onConflictDoUpdate((row) => ({ bytesUsed: row.bytesUsed + BigInt(size), filesUsed: row.filesUsed + 1 }));
}

ponder.on("Datanets:ContributionSubmitted", async ({ event, context }) => {
  const db = context.db;
  const { contributionId, datanetId, digest, codec, format, size } = event.args;
  const id = lc(contributionId);
  const who = lc(event.args.contributor);
  const now = event.block.timestamp;

  // The n-th submission of a Datanet has sequence n; it reserves reward + validator reward of the
  // current terms from the pool.
  const d = await db.update(datanet, { id: datanetId }).set((row) => ({
    submissions: row.submissions + 1,
    pendingCount: row.pendingCount + 1,
    pool: row.pool - row.reward - row.validatorReward,
  }));
  const sequence = d.submissions;

  const previous = await db.find(contribution, { id });
  const round = previous ? previous.round + 1 : 1;
  const row = {
    datanetId,
    contributor: who,
    digest,
    codec,
    cid: cidFromOnchain(digest, codec).toString(),
    format,
    formatName: nameOf(FORMATS, format, "format"),
    size,
    sequence,
    round,
    termsVersion: d.termsVersion,
    status: "Pending" as const,
    approveStake: 0n,
    rejectStake: 0n,
    commitCount: 0,
    revealCount: 0,
    reward: 0n,
    depositRefund: 0n,
    submittedAt: now,
    commitEndsAt: now + BigInt(d.commitWindow),
    revealEndsAt: now + BigInt(d.commitWindow) + BigInt(d.revealWindow),
    finalizedAt: null,
    submittedBlock: event.block.number,
    submittedTx: event.transaction.hash,
    voteIds: [] as string[],
  };
  if (previous) await db.update(contribution, { id }).set(row);
  else await db.insert(contribution).values({ id, ...row });
  await db.insert(submission).values({
    datanetId,
    sequence,
    contributionId: id,
    round,
    contributor: who,
    size,
    status: "Pending",
    submittedAt: now,
    transactionHash: event.transaction.hash,
  });

  const day = Number(now / DAY);
  await addUsage(db, who, 0, day, size);
  await addUsage(db, who, datanetId, day, size);

  const submitted = (r: { submitted: number; submittedBytes: bigint; pending: number }) => ({
    submitted: r.submitted + 1,
    submittedBytes: r.submittedBytes + BigInt(size),
    pending: r.pending + 1,
    lastSubmittedAt: now,
  });
  const perDatanetId = `${datanetId}-${who}`;
  const perDatanet = await db.find(datanetContributor, { id: perDatanetId });
  if (perDatanet) await db.update(datanetContributor, { id: perDatanetId }).set(submitted);
  else {
    await db.insert(datanetContributor).values({ id: perDatanetId, datanetId, address: who, ...emptyStats(now), ...submitted(emptyStats(now)) });
    await db.update(datanet, { id: datanetId }).set((r) => ({ contributorCount: r.contributorCount + 1 }));
  }
  const global = await db.find(contributor, { address: who });
  if (global) {
    await db.update(contributor, { address: who }).set((r) => ({ ...submitted(r), datanetCount: r.datanetCount + (perDatanet ? 0 : 1) }));
  } else {
    await db.insert(contributor).values({ address: who, ...emptyStats(now), ...submitted(emptyStats(now)), datanetCount: 1, claimed: 0n });
    await updateProtocol(db, (r) => ({ contributorCount: r.contributorCount + 1 }));
  }
  await updateProtocol(db, (r) => ({ contributionCount: r.contributionCount + (previous ? 0 : 1) }));
});

ponder.on("Datanets:ContributionFinalized", async ({ event, context }) => {
  const db = context.db;
  const { datanetId, approveStake, rejectStake, reward, depositRefund } = event.args;
  const id = lc(event.args.contributionId);
  const who = lc(event.args.contributor);
  const status = nameOf(STATUSES, event.args.status, "status") as ContributionStatus;
  const c = await db.update(contribution, { id }).set({
    status,
    approveStake,
    rejectStake,
    reward,
    depositRefund,
    finalizedAt: event.block.timestamp,
  });
  await db.update(submission, { datanetId, sequence: c.sequence }).set({ status });
  const terms = (await db.find(datanetTerms, { datanetId, version: c.termsVersion }))!;

  // Where the reservation and the deposit go (Datanets._finalizeOne).
  const poolReturn =
    status === "Expired" ? terms.reward + terms.validatorReward : status === "Rejected" ? terms.reward + terms.deposit : 0n;
  await db.update(datanet, { id: datanetId }).set((row) => ({
    pendingCount: row.pendingCount - 1,
    acceptedCount: row.acceptedCount + (status === "Accepted" ? 1 : 0),
    rejectedCount: row.rejectedCount + (status === "Rejected" ? 1 : 0),
    expiredCount: row.expiredCount + (status === "Expired" ? 1 : 0),
    acceptedBytes: row.acceptedBytes + (status === "Accepted" ? BigInt(c.size) : 0n),
    rewardsPaid: row.rewardsPaid + reward,
    pool: row.pool + poolReturn,
  }));
  if (status !== "Expired" && terms.validatorReward > 0n) {
    await updateProtocol(db, (row) => ({
      validatorRewardsOutstanding: row.validatorRewardsOutstanding + terms.validatorReward,
    }));
  }
  await ensureAccount(db, who);
  await db.update(account, { address: who }).set((row) => ({
    credits: row.credits + reward + depositRefund,
    rewardsEarned: row.rewardsEarned + reward,
    refunds: row.refunds + depositRefund,
  }));
  await db.update(contributor, { address: who }).set((row) => finalized(row, status, c.size, reward));
  await db.update(datanetContributor, { id: `${datanetId}-${who}` }).set((row) => finalized(row, status, c.size, reward));

  // Each revealed vote of this round agreed or not with the outcome (an expired round has none).
  if (status === "Expired") return;
  for (const voteId of c.voteIds) {
    const v = await db.find(vote, { id: voteId });
    if (!v || !v.revealed) continue;
    const agreed = v.approve === (status === "Accepted");
    await db.update(vote, { id: voteId }).set({ agreed });
    await db.update(validator, { address: v.validator }).set((row) => {
      const agreedVotes = row.agreedVotes + (agreed ? 1 : 0);
      const disagreedVotes = row.disagreedVotes + (agreed ? 0 : 1);
      return { agreedVotes, disagreedVotes, agreementRateBps: rateBps(agreedVotes, disagreedVotes) };
    });
  }
});

// ─── Datanets: review ────────────────────────────────────────────────────

ponder.on("Datanets:VotesCommitted", async ({ event, context }) => {
  const db = context.db;
  const { datanetId, weight, sealedVotes } = event.args;
  const key = lc(event.args.commitment);
  const who = lc(event.args.validator);
  const now = event.block.timestamp;
  const d = (await db.find(datanet, { id: datanetId }))!;
  const ids = event.args.contributionIds.map(lc);
  const voteIds: string[] = [];
  let earliest: bigint | undefined;
  let latest = 0n;
  let lastSequence = 0;
  for (const contributionId of ids) {
    const c = (await db.find(contribution, { id: contributionId }))!;
    // A vote is on one round of a contribution: its sequence names the round.
    const voteId = `${key}-${c.sequence}`;
    voteIds.push(voteId);
    await db.insert(vote).values({
      id: voteId,
      commitmentId: key,
      validator: who,
      datanetId,
      contributionId,
      sequence: c.sequence,
      weight,
      committedAt: now,
      revealed: false,
      approve: null,
      revealedAt: null,
      slashed: false,
      agreed: null,
    });
    await db.update(contribution, { id: contributionId }).set((row) => ({ commitCount: row.commitCount + 1, voteIds: [...row.voteIds, voteId] }));
    if (earliest === undefined || c.submittedAt < earliest) earliest = c.submittedAt;
    if (c.submittedAt > latest) latest = c.submittedAt;
    if (c.sequence > lastSequence) lastSequence = c.sequence;
  }
  const row = {
    validator: who,
    datanetId,
    contributionIds: ids,
    voteIds,
    weight,
    sealedVotes,
    state: "Committed" as const,
    votes: null,
    committedAt: now,
    revealOpensAt: latest + BigInt(d.commitWindow),
    revealClosesAt: (earliest ?? now) + BigInt(d.commitWindow) + BigInt(d.revealWindow),
    revealedAt: null,
    rewardsClaimed: false,
    rewardAmount: 0n,
    slashedAmount: 0n,
    transactionHash: event.transaction.hash,
  };
  // The same ids can be committed again after they all expired and were resubmitted: same key, new round.
  await db
    .insert(commitment)
    .values({ id: key, ...row, round: 1 })
    .onConflictDoUpdate((old) => ({ ...row, round: old.round + 1 }));
  await db
    .insert(validatorDatanet)
    .values({ id: `${who}-${datanetId}`, validator: who, datanetId, lastCommittedSequence: lastSequence })
    .onConflictDoUpdate({ lastCommittedSequence: lastSequence });
  await ensureValidator(db, who, now);
  await db.update(validator, { address: who }).set((r) => ({
    commitments: r.commitments + 1,
    openCommitments: r.openCommitments + 1,
    votes: r.votes + ids.length,
  }));
});

ponder.on("Datanets:VotesRevealed", async ({ event, context }) => {
  const db = context.db;
  const key = lc(event.args.commitment);
  const mask = event.args.votes;
  const cm = await db.update(commitment, { id: key }).set({ state: "Revealed", votes: mask.toString(), revealedAt: event.block.timestamp });
  for (const [i, voteId] of cm.voteIds.entries()) {
    const approve = ((mask >> BigInt(i)) & 1n) === 1n;
    const v = await db.update(vote, { id: voteId }).set({ revealed: true, approve, revealedAt: event.block.timestamp });
    await db.update(contribution, { id: v.contributionId }).set((row) => ({
      revealCount: row.revealCount + 1,
      approveStake: row.approveStake + (approve ? v.weight : 0n),
      rejectStake: row.rejectStake + (approve ? 0n : v.weight),
    }));
  }
  await db.update(validator, { address: cm.validator }).set((r) => ({
    openCommitments: r.openCommitments - 1,
    revealedVotes: r.revealedVotes + cm.voteIds.length,
  }));
});

ponder.on("Datanets:CommitmentSlashed", async ({ event, context }) => {
  const db = context.db;
  const key = lc(event.args.commitment);
  const cm = await db.update(commitment, { id: key }).set({ state: "Slashed", slashedAmount: event.args.amount });
  for (const voteId of cm.voteIds) await db.update(vote, { id: voteId }).set({ slashed: true });
  await db.update(validator, { address: cm.validator }).set((r) => ({
    openCommitments: r.openCommitments - 1,
    slashes: r.slashes + 1,
    slashed: r.slashed + event.args.amount,
  }));
});

ponder.on("Datanets:ValidatorRewardsClaimed", async ({ event, context }) => {
  const db = context.db;
  const key = lc(event.args.commitment);
  const who = lc(event.args.validator);
  const { amount } = event.args;
  await db.update(commitment, { id: key }).set({ rewardsClaimed: true, rewardAmount: amount });
  await ensureAccount(db, who);
  await db.update(account, { address: who }).set((r) => ({ credits: r.credits + amount, validatorRewards: r.validatorRewards + amount }));
  await db.update(validator, { address: who }).set((r) => ({ rewards: r.rewards + amount }));
  await updateProtocol(db, (r) => ({ validatorRewardsOutstanding: r.validatorRewardsOutstanding - amount }));
  await db.insert(claim).values({
    id: event.id,
    kind: "validator-reward",
    account: who,
    to: who,
    amount,
    modelId: null,
    contributionId: null,
    commitmentId: key,
    timestamp: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
});

ponder.on("Datanets:Claimed", async ({ event, context }) => {
  const db = context.db;
  const who = lc(event.args.account);
  const { amount } = event.args;
  await ensureAccount(db, who);
  await db.update(account, { address: who }).set((r) => ({ credits: r.credits - amount, claimed: r.claimed + amount }));
  const c = await db.find(contributor, { address: who });
  if (c) await db.update(contributor, { address: who }).set({ claimed: c.claimed + amount });
  await db.insert(claim).values({
    id: event.id,
    kind: "credits",
    account: who,
    to: lc(event.args.to),
    amount,
    modelId: null,
    contributionId: null,
    commitmentId: null,
    timestamp: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
});

// ─── ModelRegistry ───────────────────────────────────────────────────────

ponder.on("ModelRegistry:FeeSharesSet", async ({ event, context }) => {
  await updateProtocol(context.db, { trainerBps: Number(event.args.trainerBps), protocolBps: Number(event.args.protocolBps) });
});

ponder.on("ModelRegistry:TreasurySet", async ({ event, context }) => {
  await updateProtocol(context.db, { registryTreasury: lc(event.args.treasury) });
});

ponder.on("ModelRegistry:RegistryPauseSet", async ({ event, context }) => {
  await updateProtocol(context.db, { registryPaused: event.args.paused });
});

async function verifyManifest(db: Db, manifestCid: string, datasetRoot: Hex, totalWeight: bigint, datanetIds: readonly number[]) {
  return checkManifest({
    ipfsUrl: settings.ipfsUrl,
    timeoutMs: settings.ipfsTimeoutMs,
    manifestCid,
    datasetRoot,
    totalWeight,
    datanetIds,
    lookup: async (contributionId) => {
      const c = await db.find(contribution, { id: contributionId });
      return c ? { status: c.status, contributor: c.contributor, datanetId: c.datanetId } : undefined;
    },
  });
}

ponder.on("ModelRegistry:ModelRegistered", async ({ event, context }) => {
  const db = context.db;
  const { modelId, spec } = event.args;
  const parentId = spec.parentId === 0n ? null : spec.parentId;
  const parent = parentId === null ? undefined : await db.find(model, { id: parentId });
  const manifestCid = cidFromOnchain(spec.manifestDigest, spec.manifestCodec).toString();
  const datanetIds = [...spec.datanetIds];
  const result = await verifyManifest(db, manifestCid, spec.datasetRoot, spec.totalWeight, datanetIds);
  await db.insert(model).values({
    id: modelId,
    trainer: lc(event.args.trainer),
    parentId,
    depth: parent ? parent.depth + 1 : 0,
    baseModel: spec.baseModel,
    baseWeightsHash: spec.baseWeightsHash,
    method: spec.method,
    methodName: nameOf(TRAINING_METHODS, spec.method, "training method"),
    configHash: spec.configHash,
    artifactDigest: spec.artifactDigest,
    artifactCodec: spec.artifactCodec,
    artifactCid: cidFromOnchain(spec.artifactDigest, spec.artifactCodec).toString(),
    artifactSha256: spec.artifactSha256,
    datanetIds,
    datasetRoot: spec.datasetRoot,
    totalWeight: spec.totalWeight,
    manifestDigest: spec.manifestDigest,
    manifestCodec: spec.manifestCodec,
    manifestCid,
    manifestStatus: result.status,
    manifestIssues: result.issues,
    manifestLeafCount: result.status === "Valid" || result.status === "Flagged" ? result.leaves.length : null,
    manifestCheckedAt: result.status === "Unchecked" ? null : event.block.timestamp,
    feesPaid: 0n,
    trainerFees: 0n,
    protocolFees: 0n,
    contributorFees: 0n,
    feesPerWeight: 0n,
    paymentCount: 0,
    attributionClaimed: 0n,
    registeredAt: event.block.timestamp,
    registeredBlock: event.block.number,
    transactionHash: event.transaction.hash,
  });
  for (const datanetId of new Set(datanetIds)) await db.insert(modelDatanet).values({ modelId, datanetId });
  for (const leaf of result.leaves) {
    await db.insert(manifestLeaf).values({ modelId, ...leaf, claimed: 0n }).onConflictDoNothing();
  }
  await updateProtocol(db, (r) => ({ modelCount: r.modelCount + 1 }));
});

ponder.on("ModelRegistry:FeePaid", async ({ event, context }) => {
  const { modelId, payer, amount, trainerShare, protocolShare, contributorsShare, feesPerWeight } = event.args;
  // A manifest that could not be fetched when its model was registered is tried again when the
  // model is next paid for (users should know whether they pay a flagged model).
  const m = (await context.db.find(model, { id: modelId }))!;
  if (m.manifestStatus === "Unavailable") {
    const result = await verifyManifest(context.db, m.manifestCid, m.datasetRoot, m.totalWeight, m.datanetIds);
    if (result.status !== "Unavailable") {
      await context.db.update(model, { id: modelId }).set({
        manifestStatus: result.status,
        manifestIssues: result.issues,
        manifestLeafCount: result.leaves.length,
        manifestCheckedAt: event.block.timestamp,
      });
      for (const leaf of result.leaves) await context.db.insert(manifestLeaf).values({ modelId, ...leaf, claimed: 0n }).onConflictDoNothing();
    }
  }
  await context.db.update(model, { id: modelId }).set((r) => ({
    feesPaid: r.feesPaid + amount,
    trainerFees: r.trainerFees + trainerShare,
    protocolFees: r.protocolFees + protocolShare,
    contributorFees: r.contributorFees + contributorsShare,
    feesPerWeight,
    paymentCount: r.paymentCount + 1,
  }));
  await context.db.insert(feePayment).values({
    id: event.id,
    modelId,
    payer: lc(payer),
    amount,
    trainerShare,
    protocolShare,
    contributorsShare,
    feesPerWeight,
    timestamp: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
  await updateProtocol(context.db, (r) => ({ totalFees: r.totalFees + amount }));
});

ponder.on("ModelRegistry:AttributionClaimed", async ({ event, context }) => {
  const db = context.db;
  const { modelId, amount } = event.args;
  const contributionId = lc(event.args.contributionId);
  const who = lc(event.args.contributor);
  await db.update(model, { id: modelId }).set((r) => ({ attributionClaimed: r.attributionClaimed + amount }));
  const leaf = await db.find(manifestLeaf, { modelId, contributionId });
  if (leaf) await db.update(manifestLeaf, { modelId, contributionId }).set({ claimed: leaf.claimed + amount });
  await ensureAccount(db, who);
  await db.update(account, { address: who }).set((r) => ({ attributionEarned: r.attributionEarned + amount }));
  await db.insert(claim).values({
    id: event.id,
    kind: "attribution",
    account: who,
    to: who,
    amount,
    modelId,
    contributionId,
    commitmentId: null,
    timestamp: event.block.timestamp,
    blockNumber: event.block.number,
    transactionHash: event.transaction.hash,
  });
});
