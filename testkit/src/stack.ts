// A real local stack for the SDK and CLI tests (and any test that needs a chain and IPFS): a Hardhat node on a free loopback port with the
// protocol deployed and OPEN handed out, and the embedded IPFS node on a temporary folder.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createWalletClient, decodeFunctionData, http, parseEther, publicActions, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { startIpfsNode, type RunningIpfsNode } from "@openledger/ipfs-node";
import { datanetsAbi, type ProtocolContracts } from "@openledger/protocol";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, distributeOpen, publicClientFor, type Deployment } from "@openledger/protocol/deploy";
import { createDatanet, createIpfsClient, fundDatanet, Modality, MODALITY_FORMATS, type IpfsClient } from "@openledger/sdk";
import { startChain, type LocalChain } from "@openledger/stack";

export const OPEN_EACH = parseEther("100000");

/** The Datanets calls a transaction's input makes, a `multicall` unwrapped into its calls. */
export function datanetsCallsOf(input: Hex) {
  const outer = decodeFunctionData({ abi: datanetsAbi, data: input });
  return outer.functionName === "multicall" ? outer.args[0].map((data) => decodeFunctionData({ abi: datanetsAbi, data })) : [outer];
}

export interface TestStack {
  chain: LocalChain;
  ipfsNode: RunningIpfsNode;
  ipfs: IpfsClient;
  deployment: Deployment;
  contracts: ProtocolContracts;
  /** A deployment file for the CLI. */
  deploymentFile: string;
  dir: string;
  client: ReturnType<typeof publicClientFor>;
  wallet(index: number): ReturnType<typeof makeWallet>;
  key(index: number): Hex;
  /** Advances the chain's clock and mines a block. */
  advance(seconds: number): Promise<void>;
  /** Sets the next block's timestamp and mines it. */
  setTime(timestamp: number): Promise<void>;
  now(): Promise<number>;
  /**
   * A text Datanet (every text format, 10 OPEN reward, 3 OPEN validator reward, 600 s windows) with
   * its metadata on IPFS, created by wallet `owner` (default 1) and funded with `fund` if given.
   */
  textDatanet(options: { name: string; deposit?: bigint; fund?: bigint; owner?: number }): Promise<number>;
  stop(): Promise<void>;
}

function makeWallet(rpcUrl: string, key: Hex) {
  return createWalletClient({ account: privateKeyToAccount(key), chain: hardhat, transport: http(rpcUrl) }).extend(publicActions);
}

export async function startTestStack(): Promise<TestStack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "openledger-sdk-"));
  const chain = await startChain({ decodeContracts: false });
  const ipfsNode = await startIpfsNode({ dataDir: path.join(dir, "ipfs") });
  const client = publicClientFor(chain.rpcUrl);
  const deployer = devWallet(chain.rpcUrl, 0);
  const accounts = DEV_PRIVATE_KEYS.map((k) => privateKeyToAccount(k).address);
  const deployment = await deployProtocol({ wallet: deployer, client, write: false, trainers: accounts.slice(0, 4) });
  await distributeOpen(deployer, client, deployment.contracts.OpenToken, accounts.slice(1), OPEN_EACH);
  const deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment, null, 2));
  const rpc = (method: string, params: unknown[]) => client.request({ method: method as never, params: params as never });
  return {
    chain,
    ipfsNode,
    ipfs: createIpfsClient(ipfsNode.url),
    deployment,
    contracts: deployment.contracts,
    deploymentFile,
    dir,
    client,
    wallet: (index) => makeWallet(chain.rpcUrl, DEV_PRIVATE_KEYS[index]!),
    key: (index) => DEV_PRIVATE_KEYS[index]!,
    async advance(seconds) {
      await rpc("evm_increaseTime", [seconds]);
      await rpc("evm_mine", []);
    },
    async setTime(timestamp) {
      await rpc("evm_setNextBlockTimestamp", [timestamp]);
      await rpc("evm_mine", []);
    },
    async now() {
      return Number((await client.getBlock()).timestamp);
    },
    async textDatanet({ name, deposit = 0n, fund, owner = 1 }) {
      const wallet = makeWallet(chain.rpcUrl, DEV_PRIVATE_KEYS[owner]!);
      const contracts = deployment.contracts;
      const metadata = await createIpfsClient(ipfsNode.url).add(new TextEncoder().encode(JSON.stringify({ name })));
      const created = await createDatanet(wallet, {
        contracts,
        modality: Modality.Text,
        formats: MODALITY_FORMATS[Modality.Text],
        metadata,
        limits: { reward: parseEther("10"), validatorReward: parseEther("3"), deposit },
        rules: { commitWindow: 600, revealWindow: 600 },
      });
      const datanetId = created.result.datanetId;
      if (fund) await fundDatanet(wallet, { contracts, datanetId, amount: fund });
      return datanetId;
    },
    async stop() {
      await ipfsNode.stop();
      await chain.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
