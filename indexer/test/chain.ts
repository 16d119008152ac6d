// Drives the protocol on a real Hardhat node for the indexer's tests and benchmark: deployment,
// accounts, every protocol operation, and the dev chain's clock. Written against viem and the
// generated ABIs; each operation is one function so that it can switch to the SDK's actions.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  encodeAbiParameters,
  keccak256,
  encodePacked,
  parseEther,
  type Address,
  type Hex,
  type PublicClient,
} from "viem";
import { datanetsAbi, modelRegistryAbi, openTokenAbi, validatorStakingAbi } from "../../generated/abis.ts";
import { DEVELOPMENT_PARAMETERS, deployProtocol, devWallet, distributeOpen, publicClientFor, type Deployment } from "../../scripts/deploy.ts";
import { startChain, type LocalChain } from "../../scripts/lib/chain.ts";

export type Wallet = ReturnType<typeof devWallet>;

export interface TestChain {
  chain: LocalChain;
  rpcUrl: string;
  client: PublicClient;
  deployment: Deployment;
  /** A deployment file for the indexer (INDEXER_DEPLOYMENT_FILE); generated/ is left alone. */
  deploymentFile: string;
  /** Development accounts 0–9; 0 deployed and holds the OPEN supply and TRAINER_ROLE. */
  wallets: Wallet[];
  stop(): Promise<void>;
}

