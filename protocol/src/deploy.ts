// Deploys and wires the protocol from the compiled artifacts (`npm run build`), then writes the
// addresses to protocol/deployments/<chainId>.json, the one place other packages read them from.
//
// Used by the local stack, the test kit and the gas benchmark; run it alone against any node with
// `npm run deploy -- --rpc http://127.0.0.1:8545`.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createPublicClient,
  createWalletClient,
  getAddress,
  http,
  parseEther,
  toHex,
  type Account,
  type Address,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { DeployedContractName as ContractName } from "./contracts.ts";
import type { Deployment as DeploymentDocument } from "./deployment.ts";
import { modelRegistryAbi, openTokenAbi, validatorStakingAbi } from "./generated/abis.ts";
import { writeDeployment } from "./node.ts";

/** The compiled contracts (Hardhat's artifacts of the development or production profile). */
export const ARTIFACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts");

interface Artifact {
  abi: readonly unknown[];
  bytecode: Hex;
}

/** The ABI and creation bytecode of a deployed contract, from `ARTIFACTS_DIR`. */
export function readArtifact(name: ContractName, dir = ARTIFACTS_DIR): Artifact {
  const file = path.join(dir, "contracts", `${name}.sol`, `${name}.json`);
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Artifact;
  } catch {
    throw new Error(`No build artifact for ${name} at ${file}: run \`npm run build\` first.`);
  }
}

/** The parameters of a deployment. Every duration is in seconds, every amount in OPEN wei. */
export interface DeployParameters {
  /** Eligible stake a validator needs to vote. */
  minimumStake: bigint;
  /** How long new stake waits before it votes; at least `maxCommitWindow` (no flash stake). */
  activationDelay: bigint;
  /** From unstake to withdraw; longer than `maxCommitWindow + maxRevealWindow` (no escaping a slash). */
  unbondingPeriod: bigint;
  /** Longest commit window a Datanet may choose. */
  maxCommitWindow: number;
  /** Longest reveal window a Datanet may choose. */
  maxRevealWindow: number;
  /** Trainer's share of each model fee, basis points. */
  trainerBps: number;
  /** Protocol's (treasury's) share of each model fee, basis points; contributors get the rest. */
  protocolBps: number;
}

/**
 * Short periods for the local stack and tests: a Datanet can review in minutes and a
 * validator's stake votes after an hour (the dev chain's time can be advanced).
 */
export const DEVELOPMENT_PARAMETERS: DeployParameters = {
  minimumStake: parseEther("1000"),
  activationDelay: 3_600n,
  unbondingPeriod: 3n * 3_600n,
  maxCommitWindow: 3_600,
  maxRevealWindow: 3_600,
  trainerBps: 7_000,
  protocolBps: 1_000,
};

/** Periods for a public network: week-long windows at most, three weeks of unbonding. */
export const PRODUCTION_PARAMETERS: DeployParameters = {
  minimumStake: parseEther("10000"),
  activationDelay: 7n * 86_400n,
  unbondingPeriod: 21n * 86_400n,
  maxCommitWindow: 7 * 86_400,
  maxRevealWindow: 7 * 86_400,
  trainerBps: 7_000,
  protocolBps: 1_000,
};

/** What a deployment by this module records (the document every package reads, with its parameters). */
export interface Deployment extends DeploymentDocument {
  deployer: Address;
  treasury: Address;
  parameters: Record<keyof DeployParameters, string | number>;
}

type Wallet = WalletClient<Transport, Chain | undefined, Account>;

export interface DeployOptions {
  wallet: Wallet;
  client: PublicClient;
  parameters?: DeployParameters;
  /** Receives slashed stake and the protocol's fee share; defaults to the deployer. */
  treasury?: Address;
  /** Accounts granted TRAINER_ROLE on the model registry. */
  trainers?: Address[];
  /** Write protocol/deployments/<chainId>.json (default true). */
  write?: boolean;
}

async function deployContract(
  wallet: Wallet,
  client: PublicClient,
  name: ContractName,
  args: unknown[],
): Promise<{ address: Address; block: bigint }> {
  const artifact = readArtifact(name);
  const hash = await wallet.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args,
    chain: wallet.chain,
    account: wallet.account,
  });
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success" || !receipt.contractAddress) {
    throw new Error(`deploying ${name} failed in transaction ${hash}`);
  }
  return { address: getAddress(receipt.contractAddress), block: receipt.blockNumber };
}

