// ModelRegistry: fee shares, treasury and pause; each registered model with its lineage and the
// Datanets it drew from; fee payments and attribution payouts.
import { ponder } from "ponder:registry";
import { account, claim, contribution, feePayment, manifestLeaf, model, modelDatanet } from "ponder:schema";
import type { Hex } from "viem";
import { cidFromOnchain } from "@openledger/protocol";
import { checkManifest } from "./manifest.ts";
import { TRAINING_METHODS, nameOf } from "./names.ts";
import { ensureAccount, lc, updateProtocol, type Db } from "./rows.ts";
import { loadSettings } from "./settings.ts";

const settings = loadSettings(process.env);

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
