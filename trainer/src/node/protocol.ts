// All the node's glue to the outside: the IPFS node and the chain. Kept in one file so that the
// rest of the node does not depend on how either is reached.
//
// IPFS goes through the SDK's client (adds under the protocol's CID profile, checked against the
// CID computed locally; downloads verified against their CID). The chain goes through viem with
// the generated ABIs: registration is split into send and wait (the SDK's `registerModel` does
// both in one call) so that a node restarted between the two waits on the transaction it already
// sent instead of registering the model twice.
import {
  createPublicClient, createWalletClient, http, parseEventLogs, type Address, type Hex, type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { cidFromOnchain, datanetsAbi, modelRegistryAbi, openTokenAbi, Status, toOnchainCid, TrainingMethod, type Deployment } from "@openledger/protocol";
import { loadDeployment } from "@openledger/protocol/node";
import { createIpfsClient } from "@openledger/sdk";
import type { AcceptedContribution } from "../dataset/indexer.ts";
import type { Method } from "./engine.ts";

// ---------------------------------------------------------------- IPFS

export interface IpfsClient {
  /** Adds and pins `bytes`; returns their CID under the protocol's profile. */
  add(bytes: Uint8Array): Promise<string>;
  /** The bytes of `cid`, verified against it; refused past `maxBytes` (default: the protocol's 10 MiB file cap). */
  cat(cid: string, maxBytes?: number): Promise<Uint8Array>;
}

/** The SDK's verified Kubo RPC client (sdk/src/ipfs.ts), with the node's narrower interface. */
export function kuboClient(url: string, options: { timeoutMs?: number } = {}): IpfsClient {
  const client = createIpfsClient(url, { timeoutMs: options.timeoutMs ?? 120_000 });
  return {
    add: async (bytes) => (await client.add(bytes)).toString(),
    cat: (cid, maxBytes) => client.get(cid, maxBytes === undefined ? {} : { maxBytes }),
  };
}

/** Model artifacts may be far larger than a contribution (full weights). */
export const MAX_ARTIFACT_BYTES = 8 * 1024 ** 3;

// ---------------------------------------------------------------- chain

export type DeploymentFile = Deployment;

export function readDeployment(file: string): Deployment {
  return loadDeployment({ file });
}

/** The engine's method names as the protocol's `TrainingMethod`. */
export const METHOD_CODE: Record<Method, TrainingMethod> = { lora: TrainingMethod.LoRA, qlora: TrainingMethod.QLoRA, full: TrainingMethod.Full };
export const ACCEPTED_STATUS = Status.Accepted;

export interface ModelSpecInput {
  baseModel: string;
  baseWeightsHash: Hex;
  method: Method;
  configHash: Hex;
  artifactCid: string;
  artifactSha256: Hex;
  datanetIds: number[];
  datasetRoot: Hex;
  totalWeight: bigint;
  manifestCid: string;
  parentId: bigint;
}

export interface RegisteredModel {
  modelId: bigint;
  trainer: Address;
  parentId: bigint;
  baseModel: string;
  baseWeightsHash: Hex;
  method: Method;
  artifactCid: string;
  artifactSha256: Hex;
  manifestCid: string;
  datasetRoot: Hex;
  totalWeight: bigint;
  datanetIds: number[];
  blockNumber: bigint;
}

export class Chain {
  readonly client: PublicClient;
  readonly deployment: DeploymentFile;
  readonly rpcUrl: string;
  constructor(rpcUrl: string, deployment: DeploymentFile) {
    this.rpcUrl = rpcUrl;
    this.deployment = deployment;
    this.client = createPublicClient({ transport: http(rpcUrl) }) as PublicClient;
  }

  async blockTimestamp(block: number): Promise<bigint> {
    return (await this.client.getBlock({ blockNumber: BigInt(block) })).timestamp;
  }

  async blockNumber(): Promise<number> {
    return Number(await this.client.getBlockNumber());
  }

  /** Sends `registerModel`; returns the hash before waiting so that a restart can wait on it instead of sending twice. */
  async sendRegisterModel(privateKey: Hex, spec: ModelSpecInput): Promise<Hex> {
    const account = privateKeyToAccount(privateKey);
    const wallet = createWalletClient({ account, transport: http(this.rpcUrl) });
    const artifact = toOnchainCid(spec.artifactCid);
    const manifest = toOnchainCid(spec.manifestCid);
    const args = [{
      baseModel: spec.baseModel, baseWeightsHash: spec.baseWeightsHash, method: METHOD_CODE[spec.method], configHash: spec.configHash,
      artifactDigest: artifact.digest, artifactCodec: artifact.codec, artifactSha256: spec.artifactSha256,
      datanetIds: spec.datanetIds, datasetRoot: spec.datasetRoot, totalWeight: spec.totalWeight,
      manifestDigest: manifest.digest, manifestCodec: manifest.codec, parentId: spec.parentId,
    }] as const;
    // The registry takes the trainer's bond with the registration: approve it first (a restart finds
    // the allowance already there and sends nothing).
    const { ModelRegistry: registry, OpenToken: token } = this.deployment.contracts;
    const bond = await this.client.readContract({ address: registry, abi: modelRegistryAbi, functionName: "modelBond" });
    const allowance = await this.client.readContract({ address: token, abi: openTokenAbi, functionName: "allowance", args: [account.address, registry] });
    if (bond > allowance) {
      const approval = await wallet.writeContract({ address: token, abi: openTokenAbi, functionName: "approve", args: [registry, bond], chain: null });
      const receipt = await this.client.waitForTransactionReceipt({ hash: approval, timeout: 120_000 });
      if (receipt.status !== "success") throw new Error(`approving the model bond (${approval}) reverted`);
    }
    const { request } = await this.client.simulateContract({ account, address: this.deployment.contracts.ModelRegistry, abi: modelRegistryAbi, functionName: "registerModel", args });
    return wallet.writeContract({ ...request, chain: null });
  }

  /** Waits for a `registerModel` transaction and returns the new model id. */
  async waitForModelId(hash: Hex): Promise<bigint> {
    const receipt = await this.client.waitForTransactionReceipt({ hash, timeout: 120_000 });
    if (receipt.status !== "success") throw new Error(`registerModel transaction ${hash} reverted`);
    const [event] = parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs, eventName: "ModelRegistered" });
    if (!event) throw new Error(`registerModel transaction ${hash} emitted no ModelRegistered event`);
    return event.args.modelId;
  }

  /** The registered models (all, or one id), from their `ModelRegistered` events. */
  async models(modelId?: bigint): Promise<RegisteredModel[]> {
    const logs = await this.client.getContractEvents({
      address: this.deployment.contracts.ModelRegistry, abi: modelRegistryAbi, eventName: "ModelRegistered",
      args: modelId === undefined ? {} : { modelId }, fromBlock: BigInt(this.deployment.startBlock ?? 0), toBlock: "latest",
    });
    const methods: Method[] = ["lora", "qlora", "full"];
    return logs.map((log) => {
      const a = log.args as { modelId: bigint; trainer: Address; parentId: bigint; spec: { baseModel: string; baseWeightsHash: Hex; method: number; artifactDigest: Hex; artifactCodec: number; artifactSha256: Hex; manifestDigest: Hex; manifestCodec: number; datasetRoot: Hex; totalWeight: bigint; datanetIds: readonly number[] } };
      return {
        modelId: a.modelId, trainer: a.trainer, parentId: a.parentId, baseModel: a.spec.baseModel, baseWeightsHash: a.spec.baseWeightsHash, method: methods[a.spec.method] ?? "lora",
        artifactCid: cidFromOnchain(a.spec.artifactDigest, a.spec.artifactCodec).toString(), artifactSha256: a.spec.artifactSha256,
        manifestCid: cidFromOnchain(a.spec.manifestDigest, a.spec.manifestCodec).toString(), datasetRoot: a.spec.datasetRoot,
        totalWeight: a.spec.totalWeight, datanetIds: [...a.spec.datanetIds], blockNumber: log.blockNumber ?? 0n,
      };
    });
  }

  /** The Datanets contract's own record of a contribution (status 2 = Accepted). */
  async statusOf(contributionId: Hex): Promise<{ status: number; contributor: Address }> {
    const [status, contributor] = await this.client.readContract({ address: this.deployment.contracts.Datanets, abi: datanetsAbi, functionName: "statusOf", args: [contributionId] });
    return { status: Number(status), contributor };
  }

  /** Whether `account` holds TRAINER_ROLE on the registry (registerModel needs it). */
  async isTrainer(account: Address): Promise<boolean> {
    const address = this.deployment.contracts.ModelRegistry;
    const role = await this.client.readContract({ address, abi: modelRegistryAbi, functionName: "TRAINER_ROLE" });
    return this.client.readContract({ address, abi: modelRegistryAbi, functionName: "hasRole", args: [role, account] });
  }

  async modelCount(): Promise<number> {
    return Number(await this.client.readContract({ address: this.deployment.contracts.ModelRegistry, abi: modelRegistryAbi, functionName: "modelCount" }));
  }

  /** A Datanet's modality (0 text, 1 image, 2 audio), or undefined when there is no such Datanet. */
  async datanetModality(datanetId: number): Promise<number | undefined> {
    if (datanetId < 1 || datanetId > (await this.datanetCount())) return undefined;
    const view = await this.client.readContract({ address: this.deployment.contracts.Datanets, abi: datanetsAbi, functionName: "getDatanet", args: [datanetId] });
    return Number(view.modality);
  }

  async datanetCount(): Promise<number> {
    return Number(await this.client.readContract({ address: this.deployment.contracts.Datanets, abi: datanetsAbi, functionName: "datanetCount" }));
  }

  /**
   * The accepted contributions of a Datanet up to a block, read from the chain's events. The node
   * uses this when no indexer is configured; it gives the same rows as the indexer query.
   */
  async acceptedContributions(datanetId: number, upToBlock: number): Promise<AcceptedContribution[]> {
    const address = this.deployment.contracts.Datanets;
    const range = { fromBlock: BigInt(this.deployment.startBlock ?? 0), toBlock: BigInt(upToBlock) };
    const finalized = await this.client.getContractEvents({ address, abi: datanetsAbi, eventName: "ContributionFinalized", args: { datanetId }, ...range });
    const accepted = finalized.filter((l) => Number(l.args.status) === ACCEPTED_STATUS);
    if (accepted.length === 0) return [];
    const submitted = await this.client.getContractEvents({ address, abi: datanetsAbi, eventName: "ContributionSubmitted", args: { datanetId }, ...range });
    const byId = new Map(submitted.map((l) => [String(l.args.contributionId).toLowerCase(), l.args]));
    return accepted.map((l) => {
      const s = byId.get(String(l.args.contributionId).toLowerCase());
      if (!s) throw new Error(`contribution ${l.args.contributionId} was finalised but its submission event was not found`);
      return {
        contributionId: l.args.contributionId as Hex, datanetId, contributor: l.args.contributor as Address,
        digest: s.digest as Hex, codec: Number(s.codec), format: Number(s.format), size: Number(s.size),
      };
    });
  }
}

/** The address of a private key, for display (the key itself is never printed). */
export function addressOf(privateKey: Hex): Address {
  return privateKeyToAccount(privateKey).address;
}
