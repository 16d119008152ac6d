// The model registry: register a model, pay for one, claim attribution, and the reads.
import { zeroHash, type Address, type Hex } from "viem";
import { getContractEvents } from "viem/actions";
import { datanetsAbi, LeafFault, leafProof, modelRegistryAbi, type DatasetManifest, type ManifestLeaf } from "@openledger/protocol";
import { toOnchainCid, type CID } from "../cid.ts";
import { OpenLedgerError } from "../errors.ts";
import { contractsOf, eventsOf, read, send, type ReadClient, type Sent, type WithContracts, type WriteClient } from "./shared.ts";
import { ensureAllowance } from "./token.ts";

import { TRAINING_METHOD_NAMES, TrainingMethod } from "@openledger/protocol";

export { LeafFault, TrainingMethod };
/** What each `LeafFault` means, in words ("is not weighed by its contribution's size"). */
export const LEAF_FAULT_TEXT = {
  [LeafFault.None]: "keeps the rule",
  [LeafFault.NotAccepted]: "names a contribution that is not accepted",
  [LeafFault.WrongContributor]: "names another contributor than the one the chain records",
  [LeafFault.WrongWeight]: "is not weighed by its contribution's size",
  [LeafFault.OutsideDatanets]: "names a contribution from a Datanet the model does not list",
} as const satisfies Record<LeafFault, string>;

/** A leaf fault's member name ("WrongWeight"), as the indexer and JSON output give it. */
export function leafFaultName(fault: LeafFault): keyof typeof LeafFault {
  return (Object.keys(LeafFault) as (keyof typeof LeafFault)[]).find((k) => LeafFault[k] === fault) ?? "None";
}

/** The training methods' names, indexed by `TrainingMethod`. */
export const METHOD_NAMES = TRAINING_METHOD_NAMES;

export interface ModelRegistration {
  /** The base model's name, e.g. a Hugging Face id. */
  baseModel: string;
  /** sha256 of the base model's weights. */
  baseWeightsHash: Hex;
  method: TrainingMethod;
  /** sha256 of the full training configuration. */
  configHash: Hex;
  artifactCid: CID | string;
  artifactSha256: Hex;
  datanetIds: number[];
  datasetRoot: Hex;
  totalWeight: bigint;
  manifestCid: CID | string;
  parentId?: bigint;
}

/**
 * Registers a model, approving the registry for the trainer's bond first when needed. The bond
 * (`modelBond`) is at stake for the challenge window; payments open when it closes.
 */
export async function registerModel(client: WriteClient, args: WithContracts & ModelRegistration): Promise<Sent<{ modelId: bigint; bond: bigint; challengeEndsAt: number }>> {
  const contracts = contractsOf(client, args);
  const { ModelRegistry } = contracts;
  const bond = await read(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "modelBond", args: [] });
  if (bond > 0n) await ensureAllowance(client, { contracts, spender: ModelRegistry, amount: bond });
  const artifact = toOnchainCid(args.artifactCid);
  const manifest = toOnchainCid(args.manifestCid);
  const spec = {
    baseModel: args.baseModel,
    baseWeightsHash: args.baseWeightsHash,
    method: args.method,
    configHash: args.configHash,
    artifactDigest: artifact.digest,
    artifactCodec: artifact.codec,
    artifactSha256: args.artifactSha256,
    datanetIds: args.datanetIds,
    datasetRoot: args.datasetRoot,
    totalWeight: args.totalWeight,
    manifestDigest: manifest.digest,
    manifestCodec: manifest.codec,
    parentId: args.parentId ?? 0n,
  };
  const { hash, receipt } = await send(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "registerModel", args: [spec] });
  const [registered] = eventsOf(modelRegistryAbi, receipt, "ModelRegistered");
  if (!registered) throw new OpenLedgerError(`registerModel in ${hash} emitted no ModelRegistered event`);
  return {
    hash,
    receipt,
    result: { modelId: registered.args.modelId as bigint, bond: registered.args.bond as bigint, challengeEndsAt: Number(registered.args.challengeEndsAt) },
  };
}

/** Pays `amount` OPEN for a model, approving the registry first when needed. */
export async function payForModel(
  client: WriteClient,
  args: WithContracts & { modelId: bigint; amount: bigint },
): Promise<Sent<{ trainerShare: bigint; protocolShare: bigint; contributorsShare: bigint }>> {
  const contracts = contractsOf(client, args);
  await ensureAllowance(client, { contracts, spender: contracts.ModelRegistry, amount: args.amount });
  const { hash, receipt } = await send(client, { address: contracts.ModelRegistry, abi: modelRegistryAbi, functionName: "payForModel", args: [args.modelId, args.amount] });
  const [paid] = eventsOf(modelRegistryAbi, receipt, "FeePaid");
  return {
    hash,
    receipt,
    result: { trainerShare: paid?.args.trainerShare ?? 0n, protocolShare: paid?.args.protocolShare ?? 0n, contributorsShare: paid?.args.contributorsShare ?? 0n },
  };
}

