// Drives the protocol on a real Hardhat node for the indexer's and trainer's tests and benchmarks: deployment,
// accounts, every protocol operation (through the SDK's actions, as a dApp would), and the dev
// chain's clock. Governance calls and attribution claims with a hand-made proof, which the SDK
// does not wrap, go to the contract directly.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  encodeFunctionData,
  encodeAbiParameters,
  keccak256,
  encodePacked,
  parseEther,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { datanetsAbi, governanceOf, modelRegistryAbi, openTokenAbi } from "@openledger/protocol";
import { DEVELOPMENT_PARAMETERS, deployProtocol, devWallet, distributeOpen, governDev, publicClientFor, type Deployment } from "@openledger/protocol/deploy";
import * as sdk from "@openledger/sdk";
import { startChain, type LocalChain } from "@openledger/stack";

export type Wallet = ReturnType<typeof devWallet>;

export interface TestChain {
  chain: LocalChain;
  rpcUrl: string;
  client: PublicClient;
  deployment: Deployment;
  /** A deployment file for the indexer (INDEXER_DEPLOYMENT_FILE); protocol/deployments/ is left alone. */
  deploymentFile: string;
  /** Development accounts 0–9; 0 deployed and holds the OPEN supply and TRAINER_ROLE. */
  wallets: Wallet[];
  stop(): Promise<void>;
}

export async function startTestChain(options: { logFile?: string } = {}): Promise<TestChain> {
  const chain = await startChain({ decodeContracts: false, ...(options.logFile ? { logFile: options.logFile } : {}) });
  const client = publicClientFor(chain.rpcUrl);
  const wallets = Array.from({ length: 10 }, (_, i) => devWallet(chain.rpcUrl, i));
  const deployment = await deployProtocol({ wallet: wallets[0]!, client, write: false });
  await distributeOpen(
    wallets[0]!,
    client,
    deployment.contracts.OpenToken,
    wallets.slice(1).map((w) => w.account.address),
    parseEther("1000000"),
  );
  const dir = mkdtempSync(path.join(tmpdir(), "indexer-deployment-"));
  const deploymentFile = path.join(dir, `${deployment.chainId}.json`);
  writeFileSync(deploymentFile, JSON.stringify(deployment, null, 2));
  return { chain, rpcUrl: chain.rpcUrl, client, deployment, deploymentFile, wallets, stop: () => chain.stop() };
}

export interface FileSpec {
  digest: Hex;
  codec: number;
  format: number;
  size: number;
}

/** A distinct raw-codec txt file reference (the bytes are never needed on chain). */
export function fileRef(label: string, size = 1_000, format = 0): FileSpec {
  return { digest: keccak256(encodePacked(["string"], [label])), codec: 0, format, size };
}

export function contributionId(datanetId: number, digest: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "bytes32" }], [datanetId, digest]));
}

/** The protocol's operations, each waiting for its receipt and failing loudly on a revert. */
export class Protocol {
  readonly t: TestChain;
  constructor(t: TestChain) {
    this.t = t;
  }

  get addresses() {
    return this.t.deployment.contracts;
  }

