// What every CLI command needs: the chain client, the deployment, the IPFS client and the key.
import { existsSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { createPublicClient, createWalletClient, defineChain, getAddress, http, isAddress, isHex, publicActions, type Address, type Chain, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { createIpfsClient, OpenLedgerError, voteFileName, type IpfsClient, type ProtocolContracts, type StoredVotes, type VoteStore, type WriteClient } from "@openledger/sdk";
import { UsageError } from "./exit.ts";
import { createFileVoteStore, decryptKeystore, loadDeployment, type DeploymentFile, type Keystore } from "@openledger/sdk/node";

export interface GlobalOptions {
  rpc: string;
  ipfs: string;
  /** The indexer's URL: list commands read it first (the chain when it does not answer). */
  indexer?: string;
  deployment?: string;
  keystore?: string;
  home: string;
  json?: boolean;
  /** Read-only commands look at this account instead of the key's. */
  address?: string;
}

export const ENV = {
  rpc: "OPENLEDGER_RPC_URL",
  ipfs: "IPFS_URL",
  indexer: "OPENLEDGER_INDEXER_URL",
  deployment: "OPENLEDGER_DEPLOYMENT",
  privateKey: "OPENLEDGER_PRIVATE_KEY",
  keystore: "OPENLEDGER_KEYSTORE",
  password: "OPENLEDGER_KEYSTORE_PASSWORD",
  home: "OPENLEDGER_HOME",
} as const;

/** Without a URL, the local stack's services, on the ports `npm start` takes from the same variables. */
export const DEFAULTS = {
  rpc: process.env[ENV.rpc] ?? `http://127.0.0.1:${process.env.CHAIN_PORT ?? 8545}`,
  ipfs: process.env[ENV.ipfs] ?? `http://127.0.0.1:${process.env.IPFS_PORT ?? 5001}`,
  indexer: process.env[ENV.indexer],
  home: process.env[ENV.home] ?? path.join(os.homedir(), ".openledger"),
};

export interface Context {
  options: GlobalOptions;
  chain: Chain;
  client: ReturnType<typeof createPublicClient>;
  deployment: DeploymentFile;
  contracts: ProtocolContracts;
  ipfs: IpfsClient;
  /** The signing client; asks for the key only when a command needs it. */
  wallet(): Promise<WriteClient & ReturnType<typeof publicActions>>;
  /** The account of the configured key, without unlocking a keystore when an address is enough. */
  address(): Promise<Address>;
  /** The vote secrets, in `<home>/votes/<chainId>/<commitment>.json`. */
  votes: VoteStore;
  /** The file a commitment's votes are kept in. */
  voteFile(votes: Pick<StoredVotes, "chainId" | "commitment">): string;
}

async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    throw new OpenLedgerError(`no terminal to ask for the keystore password; set ${ENV.password}`, { docsPath: "sdk/README.md#keys" });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const output = rl as unknown as { _writeToOutput: (s: string) => void };
  process.stderr.write(question);
  output._writeToOutput = () => {};
  const answer = await new Promise<string>((resolve) => rl.question("", resolve));
  rl.close();
  process.stderr.write("\n");
  return answer;
}

const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

export async function loadKey(options: GlobalOptions): Promise<Hex> {
  const fromEnv = process.env[ENV.privateKey];
  const keystorePath = options.keystore ?? process.env[ENV.keystore];
  if (keystorePath) {
    if (!existsSync(keystorePath)) throw new OpenLedgerError(`no keystore file at ${keystorePath}`);
    const keystore = JSON.parse(readFileSync(keystorePath, "utf8")) as Keystore;
    const password = process.env[ENV.password] ?? (await promptHidden(`Password for ${path.basename(keystorePath)}: `));
    return decryptKeystore(keystore, password).privateKey;
  }
  if (fromEnv) {
    const key = fromEnv.startsWith("0x") ? fromEnv : `0x${fromEnv}`;
    if (!isHex(key) || key.length !== 66) throw new UsageError(`${ENV.privateKey} must be 0x and 64 hex digits (a 32-byte private key); got ${key.length - 2} characters`);
    if (/^0x0+$/.test(key) || BigInt(key) >= SECP256K1_ORDER) throw new UsageError(`${ENV.privateKey} is not a usable private key: it must be between 1 and the secp256k1 group order`);
    return key;
  }
  throw new OpenLedgerError("this command signs transactions, and no key is configured", {
    details: `Set ${ENV.privateKey}, or pass --keystore FILE (create one with \`openledger account new\`).`,
    docsPath: "sdk/README.md#keys",
  });
}

function addressOption(text: string): Address {
  if (!isAddress(text, { strict: false })) throw new UsageError(`--address must be an address (0x and 40 hex digits), got "${text}"`);
  return getAddress(text);
}

export async function createContext(options: GlobalOptions): Promise<Context> {
  const probe = createPublicClient({ transport: http(options.rpc, { retryCount: 0 }) });
  let chainId: number;
  try {
    chainId = await probe.getChainId();
  } catch (error) {
    throw new OpenLedgerError(`cannot reach the chain at ${options.rpc}`, {
      details: "Start the local stack with `npm start`, or pass --rpc URL (env OPENLEDGER_RPC_URL).",
      cause: error,
    });
  }
  const chain = defineChain({
    id: chainId,
    name: chainId === 31337 ? "OpenLedger local" : `chain ${chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [options.rpc] } },
  });
  const deployment = loadDeployment(options.deployment ? { file: options.deployment } : { chainId });
  if (deployment.chainId !== chainId) {
    throw new OpenLedgerError(`the deployment file is for chain ${deployment.chainId} but ${options.rpc} is chain ${chainId}`);
  }
  const client = createPublicClient({ chain, transport: http(options.rpc) });
  let signer: (WriteClient & ReturnType<typeof publicActions>) | undefined;
  const wallet = async () => {
    if (!signer) {
      const account = privateKeyToAccount(await loadKey(options));
      signer = createWalletClient({ account, chain, transport: http(options.rpc) }).extend(publicActions) as unknown as WriteClient &
        ReturnType<typeof publicActions>;
    }
    return signer;
  };
  return {
    options,
    chain,
    client,
    deployment,
    contracts: deployment.contracts,
    ipfs: createIpfsClient(options.ipfs),
    votes: createFileVoteStore(path.join(options.home, "votes")),
    voteFile: (votes) => path.join(options.home, "votes", String(votes.chainId), voteFileName(votes)),
    wallet,
    address: async () => (options.address ? addressOption(options.address) : (await wallet()).account.address),
  };
}