/** Claims a leaf's attribution (paid to its contributor); the proof comes from the model's manifest. */
export async function claimAttribution(
  client: WriteClient,
  args: WithContracts & { modelId: bigint; manifest: DatasetManifest; contributionId: Hex },
): Promise<Sent<{ amount: bigint; contributor: Address }>> {
  const { ModelRegistry } = contractsOf(client, args);
  const { leaf, proof } = leafProof(args.manifest, args.contributionId);
  const { hash, receipt } = await send(client, {
    address: ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "claimAttribution",
    args: [args.modelId, leaf.contributionId, leaf.contributor, BigInt(leaf.weight), proof],
  });
  const [claimed] = eventsOf(modelRegistryAbi, receipt, "AttributionClaimed");
  return { hash, receipt, result: { amount: claimed?.args.amount ?? 0n, contributor: leaf.contributor } };
}

export interface ModelInfo {
  id: bigint;
  trainer: Address;
  parentId: bigint;
  method: TrainingMethod;
  datasetRoot: Hex;
  artifactSha256: Hex;
  totalWeight: bigint;
  contributorFees: bigint;
  feesPerWeight: bigint;
  attributionPaid: bigint;
  /** OPEN still at stake (0 once released or taken by a challenger). */
  bond: bigint;
  /** When challenges close and payments open (unix seconds). */
  challengeEndsAt: number;
  /** A challenge proved a leaf wrong: the model takes no fees. */
  invalid: boolean;
}

export async function getModel(client: ReadClient, args: WithContracts & { modelId: bigint }): Promise<ModelInfo> {
  const { ModelRegistry } = contractsOf(client, args);
  const [[trainer, parentId, method, datasetRoot, artifactSha256, totalWeight, contributorFees, feesPerWeight, attributionPaid], [bond, challengeEndsAt, invalid]] = await Promise.all([
    read(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [args.modelId] }),
    read(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "bondOf", args: [args.modelId] }),
  ]);
  return {
    id: args.modelId, trainer, parentId, method: method as TrainingMethod, datasetRoot, artifactSha256, totalWeight, contributorFees, feesPerWeight, attributionPaid,
    bond, challengeEndsAt: Number(challengeEndsAt), invalid,
  };
}

/** The Datanets a model registered, in the registered order (a challenge must pass them exactly). */
export async function getModelDatanets(client: ReadClient, args: WithContracts & { modelId: bigint; fromBlock?: bigint }): Promise<number[]> {
  const { ModelRegistry } = contractsOf(client, args);
  const [log] = await getContractEvents(client, { address: ModelRegistry, abi: modelRegistryAbi, eventName: "ModelRegistered", args: { modelId: args.modelId }, fromBlock: args.fromBlock ?? 0n, toBlock: "latest" });
  if (!log) throw new OpenLedgerError(`model ${args.modelId} does not exist`);
  return [...log.args.spec!.datanetIds];
}

export interface LeafVerdict {
  leaf: ManifestLeaf;
  fault: LeafFault;
  /** What the fault means, in words (`LEAF_FAULT_TEXT`). */
  reason: string;
  /** Where the leaf's contribution was submitted (zero when no submission has its id). */
  datanetId: number;
  digest: Hex;
}

/** A verdict with what the registry needs to hear a challenge of it. */
interface JudgedLeaf extends LeafVerdict {
  evidence: { contributionId: Hex; contributor: Address; weight: bigint; datanetId: number; digest: Hex };
  proof: Hex[];
}

/**
 * Judges every leaf of a model's manifest by the attribution rule, as the registry's `leafFault`
 * does on chain (the contract is the judge; this only gathers the evidence: each contribution's
 * submission from its `ContributionSubmitted` event). Returns every leaf with its verdict, in the
 * manifest's order.
 */
export async function findLeafFaults(
  client: ReadClient,
  args: WithContracts & { modelId: bigint; manifest: DatasetManifest; fromBlock?: bigint },
): Promise<LeafVerdict[]> {
  const { verdicts } = await judgeLeaves(client, args);
  return verdicts.map(({ leaf, fault, reason, datanetId, digest }) => ({ leaf, fault, reason, datanetId, digest }));
}