export async function startTestChain(options: { logFile?: string } = {}): Promise<TestChain> {
  const chain = await startChain(options.logFile ? { logFile: options.logFile } : {});
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

  async createDatanet(
    wallet: Wallet,
    options: {
      modality?: number;
      formats?: number;
      limits?: Partial<{ maxFileSize: number; dailyBytes: number; dailyFiles: number; deposit: bigint; reward: bigint; validatorReward: bigint }>;
      rules?: Partial<{ commitWindow: number; revealWindow: number; quorum: bigint; thresholdBps: number }>;
    } = {},
  ): Promise<number> {
    const limits = { maxFileSize: 0, dailyBytes: 0, dailyFiles: 0, deposit: 0n, reward: 0n, validatorReward: 0n, ...options.limits };
    const rules = { commitWindow: 600, revealWindow: 600, quorum: 0n, thresholdBps: 0, ...options.rules };
    await this.send(wallet, {
      address: this.addresses.Datanets,
      abi: datanetsAbi,
      functionName: "createDatanet",
      args: [options.modality ?? 0, options.formats ?? 0x3f, keccak256(encodePacked(["string"], ["metadata"])), 0, limits, rules],
    });
    return Number(await this.t.client.readContract({ address: this.addresses.Datanets, abi: datanetsAbi, functionName: "datanetCount" }));
  }

  updateLimits(wallet: Wallet, datanetId: number, limits: { maxFileSize: number; dailyBytes: number; dailyFiles: number; deposit: bigint; reward: bigint; validatorReward: bigint }) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "updateLimits", args: [datanetId, limits] });
  }

  setMetadata(wallet: Wallet, datanetId: number, label: string) {
    return this.send(wallet, {
      address: this.addresses.Datanets,
      abi: datanetsAbi,
      functionName: "setMetadata",
      args: [datanetId, keccak256(encodePacked(["string"], [label])), 0],
    });
  }

  setDatanetPaused(wallet: Wallet, datanetId: number, paused: boolean) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "setDatanetPaused", args: [datanetId, paused] });
  }

  async fund(wallet: Wallet, datanetId: number, amount: bigint) {
    await this.approve(wallet, this.addresses.Datanets, amount);
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "fund", args: [datanetId, amount] });
  }

  withdrawPool(wallet: Wallet, datanetId: number, amount: bigint, to: Address) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "withdrawPool", args: [datanetId, amount, to] });
  }

  submitBatch(wallet: Wallet, datanetId: number, files: FileSpec[]) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "submitBatch", args: [datanetId, files] });
  }

  submit(wallet: Wallet, datanetId: number, file: FileSpec) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "submit", args: [datanetId, file] });
  }

  async stake(wallet: Wallet, amount: bigint) {
    await this.approve(wallet, this.addresses.ValidatorStaking, amount);
    return this.send(wallet, { address: this.addresses.ValidatorStaking, abi: validatorStakingAbi, functionName: "stake", args: [amount] });
  }

  unstake(wallet: Wallet, amount: bigint) {
    return this.send(wallet, { address: this.addresses.ValidatorStaking, abi: validatorStakingAbi, functionName: "unstake", args: [amount] });
  }

  withdrawStake(wallet: Wallet) {
    return this.send(wallet, { address: this.addresses.ValidatorStaking, abi: validatorStakingAbi, functionName: "withdraw", args: [] });
  }

  /** Commits `votes` (bit i approves digests[i]); returns what reveal needs. */
  async commit(wallet: Wallet, datanetId: number, digests: Hex[], votes: bigint, salt: Hex) {
    const ids = digests.map((d) => contributionId(datanetId, d));
    const idsHash = keccak256(encodePacked(ids.map(() => "bytes32"), ids));
    const sealed = await this.t.client.readContract({
      address: this.addresses.Datanets,
      abi: datanetsAbi,
      functionName: "sealVotes",
      args: [wallet.account.address, datanetId, idsHash, votes, salt],
    });
    await this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "commit", args: [datanetId, digests, sealed] });
    const commitment = await this.t.client.readContract({
      address: this.addresses.Datanets,
      abi: datanetsAbi,
      functionName: "commitmentKey",
      args: [wallet.account.address, datanetId, idsHash],
    });
    return { datanetId, digests, votes, salt, commitment };
  }

  reveal(wallet: Wallet, c: { datanetId: number; digests: Hex[]; votes: bigint; salt: Hex }) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "reveal", args: [c.datanetId, c.digests, c.votes, c.salt] });
  }

  finalize(wallet: Wallet, datanetId: number, digests: Hex[]) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "finalize", args: [datanetId, digests] });
  }

  claimValidatorRewards(wallet: Wallet, datanetId: number, digests: Hex[]) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "claimValidatorRewards", args: [datanetId, digests] });
  }

  slashUnrevealed(wallet: Wallet, commitment: Hex) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "slashUnrevealed", args: [commitment] });
  }

  claim(wallet: Wallet, to?: Address) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "claim", args: [to ?? wallet.account.address] });
  }

  setProtocolLimits(wallet: Wallet, maxFileSize: number, dailyBytes: number, dailyFiles: number, slashBps: number) {
    return this.send(wallet, { address: this.addresses.Datanets, abi: datanetsAbi, functionName: "setProtocolLimits", args: [maxFileSize, dailyBytes, dailyFiles, slashBps] });
  }

  registerModel(
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
    return this.send(wallet, {
      address: this.addresses.ModelRegistry,
      abi: modelRegistryAbi,
      functionName: "registerModel",
      args: [
        {
          baseModel: spec.baseModel,
          baseWeightsHash: h(`${spec.baseModel}-weights`),
          method: spec.method ?? 0,
          configHash: h("config"),
          artifactDigest: h(`${spec.baseModel}-artifact`),
          artifactCodec: 0,
          artifactSha256: h(`${spec.baseModel}-sha`),
          datanetIds: spec.datanetIds,
          datasetRoot: spec.datasetRoot,
          totalWeight: spec.totalWeight,
          manifestDigest: spec.manifestDigest,
          manifestCodec: spec.manifestCodec,
          parentId: spec.parentId ?? 0n,
        },
      ],
    });
  }

  async payForModel(wallet: Wallet, modelId: bigint, amount: bigint) {
    await this.approve(wallet, this.addresses.ModelRegistry, amount);
    return this.send(wallet, { address: this.addresses.ModelRegistry, abi: modelRegistryAbi, functionName: "payForModel", args: [modelId, amount] });
  }

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