  async send(wallet: Wallet, request: { address: Address; abi: readonly unknown[]; functionName: string; args?: readonly unknown[] }) {
    let hash: Hex;
    try {
      hash = await wallet.writeContract({ ...request, chain: wallet.chain, account: wallet.account } as never);
    } catch (error) {
      const e = error as { shortMessage?: string; details?: string; message: string };
      // One line that names the call and the contract's error, instead of viem's whole request dump.
      throw new Error(`${request.functionName}: ${e.details ?? e.shortMessage ?? e.message}`);
    }
    const receipt = await this.t.client.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`${request.functionName} reverted in ${hash}`);
    return receipt;
  }

  approve(wallet: Wallet, spender: Address, amount: bigint) {
    return this.send(wallet, { address: this.addresses.OpenToken, abi: openTokenAbi, functionName: "approve", args: [spender, amount] });
  }

  private get contracts() {
    return this.addresses;
  }

  async createDatanet(
    wallet: Wallet,
    options: {
      modality?: number;
      formats?: number;
      limits?: Partial<sdk.DatanetLimits>;
      rules?: Partial<sdk.ReviewRules>;
    } = {},
  ): Promise<number> {
    const sent = await sdk.createDatanet(wallet, {
      contracts: this.contracts,
      modality: (options.modality ?? 0) as sdk.Modality,
      formats: options.formats ?? 0x3f,
      metadata: { digest: keccak256(encodePacked(["string"], ["metadata"])), codec: 0 },
      limits: options.limits ?? {},
      // Scenarios pick their own voters, often one or two: a decision needs one distinct validator
      // here unless a test asks for more (the protocol's default is three).
      rules: { commitWindow: 600, revealWindow: 600, minValidators: 1, ...options.rules },
    });
    return sent.result.datanetId;
  }

  async updateLimits(wallet: Wallet, datanetId: number, limits: sdk.DatanetLimits) {
    return (await sdk.updateDatanetLimits(wallet, { contracts: this.contracts, datanetId, limits })).receipt;
  }

  async setMetadata(wallet: Wallet, datanetId: number, label: string) {
    const metadata = { digest: keccak256(encodePacked(["string"], [label])), codec: 0 as const };
    return (await sdk.setDatanetMetadata(wallet, { contracts: this.contracts, datanetId, metadata })).receipt;
  }

  async setDatanetPaused(wallet: Wallet, datanetId: number, paused: boolean) {
    return (await sdk.setDatanetPaused(wallet, { contracts: this.contracts, datanetId, paused })).receipt;
  }
  async transferDatanetOwnership(wallet: Wallet, datanetId: number, newOwner: Address) {
    return (await sdk.transferDatanetOwnership(wallet, { contracts: this.contracts, datanetId, newOwner })).receipt;
  }

  async acceptDatanetOwnership(wallet: Wallet, datanetId: number) {
    return (await sdk.acceptDatanetOwnership(wallet, { contracts: this.contracts, datanetId })).receipt;
  }


  async fund(wallet: Wallet, datanetId: number, amount: bigint) {
    return (await sdk.fundDatanet(wallet, { contracts: this.contracts, datanetId, amount })).receipt;
  }

  async withdrawPool(wallet: Wallet, datanetId: number, amount: bigint, to: Address) {
    return (await sdk.withdrawPool(wallet, { contracts: this.contracts, datanetId, amount, to })).receipt;
  }

  private files(files: FileSpec[]): sdk.FileRef[] {
    return files.map((f) => ({ digest: f.digest, codec: f.codec as sdk.CidCodec, format: f.format as sdk.Format, size: f.size }));
  }

  /** `submitBatch` for several files (the SDK sends a single file with `submit`). */
  async submitBatch(wallet: Wallet, datanetId: number, files: FileSpec[]) {
    return (await sdk.submitFiles(wallet, { contracts: this.contracts, datanetId, files: this.files(files) })).receipt;
  }

  async submit(wallet: Wallet, datanetId: number, file: FileSpec) {
    return (await sdk.submitFiles(wallet, { contracts: this.contracts, datanetId, files: this.files([file]) })).receipt;
  }

  async stake(wallet: Wallet, amount: bigint) {
    return (await sdk.stake(wallet, { contracts: this.contracts, amount })).receipt;
  }

  async unstake(wallet: Wallet, amount: bigint) {
    return (await sdk.unstake(wallet, { contracts: this.contracts, amount })).receipt;
  }

  async withdrawStake(wallet: Wallet) {
    return (await sdk.withdrawStake(wallet, { contracts: this.contracts })).receipt;
  }

  /** Commits `votes` (bit i approves digests[i]), sealed by the SDK; returns what reveal needs. */
  async commit(wallet: Wallet, datanetId: number, digests: Hex[], votes: bigint, salt: Hex) {
    const approvals = sdk.approvalsOf(votes, digests.length);
    const sent = await sdk.commitVotes(wallet, { contracts: this.contracts, datanetId, digests, approvals, salt });
    return { datanetId, digests, votes, salt, commitment: sent.result.commitment };
  }

  async reveal(wallet: Wallet, c: { datanetId: number; digests: Hex[]; votes: bigint; salt: Hex }) {
    const approvals = sdk.approvalsOf(c.votes, c.digests.length);
    return (await sdk.revealVotes(wallet, { contracts: this.contracts, datanetId: c.datanetId, digests: c.digests, approvals, salt: c.salt })).receipt;
  }

  async finalize(wallet: Wallet, datanetId: number, digests: Hex[]) {
    return (await sdk.finalizeContributions(wallet, { contracts: this.contracts, datanetId, digests })).receipt;
  }

  async claimValidatorRewards(wallet: Wallet, datanetId: number, digests: Hex[]) {
    return (await sdk.claimValidatorRewards(wallet, { contracts: this.contracts, datanetId, digests })).receipt;
  }

  async slashUnrevealed(wallet: Wallet, commitment: Hex) {
    return (await sdk.slashUnrevealed(wallet, { contracts: this.contracts, commitment })).receipt;
  }

  async claim(wallet: Wallet, to?: Address) {
    return (await sdk.claimRewards(wallet, { contracts: this.contracts, ...(to ? { to } : {}) })).receipt;
  }

  /** Governance: not an SDK action. */
  /** Governance, through the timelock: scheduled, the dev chain's clock moved past the delay, executed. */
  setProtocolLimits(wallet: Wallet, maxFileSize: number, dailyBytes: number, dailyFiles: number, slashBps: number) {
    const data = encodeFunctionData({ abi: datanetsAbi, functionName: "setProtocolLimits", args: [maxFileSize, dailyBytes, dailyFiles, slashBps] });
    return governDev(wallet, this.t.client, governanceOf(this.t.deployment), { target: this.addresses.Datanets, data });
  }

  async registerModel(
    wallet: Wallet,
    spec: {
      baseModel: string;
      datanetIds: number[];
      datasetRoot: Hex;
      totalWeight: bigint;
      manifestDigest: Hex;
      manifestCodec: number;
      parentId?: bigint;
      method?: number;
    },
  ) {
    const h = (s: string) => keccak256(encodePacked(["string"], [s]));
    const sent = await sdk.registerModel(wallet, {
      contracts: this.contracts,
      baseModel: spec.baseModel,
      baseWeightsHash: h(`${spec.baseModel}-weights`),
      method: (spec.method ?? 0) as sdk.TrainingMethod,
      configHash: h("config"),
      artifactCid: sdk.cidFromOnchain(h(`${spec.baseModel}-artifact`), 0),
      artifactSha256: h(`${spec.baseModel}-sha`),
      datanetIds: spec.datanetIds,
      datasetRoot: spec.datasetRoot,
      totalWeight: spec.totalWeight,
      manifestCid: sdk.cidFromOnchain(spec.manifestDigest, spec.manifestCodec),
      ...(spec.parentId === undefined ? {} : { parentId: spec.parentId }),
    });
    return sent.receipt;
  }

  async payForModel(wallet: Wallet, modelId: bigint, amount: bigint) {
    return (await sdk.payForModel(wallet, { contracts: this.contracts, modelId, amount })).receipt;
  }

  /** Challenges a model by the first leaf of its manifest that breaks the attribution rule. */
  async challengeLeaf(wallet: Wallet, modelId: bigint, manifest: sdk.DatasetManifest) {
    return (await sdk.challengeLeaf(wallet, { contracts: this.contracts, modelId, manifest })).result;
  }

  async releaseBond(wallet: Wallet, modelId: bigint) {
    return (await sdk.releaseBond(wallet, { contracts: this.contracts, modelId })).receipt;
  }

  /** With a proof made by the test (the SDK's `claimAttribution` takes a manifest instead). */
  claimAttribution(wallet: Wallet, modelId: bigint, contributionIdValue: Hex, contributor: Address, weight: bigint, proof: Hex[]) {
    return this.send(wallet, {
      address: this.addresses.ModelRegistry,
      abi: modelRegistryAbi,
      functionName: "claimAttribution",
      args: [modelId, contributionIdValue, contributor, weight, proof],
    });
  }

  // ─── The dev chain's clock and blocks ──────────────────────────────────

  /** Moves time forward and mines one block. */
  async advance(seconds: number) {
    await this.t.client.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
    await this.mine(1);
  }

  /** Mines blocks one by one (hardhat_mine with a count above 2 confuses a live indexer's reorg detection). */
  async mine(blocks: number) {
    for (let i = 0; i < blocks; i++) await this.t.client.request({ method: "evm_mine" as never });
  }

  async blockNumber(): Promise<bigint> {
    return this.t.client.getBlockNumber({ cacheTime: 0 });
  }

  snapshot(): Promise<Hex> {
    return this.t.client.request({ method: "evm_snapshot" as never }) as Promise<Hex>;
  }

  async revert(id: Hex) {
    const ok = await this.t.client.request({ method: "evm_revert" as never, params: [id] as never });
    if (!ok) throw new Error(`evm_revert ${id} failed`);
  }
}

export { DEVELOPMENT_PARAMETERS };
