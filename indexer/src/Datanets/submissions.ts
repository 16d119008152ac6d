// Datanets: submissions and their outcomes. A submission opens a round of a contribution (and its
// row in `submission`), counts towards the day's quota and the contributor's statistics; a
// finalisation settles the pool, the contributor's credits and counters, and whether each revealed
// vote agreed with the outcome.
import { ponder } from "ponder:registry";
import { account, contribution, contributor, dailyUsage, datanet, datanetContributor, datanetTerms, submission, validator, vote } from "ponder:schema";
import type { Hex } from "viem";
import { cidFromOnchain } from "@openledger/protocol";
import { DAY, FORMATS, STATUSES, nameOf, rateBps, scoreOf, type ContributionStatus } from "../names.ts";
import { countsIn, ensureAccount, lc, updateProtocol, type Db } from "../rows.ts";

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

  // The n-th submission of a Datanet has sequence n, under the Datanet's current terms; it
  // reserves nothing from the pool (rewards leave it at acceptance), but counts in what pending
  // work could take from it.
  const d = await db.update(datanet, { id: datanetId }).set((row) => ({
    submissions: row.submissions + 1,
    pendingCount: row.pendingCount + 1,
    pendingRewards: row.pendingRewards + row.reward + row.validatorReward,
  }));
  const sequence = d.submissions;

  const previous = await db.find(contribution, { id });
  const round = previous ? previous.round + 1 : 1;
  // `ContributionDisplaced` comes just before, in the same transaction, when this round displaced a copy.
  const displacedHere = previous?.displacedTx === event.transaction.hash;
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
    unfunded: false,
    submittedBlock: event.block.number,
    submittedTx: event.transaction.hash,
    voteIds: [] as string[],
    // A new round may declare another size: the content worker compares again.
    storedSize: null,
    sizeCheck: "Unchecked" as const,
    displaced: displacedHere ? previous!.displaced : null,
    displacedTx: displacedHere ? previous!.displacedTx : null,
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
    displacedBy: null,
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

// A committed submission displaced another account's pending copy (just before its own
// `ContributionSubmitted`): the copy's round ends with no outcome, counted as expired, and its deposit
// is credited back (Datanets._displace).
ponder.on("Datanets:ContributionDisplaced", async ({ event, context }) => {
  const db = context.db;
  const { datanetId, refund } = event.args;
  const id = lc(event.args.contributionId);
  const copier = lc(event.args.displaced);
  const c = await db.update(contribution, { id }).set({
    status: "Expired",
    finalizedAt: event.block.timestamp,
    depositRefund: refund,
    displaced: copier,
    displacedTx: event.transaction.hash,
  });
  await db.update(submission, { datanetId, sequence: c.sequence }).set({ status: "Expired", displacedBy: lc(event.args.by) });
  const terms = (await db.find(datanetTerms, { datanetId, version: c.termsVersion }))!;
  await db.update(datanet, { id: datanetId }).set((row) => ({
    pendingCount: row.pendingCount - 1,
    expiredCount: row.expiredCount + 1,
    pendingRewards: row.pendingRewards - terms.reward - terms.validatorReward,
  }));
  await ensureAccount(db, copier);
  await db.update(account, { address: copier }).set((row) => ({ credits: row.credits + refund, refunds: row.refunds + refund }));
  await db.update(contributor, { address: copier }).set((row) => finalized(row, "Expired", c.size, 0n));
  await db.update(datanetContributor, { id: `${datanetId}-${copier}` }).set((row) => finalized(row, "Expired", c.size, 0n));
});

// Emitted just before the round's `ContributionFinalized` (Expired): it won its review but the pool
// could no longer pay it.
ponder.on("Datanets:ContributionUnfunded", async ({ event, context }) => {
  await context.db.update(contribution, { id: lc(event.args.contributionId) }).set({ unfunded: true });
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

  // What the pool pays and keeps (Datanets._finalizeOne): an acceptance takes both rewards from it;
  // a rejection pays its validators only out of the forfeited deposit and the rest goes to the pool;
  // an expiry (unfunded included) moves nothing.
  const validatorPay =
    status === "Accepted" ? terms.validatorReward : status === "Rejected" ? (terms.validatorReward < terms.deposit ? terms.validatorReward : terms.deposit) : 0n;
  const poolChange =
    status === "Accepted"
      ? -(terms.reward + terms.validatorReward)
      : status === "Rejected"
        ? terms.deposit - validatorPay
        : 0n;
  await db.update(datanet, { id: datanetId }).set((row) => ({
    pendingCount: row.pendingCount - 1,
    acceptedCount: row.acceptedCount + (status === "Accepted" ? 1 : 0),
    rejectedCount: row.rejectedCount + (status === "Rejected" ? 1 : 0),
    expiredCount: row.expiredCount + (status === "Expired" ? 1 : 0),
    acceptedBytes: row.acceptedBytes + (status === "Accepted" ? BigInt(c.size) : 0n),
    rewardsPaid: row.rewardsPaid + reward,
    pool: row.pool + poolChange,
    pendingRewards: row.pendingRewards - terms.reward - terms.validatorReward,
  }));
  if (validatorPay > 0n) {
    await updateProtocol(db, (row) => ({
      validatorRewardsOutstanding: row.validatorRewardsOutstanding + validatorPay,
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
    if (!v || !v.revealed || !countsIn(v, c)) continue;
    const agreed = v.approve === (status === "Accepted");
    await db.update(vote, { id: voteId }).set({ agreed });
    await db.update(validator, { address: v.validator }).set((row) => {
      const agreedVotes = row.agreedVotes + (agreed ? 1 : 0);
      const disagreedVotes = row.disagreedVotes + (agreed ? 0 : 1);
      return { agreedVotes, disagreedVotes, agreementRateBps: rateBps(agreedVotes, disagreedVotes) };
    });
  }
});