async function send(client: PublicClient, hash: Hex, what: string): Promise<void> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${what} failed in transaction ${hash}`);
}

/** Deploys OPEN, ValidatorStaking, Datanets and ModelRegistry, and grants the roles that wire them. */
export async function deployProtocol(options: DeployOptions): Promise<Deployment> {
  const { wallet, client } = options;
  const p = options.parameters ?? DEVELOPMENT_PARAMETERS;
  const deployer = wallet.account.address;
  const treasury = options.treasury ?? deployer;
  const chainId = await client.getChainId();

  const token = await deployContract(wallet, client, "OpenToken", [deployer]);
  const staking = await deployContract(wallet, client, "ValidatorStaking", [
    token.address,
    deployer,
    treasury,
    p.minimumStake,
    p.activationDelay,
    p.unbondingPeriod,
  ]);
  const datanets = await deployContract(wallet, client, "Datanets", [
    token.address,
    staking.address,
    deployer,
    p.maxCommitWindow,
    p.maxRevealWindow,
  ]);
  const registry = await deployContract(wallet, client, "ModelRegistry", [
    token.address,
    datanets.address,
    deployer,
    treasury,
    p.trainerBps,
    p.protocolBps,
  ]);

  // Once bound, no other contract (and no role) can hold or slash a validator's stake.
  await send(
    client,
    await wallet.writeContract({
      address: staking.address,
      abi: validatorStakingAbi,
      functionName: "bindDatanets",
      args: [datanets.address],
      chain: wallet.chain,
      account: wallet.account,
    }),
    "binding the staking contract to Datanets",
  );
  const trainerRole = await client.readContract({ address: registry.address, abi: modelRegistryAbi, functionName: "TRAINER_ROLE" });
  for (const trainer of options.trainers ?? [deployer]) {
    await send(
      client,
      await wallet.writeContract({
        address: registry.address,
        abi: modelRegistryAbi,
        functionName: "grantRole",
        args: [trainerRole, trainer],
        chain: wallet.chain,
        account: wallet.account,
      }),
      "granting TRAINER_ROLE",
    );
  }

  const deployment: Deployment = {
    chainId,
    deployer,
    treasury,
    startBlock: Number(token.block),
    parameters: {
      minimumStake: p.minimumStake.toString(),
      activationDelay: p.activationDelay.toString(),
      unbondingPeriod: p.unbondingPeriod.toString(),
      maxCommitWindow: p.maxCommitWindow,
      maxRevealWindow: p.maxRevealWindow,
      trainerBps: p.trainerBps,
      protocolBps: p.protocolBps,
    },
    contracts: {
      OpenToken: token.address,
      ValidatorStaking: staking.address,
      Datanets: datanets.address,
      ModelRegistry: registry.address,
    },
  };
  if (options.write ?? true) writeDeployment(deployment);
  return deployment;
}

/** Sends `amount` OPEN from the deployer to each account. */
export async function distributeOpen(
  wallet: Wallet,
  client: PublicClient,
  token: Address,
  accounts: Address[],
  amount: bigint,
): Promise<void> {
  for (const to of accounts) {
    await send(
      client,
      await wallet.writeContract({
        address: token,
        abi: openTokenAbi,
        functionName: "transfer",
        args: [to, amount],
        chain: wallet.chain,
        account: wallet.account,
      }),
      `sending OPEN to ${to}`,
    );
  }
}

/** The mnemonic of a Hardhat node's funded development accounts. Public: never use it elsewhere. */
export const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** The private keys of the first development accounts, derived from the mnemonic (m/44'/60'/0'/0/i). */
export const DEV_PRIVATE_KEYS: Hex[] = Array.from({ length: 10 }, (_, i) => {
  const key = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }).getHdKey().privateKey;
  if (!key) throw new Error("could not derive a development key");
  return toHex(key);
});

export function devWallet(rpcUrl: string, index = 0) {
  return createWalletClient({
    account: privateKeyToAccount(DEV_PRIVATE_KEYS[index]!),
    chain: hardhat,
    transport: http(rpcUrl),
  });
}

export function publicClientFor(rpcUrl: string): PublicClient {
  return createPublicClient({ chain: hardhat, transport: http(rpcUrl) }) as PublicClient;
}
