// Datanets: review. Batch commits of sealed votes (one `vote` row per contribution round), reveals
// that add each vote's weight to the tallies, and slashes of commitments left unrevealed.
import { ponder } from "ponder:registry";
import { commitment, contribution, datanet, validator, validatorDatanet, vote } from "ponder:schema";
import { countsIn, ensureValidator, lc } from "../rows.ts";

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
  // The same ids can be committed again after they all expired and were resubmitted, or were
  // displaced: same key, new round. An earlier commitment still open there was slashed (its own
  // event) or, when every copy it voted on was displaced, closed without one (no event).
  const earlier = await db.find(commitment, { id: key });
  if (earlier?.state === "Committed") {
    await db.update(commitment, { id: key }).set({ state: "Revealed", votes: "0", revealedAt: now });
    await db.update(validator, { address: who }).set((r) => ({ openCommitments: r.openCommitments - 1 }));
  }
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
    // A vote on a copy that was displaced since counts nowhere (Datanets._countVotes).
    const c = (await db.find(contribution, { id: v.contributionId }))!;
    if (!countsIn(v, c)) continue;
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
