// The model registry: register a model, pay for one, claim attribution, and the reads.
import type { Address, Hex } from "viem";
import { getContractEvents } from "viem/actions";
import { leafProof, modelRegistryAbi, type DatasetManifest } from "@openledger/protocol";
import { toOnchainCid, type CID } from "../cid.ts";
import { OpenLedgerError } from "../errors.ts";
import { contractsOf, eventsOf, read, send, type ReadClient, type Sent, type WithContracts, type WriteClient } from "./shared.ts";
import { ensureAllowance } from "./token.ts";

import { TRAINING_METHOD_NAMES, TrainingMethod } from "@openledger/protocol";

export { TrainingMethod };
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

export async function registerModel(client: WriteClient, args: WithContracts & ModelRegistration): Promise<Sent<{ modelId: bigint }>> {
  const { ModelRegistry } = contractsOf(client, args);
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
  return { hash, receipt, result: { modelId: registered.args.modelId as bigint } };
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
}

export async function getModel(client: ReadClient, args: WithContracts & { modelId: bigint }): Promise<ModelInfo> {
  const { ModelRegistry } = contractsOf(client, args);
  const [trainer, parentId, method, datasetRoot, artifactSha256, totalWeight, contributorFees, feesPerWeight, attributionPaid] = await read(client, { address: ModelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [args.modelId] });
  return { id: args.modelId, trainer, parentId, method: method as TrainingMethod, datasetRoot, artifactSha256, totalWeight, contributorFees, feesPerWeight, attributionPaid };
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
