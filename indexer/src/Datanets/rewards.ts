// Datanets: payouts. A commitment's validator reward credited to its validator, and claims of an
// account's credits (rewards, refunds and validator rewards), each a row of `claim`.
import { ponder } from "ponder:registry";
import { account, claim, commitment, contributor, validator } from "ponder:schema";
import { ensureAccount, lc, updateProtocol } from "../rows.ts";

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
