// ValidatorStaking: the protocol's minimum stake and treasury, and each validator's position (active,
// activating, unbonding) with every stake movement as a row of `stake_event`.
import { ponder } from "ponder:registry";
import { stakeEvent, validator } from "ponder:schema";
import type { Hex } from "viem";
import { ensureValidator, lc, updateProtocol, type EventMeta } from "./rows.ts";
import { applySlash, applyStake, applyUnstake } from "./stake.ts";

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
