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
  zeroAddress,
  zeroHash,
} from "viem";
import { mnemonicToAccount, privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import type { DeployedContractName as ContractName } from "./contracts.ts";
import type { Deployment as DeploymentDocument } from "./deployment.ts";
import { datanetsAbi, modelRegistryAbi, openTokenAbi, protocolTimelockAbi, validatorStakingAbi } from "./generated/abis.ts";
import { DEFAULT_ADMIN_ROLE, GOVERNED_CONTRACTS, type Governance } from "./governance.ts";
import { writeDeployment } from "./node.ts";

/** The compiled contracts (Hardhat's artifacts of the development or production profile). */
export const ARTIFACTS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "artifacts");

interface Artifact {
  abi: readonly unknown[];
  bytecode: Hex;
}

/** The ABI and creation bytecode of a deployed contract, from `ARTIFACTS_DIR`. */
export function readArtifact(name: ContractName | "governance/ProtocolTimelock", dir = ARTIFACTS_DIR): Artifact {
  const file = path.join(dir, "contracts", `${name}.sol`, `${path.basename(name)}.json`);
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
  /** OPEN a trainer puts up with each model; whoever proves a leaf of it wrong takes it. */
  modelBond: bigint;
  /** Seconds a new model can be challenged; its payments open when the window closes (60 s to 30 days). */
  challengeWindow: number;
  /** Seconds between scheduling a governance change on the timelock and the earliest time it runs. */
  governanceDelay: number;
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
  modelBond: parseEther("10"),
  challengeWindow: 60,
  governanceDelay: 60,
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
  modelBond: parseEther("1000"),
  challengeWindow: 3 * 86_400,
  governanceDelay: 2 * 86_400,
};

/** What a deployment by this module records (the document every package reads, with its parameters). */
export interface Deployment extends DeploymentDocument {
  deployer: Address;
  treasury: Address;
  governance: Governance;
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
  /** May schedule (and cancel) governance changes on the timelock; defaults to the deployer. */
  proposers?: Address[];
  /** Write protocol/deployments/<chainId>.json (default true). */
  write?: boolean;
}

async function deployContract(
  wallet: Wallet,
  client: PublicClient,
  name: ContractName | "governance/ProtocolTimelock",
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
    p.modelBond,
    p.challengeWindow,
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

  // Governance: a timelock becomes the only admin of every contract, and the deployer renounces
  // admin everywhere, so that no account can change a parameter or grant a role without the delay.
  // The deployer keeps PAUSER_ROLE: the emergency brake stays fast (pausing traps no one's funds).
  const proposers = options.proposers ?? [deployer];
  const timelock = await deployContract(wallet, client, "governance/ProtocolTimelock", [BigInt(p.governanceDelay), proposers, [zeroAddress]]);
  const governed = { ValidatorStaking: { address: staking.address, abi: validatorStakingAbi }, Datanets: { address: datanets.address, abi: datanetsAbi }, ModelRegistry: { address: registry.address, abi: modelRegistryAbi } };
  for (const name of GOVERNED_CONTRACTS) {
    const { address, abi } = governed[name];
    const write = (functionName: "grantRole" | "renounceRole", account: Address) =>
      wallet.writeContract({ address, abi: abi as typeof modelRegistryAbi, functionName, args: [DEFAULT_ADMIN_ROLE, account], chain: wallet.chain, account: wallet.account });
    await send(client, await write("grantRole", timelock.address), `handing ${name} to the timelock`);
    await send(client, await write("renounceRole", deployer), `renouncing the deployer's admin of ${name}`);
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
      modelBond: p.modelBond.toString(),
      challengeWindow: p.challengeWindow,
      governanceDelay: p.governanceDelay,
    },
    governance: { timelock: timelock.address, delay: p.governanceDelay, proposers: proposers.map((a) => getAddress(a)) },
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

/**
 * Runs a governance call on a development chain at once: schedules it on the timelock with the
 * deployer's key (a proposer), moves the dev chain's clock past the delay and executes it. For tests,
 * benchmarks and the local stack; on a public network the delay is real: schedule with
 * `openledger governance schedule`, wait, then `openledger governance execute`.
 */
export async function governDev(wallet: Wallet, client: PublicClient, governance: Governance, call: { target: Address; data: Hex }): Promise<void> {
  const { timelock, delay } = governance;
  const salt = toHex(crypto.getRandomValues(new Uint8Array(32)));
  const args = [call.target, 0n, call.data, zeroHash, salt] as const;
  const write = (functionName: "schedule" | "execute") =>
    wallet.writeContract({
      address: timelock,
      abi: protocolTimelockAbi,
      functionName,
      ...(functionName === "schedule" ? { args: [...args, BigInt(delay)] as const } : { args }),
      chain: wallet.chain,
      account: wallet.account,
    } as never) as Promise<Hex>;
  await send(client, await write("schedule"), "scheduling a governance call");
  await client.request({ method: "evm_increaseTime" as never, params: [delay] as never });
  await client.request({ method: "evm_mine" as never, params: [] as never });
  await send(client, await write("execute"), "executing a governance call");
}