async function judgeLeaves(
  client: ReadClient,
  args: WithContracts & { modelId: bigint; manifest: DatasetManifest; fromBlock?: bigint },
): Promise<{ datanetIds: number[]; verdicts: JudgedLeaf[] }> {
  const { ModelRegistry, Datanets } = contractsOf(client, args);
  const datanetIds = await getModelDatanets(client, args);
  const ids = args.manifest.leaves.map((l) => l.contributionId);
  const submitted = await getContractEvents(client, { address: Datanets, abi: datanetsAbi, eventName: "ContributionSubmitted", args: { contributionId: ids }, fromBlock: args.fromBlock ?? 0n, toBlock: "latest" });
  const where = new Map(submitted.map((e) => [e.args.contributionId!.toLowerCase(), { datanetId: Number(e.args.datanetId), digest: e.args.digest! }]));
  const verdicts: JudgedLeaf[] = [];
  for (const leaf of args.manifest.leaves) {
    const { proof } = leafProof(args.manifest, leaf.contributionId);
    const at = where.get(leaf.contributionId.toLowerCase()) ?? { datanetId: 0, digest: zeroHash };
    const evidence = { contributionId: leaf.contributionId, contributor: leaf.contributor, weight: BigInt(leaf.weight), ...at };
    const fault = (await read(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "leafFault", args: [args.modelId, evidence, proof, datanetIds] })) as LeafFault;
    verdicts.push({ leaf, fault, reason: LEAF_FAULT_TEXT[fault], ...at, evidence, proof });
  }
  return { datanetIds, verdicts };
}

/**
 * Challenges a model by one leaf of its manifest that breaks the attribution rule (the first such
 * leaf when `contributionId` is not given). Inside the model's challenge window the registry marks
 * the model invalid and pays half its bond to the caller (`reward`), the rest to the treasury.
 */
export async function challengeLeaf(
  client: WriteClient,
  args: WithContracts & { modelId: bigint; manifest: DatasetManifest; contributionId?: Hex; fromBlock?: bigint },
): Promise<Sent<{ fault: LeafFault; reason: string; contributionId: Hex; reward: bigint; forfeited: bigint }>> {
  const { ModelRegistry } = contractsOf(client, args);
  const { datanetIds, verdicts } = await judgeLeaves(client, args);
  const wanted = args.contributionId?.toLowerCase();
  const target = wanted ? verdicts.find((v) => v.leaf.contributionId.toLowerCase() === wanted) : verdicts.find((v) => v.fault !== LeafFault.None);
  if (!target) {
    throw new OpenLedgerError(wanted ? `contribution ${args.contributionId} is not in model ${args.modelId}'s manifest` : `every leaf of model ${args.modelId}'s manifest keeps the attribution rule: there is nothing to challenge`);
  }
  const { hash, receipt } = await send(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "challengeLeaf", args: [args.modelId, target.evidence, target.proof, datanetIds] });
  const [challenged] = eventsOf(modelRegistryAbi, receipt, "ModelChallenged");
  const fault = (challenged?.args.fault ?? target.fault) as LeafFault;
  return {
    hash,
    receipt,
    result: { fault, reason: LEAF_FAULT_TEXT[fault], contributionId: target.leaf.contributionId, reward: challenged?.args.reward ?? 0n, forfeited: challenged?.args.forfeited ?? 0n },
  };
}

/** Returns a model's bond to its trainer once its challenge window has closed unchallenged. Anyone may send it. */
export async function releaseBond(client: WriteClient, args: WithContracts & { modelId: bigint }): Promise<Sent<{ bond: bigint; trainer: Address }>> {
  const { ModelRegistry } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "releaseBond", args: [args.modelId] });
  const [released] = eventsOf(modelRegistryAbi, receipt, "BondReleased");
  return { hash, receipt, result: { bond: released?.args.bond ?? 0n, trainer: released?.args.trainer ?? ("0x" as Address) } };
}

export async function getModelCount(client: ReadClient, args: WithContracts = {}): Promise<number> {
  const { ModelRegistry } = contractsOf(client, args);
  return Number(await read(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "modelCount", args: [] }));
}

export async function getClaimableAttribution(
  client: ReadClient,
  args: WithContracts & { modelId: bigint; manifest: DatasetManifest; contributionId: Hex },
): Promise<bigint> {
  const { ModelRegistry } = contractsOf(client, args);
  const { leaf } = leafProof(args.manifest, args.contributionId);
  return read(client, {
    address: ModelRegistry,
    abi: modelRegistryAbi,
    functionName: "claimableAttribution",
    args: [args.modelId, leaf.contributionId, leaf.contributor, BigInt(leaf.weight)],
  });
}

/** Every registered model with its registration (from the registry's `ModelRegistered` events). */
export async function listModels(client: ReadClient, args: WithContracts & { fromBlock?: bigint } = {}) {
  const { ModelRegistry } = contractsOf(client, args);
  const logs = await getContractEvents(client, { address: ModelRegistry, abi: modelRegistryAbi, eventName: "ModelRegistered", fromBlock: args.fromBlock ?? 0n, toBlock: "latest" });
  return logs.map((l) => ({ id: l.args.modelId!, trainer: l.args.trainer!, spec: l.args.spec! }));
}
