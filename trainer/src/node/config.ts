// The node's configuration: options passed to startTrainerNode, else environment variables.
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import type { AcceptedContribution } from "../dataset/indexer.ts";

export interface TrainerNodeOptions {
  /** Folder for jobs and the adapter cache. Env TRAINER_DATA_DIR; default ~/.openledger/trainer. */
  dataDir?: string;
  /** Port on 127.0.0.1 (0 picks a free one). Env TRAINER_PORT; default 8790. */
  port?: number;
  /** Chain JSON-RPC URL. Env TRAINER_RPC_URL or RPC_URL. */
  rpcUrl?: string;
  /** Deployment file (protocol/deployments/<chainId>.json). Env TRAINER_DEPLOYMENT; default from the chain id. */
  deploymentFile?: string;
  /** Kubo RPC URL of an IPFS node (the embedded one, or Kubo). Env TRAINER_IPFS_URL or IPFS_URL. */
  ipfsUrl?: string;
  /** Indexer base URL (GraphQL at /graphql). Env TRAINER_INDEXER_URL or INDEXER_URL; without it the chain's events are read. */
  indexerUrl?: string;
  /** Private key of an account with TRAINER_ROLE. Env TRAINER_PRIVATE_KEY. Never printed. */
  trainerKey?: Hex;
  /** Default base model folder. Env TRAINER_BASE_MODEL; default the engine's shipped model. */
  baseModelDir?: string;
  /** Engine module (tests may point at another). Env TRAINER_ENGINE_MODULE. */
  engineModule?: string;
  /** Adapters kept loaded in memory. Env TRAINER_ADAPTER_CACHE; default 8. */
  adapterCacheSize?: number;
  /** Where accepted contributions come from when embedding the node (default: the indexer, else the chain's events). */
  contributionSource?: (datanetId: number, upToBlock: number) => Promise<AcceptedContribution[]>;
  /** Browser origins allowed besides loopback ones. Env TRAINER_CORS_ORIGINS (comma-separated). */
  allowedOrigins?: string[];
  /** Milliseconds a cancelled training process has to stop before it is killed; default 15000. */
  cancelGraceMs?: number;
  /**
   * The operator token that job creation, cancellation and retry need. Env TRAINER_TOKEN; default the
   * token in <dataDir>/operator-token, generated (mode 0600) at the first start.
   */
  operatorToken?: string;
  /** Jobs that may wait behind the running one; more are refused (429). Env TRAINER_MAX_QUEUED_JOBS; default 8. */
  maxQueuedJobs?: number;
}

export const DEFAULT_PORT = 8790;
export const DEFAULT_MAX_QUEUED_JOBS = 8;

function env(...names: string[]): string | undefined {
  for (const n of names) {
    const v = process.env[n];
    if (v !== undefined && v !== "") return v;
  }
  return undefined;
}

/** The data folder when none is given: TRAINER_DATA_DIR, else ~/.openledger/trainer. */
export function defaultDataDir(): string {
  return path.resolve(env("TRAINER_DATA_DIR") ?? path.join(os.homedir(), ".openledger", "trainer"));
}

export function resolveOptions(options: TrainerNodeOptions): Required<Pick<TrainerNodeOptions, "dataDir" | "port" | "adapterCacheSize" | "maxQueuedJobs">> & TrainerNodeOptions {
  const portText = env("TRAINER_PORT");
  const queueText = env("TRAINER_MAX_QUEUED_JOBS");
  const key = options.trainerKey ?? env("TRAINER_PRIVATE_KEY");
  if (key !== undefined && !/^0x[0-9a-fA-F]{64}$/.test(key)) throw new Error("TRAINER_PRIVATE_KEY must be a 0x-prefixed 32-byte hex key");
  const resolved = {
    ...options,
    dataDir: options.dataDir === undefined ? defaultDataDir() : path.resolve(options.dataDir),
    port: options.port ?? (portText === undefined ? DEFAULT_PORT : Number(portText)),
    adapterCacheSize: options.adapterCacheSize ?? Number(env("TRAINER_ADAPTER_CACHE") ?? 8),
    maxQueuedJobs: options.maxQueuedJobs ?? (queueText === undefined ? DEFAULT_MAX_QUEUED_JOBS : Number(queueText)),
  };
  const set = <K extends keyof TrainerNodeOptions>(k: K, v: TrainerNodeOptions[K] | undefined) => { if (v !== undefined) resolved[k] = v as never; };
  set("rpcUrl", options.rpcUrl ?? env("TRAINER_RPC_URL", "RPC_URL"));
  set("deploymentFile", options.deploymentFile ?? env("TRAINER_DEPLOYMENT"));
  set("ipfsUrl", options.ipfsUrl ?? env("TRAINER_IPFS_URL", "IPFS_URL"));
  set("indexerUrl", options.indexerUrl ?? env("TRAINER_INDEXER_URL", "INDEXER_URL"));
  set("trainerKey", key as Hex | undefined);
  set("baseModelDir", options.baseModelDir ?? env("TRAINER_BASE_MODEL"));
  set("engineModule", options.engineModule ?? env("TRAINER_ENGINE_MODULE"));
  set("operatorToken", options.operatorToken ?? env("TRAINER_TOKEN"));
  if (resolved.operatorToken !== undefined && !/^\S{16,}$/.test(resolved.operatorToken)) throw new Error("TRAINER_TOKEN must be at least 16 characters without spaces");
  if (!Number.isInteger(resolved.maxQueuedJobs) || resolved.maxQueuedJobs < 1) throw new Error(`TRAINER_MAX_QUEUED_JOBS must be a whole number of at least 1, got ${queueText ?? resolved.maxQueuedJobs}`);
  const origins = env("TRAINER_CORS_ORIGINS");
  set("allowedOrigins", options.allowedOrigins ?? (origins ? origins.split(",").map((o) => o.trim()).filter(Boolean) : undefined));
  if (!Number.isInteger(resolved.port) || resolved.port < 0 || resolved.port > 65535) throw new Error(`TRAINER_PORT must be a port number, got ${portText}`);
  return resolved;
}
