// ModelRegistry: fee shares, treasury and pause; each registered model with its lineage and the
// Datanets it drew from; fee payments and attribution payouts. Manifests are not fetched here: the
// manifest worker (src/api/manifests/) checks them and fills in the model's manifest columns and
// `manifest_leaf` (a fee payment makes a manifest that could not be fetched due again).
import { ponder } from "ponder:registry";
import { account, claim, feePayment, manifestLeaf, model, modelDatanet } from "ponder:schema";
import { cidFromOnchain } from "@openledger/protocol";
import { LEAF_FAULTS, TRAINING_METHODS, nameOf } from "./names.ts";
import { ensureAccount, lc, updateProtocol } from "./rows.ts";

ponder.on("ModelRegistry:FeeSharesSet", async ({ event, context }) => {
  await updateProtocol(context.db, { trainerBps: Number(event.args.trainerBps), protocolBps: Number(event.args.protocolBps) });
});

ponder.on("ModelRegistry:TreasurySet", async ({ event, context }) => {
  await updateProtocol(context.db, { registryTreasury: lc(event.args.treasury) });
});

ponder.on("ModelRegistry:RegistryPauseSet", async ({ event, context }) => {
  await updateProtocol(context.db, { registryPaused: event.args.paused });
});

ponder.on("ModelRegistry:ModelRegistered", async ({ event, context }) => {
  const db = context.db;
  const { modelId, spec } = event.args;
  const parentId = spec.parentId === 0n ? null : spec.parentId;
  const parent = parentId === null ? undefined : await db.find(model, { id: parentId });
  const manifestCid = cidFromOnchain(spec.manifestDigest, spec.manifestCodec).toString();
  const datanetIds = [...spec.datanetIds];
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
    // The manifest worker fills these in once it has fetched and checked the manifest.
    manifestStatus: "Unchecked",
    manifestIssues: [],
    manifestLeafCount: null,
    manifestCheckedAt: null,
    feesPaid: 0n,
    trainerFees: 0n,
    protocolFees: 0n,
    contributorFees: 0n,
    feesPerWeight: 0n,
    paymentCount: 0,
    attributionClaimed: 0n,
    bond: event.args.bond,
    challengeEndsAt: event.args.challengeEndsAt,
    invalid: false,
    challenger: null,
    challengedContribution: null,
    challengeFault: null,
    registeredAt: event.block.timestamp,
    registeredBlock: event.block.number,
    transactionHash: event.transaction.hash,
  });
  for (const datanetId of new Set(datanetIds)) await db.insert(modelDatanet).values({ modelId, datanetId });
  await updateProtocol(db, (r) => ({ modelCount: r.modelCount + 1 }));
});

ponder.on("ModelRegistry:ModelChallenged", async ({ event, context }) => {
  await context.db.update(model, { id: event.args.modelId }).set({
    bond: 0n,
    invalid: true,
    challenger: lc(event.args.challenger),
    challengedContribution: lc(event.args.contributionId),
    challengeFault: nameOf(LEAF_FAULTS, event.args.fault, "leaf fault"),
  });
});

ponder.on("ModelRegistry:BondReleased", async ({ event, context }) => {
  await context.db.update(model, { id: event.args.modelId }).set({ bond: 0n });
});

ponder.on("ModelRegistry:FeePaid", async ({ event, context }) => {
  const { modelId, payer, amount, trainerShare, protocolShare, contributorsShare, feesPerWeight } = event.args;
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
