// Datanets: protocol-wide limits and pause, each Datanet's settings and terms versions, and its reward
// pool (funding and withdrawals as rows of `pool_event`).
import { ponder } from "ponder:registry";
import { datanet, datanetTerms, poolEvent } from "ponder:schema";
import { zeroAddress } from "viem";
import { cidFromOnchain } from "@openledger/protocol";
import { MODALITIES, formatNames, nameOf } from "../names.ts";
import { lc, updateProtocol } from "../rows.ts";

/** A Datanet's limits as stored (daily bytes is a uint32: over PostgreSQL's integer range). */
function termsOf(limits: { maxFileSize: number; dailyBytes: number; dailyFiles: number; deposit: bigint; reward: bigint; validatorReward: bigint }) {
  return { ...limits, dailyBytes: BigInt(limits.dailyBytes) };
}

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
    minValidators: rules.minValidators,
    pendingOwner: null,
    paused: false,
    poolUnlocksAt: null,
    pool: 0n,
    pendingRewards: 0n,
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
  const { datanetId, paused } = event.args;
  // The wait before a withdrawal starts when an open Datanet is paused (a second pause keeps it).
  await context.db.update(datanet, { id: datanetId }).set((row) => ({
    paused,
    poolUnlocksAt: !paused ? null : row.paused ? row.poolUnlocksAt : event.block.timestamp + BigInt(row.commitWindow) + 2n * BigInt(row.revealWindow),
  }));
});

ponder.on("Datanets:DatanetOwnershipTransferStarted", async ({ event, context }) => {
  const offered = event.args.pendingOwner === zeroAddress ? null : lc(event.args.pendingOwner);
  await context.db.update(datanet, { id: event.args.datanetId }).set({ pendingOwner: offered });
});

ponder.on("Datanets:DatanetOwnershipTransferred", async ({ event, context }) => {
  await context.db.update(datanet, { id: event.args.datanetId }).set({ owner: lc(event.args.newOwner), pendingOwner: null });
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
