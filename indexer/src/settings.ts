// Where the indexer reads its chain, contracts and database from. One place, so that the Ponder
// config, the API and the tests agree. Environment variables override the deployment file.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEPLOYED_CONTRACT_NAMES, type DeployedContractName, type Deployment } from "@openledger/protocol";
import { deploymentFile as protocolDeploymentFile, loadDeployment } from "@openledger/protocol/node";
import { getAddress, type Address } from "viem";

export const indexerRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export type ContractName = DeployedContractName;

export interface IndexerSettings {
  chainId: number;
  rpcUrl: string;
  /** The RPC URL as Ponder is given it: several lanes to one local node (see rpcLanes). */
  rpcUrls: string[];
  wsUrl: string | undefined;
  pollingIntervalMs: number;
  disableRpcCache: boolean;
  startBlock: number;
  contracts: Record<ContractName, Address>;
  databaseUrl: string | undefined;
  pgliteDir: string;
  ipfsUrl: string | undefined;
  ipfsTimeoutMs: number;
  manifests: { pollMs: number; retryBaseMs: number; retryMaxMs: number; maxAttempts: number };
  api: ApiLimits;
}

/** Limits of the HTTP API (`src/api/`): see the README's Limits. */
export interface ApiLimits {
  /** A request running longer is answered 504. */
  timeoutMs: number;
  /** Each database statement of /graphql and /sql is cancelled after this (PostgreSQL; see the README for PGlite). */
  statementTimeoutMs: number;
  /** The cost a GraphQL operation may reach, computed before it runs (src/api/graphql-cost.ts). */
  graphqlMaxCost: number;
  /** GraphQL cost of each row an operation reads (more on PGlite, which reads them in the indexer's own thread). */
  graphqlRowCost: number;
  /** GraphQL cost of each database query an operation causes (a nested list runs one per parent row). */
  graphqlQueryCost: number;
  /** GraphQL cost of a query that reads every row its filter matches (a sort without an index, `totalCount`). */
  graphqlScanCost: number;
  /** PostgreSQL's planner estimate (EXPLAIN's total cost) a /sql statement may reach. */
  sqlMaxCost: number;
}

const CONTRACT_ENV: Record<ContractName, string> = {
  OpenToken: "OPEN_TOKEN_ADDRESS",
  ValidatorStaking: "VALIDATOR_STAKING_ADDRESS",
  Datanets: "DATANETS_ADDRESS",
  ModelRegistry: "MODEL_REGISTRY_ADDRESS",
};

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name}=${raw} is not a non-negative integer`);
  return value;
}

/** The deployment file: INDEXER_DEPLOYMENT_FILE, else protocol/deployments/<CHAIN_ID or 31337>.json. */
export function deploymentFile(env: NodeJS.ProcessEnv): string {
  if (env.INDEXER_DEPLOYMENT_FILE) return path.resolve(env.INDEXER_DEPLOYMENT_FILE);
  return protocolDeploymentFile(Number(env.CHAIN_ID ?? 31337));
}

export function loadSettings(env: NodeJS.ProcessEnv): IndexerSettings {
  const file = deploymentFile(env);
  const deployment: Partial<Deployment> = existsSync(file) ? loadDeployment({ file }) : {};
  const chainId = positiveInt(env, "CHAIN_ID", deployment.chainId ?? 31337);
  const contracts = {} as Record<ContractName, Address>;
  for (const name of DEPLOYED_CONTRACT_NAMES) {
    const raw = env[CONTRACT_ENV[name]] ?? deployment.contracts?.[name];
    if (!raw) {
      throw new Error(
        `no address for ${name}: deploy the protocol (it writes ${file}) or set ${CONTRACT_ENV[name]}`,
      );
    }
    contracts[name] = getAddress(raw);
  }
  const rpcUrl = env[`PONDER_RPC_URL_${chainId}`] ?? env.RPC_URL ?? "http://127.0.0.1:8545";
  const lanes = positiveInt(env, "INDEXER_RPC_LANES", chainId === 31337 ? 16 : 1);
  return {
    chainId,
    rpcUrl,
    rpcUrls: rpcLanes(rpcUrl, lanes),
    wsUrl: env[`PONDER_WS_URL_${chainId}`] ?? env.WS_URL ?? undefined,
    // The local stack wants a user's own submission visible within a second: poll often.
    pollingIntervalMs: positiveInt(env, "INDEXER_POLLING_INTERVAL_MS", 200),
    // Ponder's limiter starts at 20 requests/s per URL; a local node answers far more.
    disableRpcCache: (env.INDEXER_RPC_CACHE ?? (chainId === 31337 ? "off" : "on")) === "off",
    startBlock: positiveInt(env, "START_BLOCK", deployment.startBlock ?? 0),
    contracts,
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDir: path.resolve(env.PGLITE_DIR ?? path.join(indexerRoot, ".ponder", "pglite")),
    ipfsUrl: env.IPFS_URL || undefined,
    ipfsTimeoutMs: positiveInt(env, "IPFS_TIMEOUT_MS", 5000),
    manifests: {
      pollMs: positiveInt(env, "MANIFEST_POLL_MS", 250),
      retryBaseMs: positiveInt(env, "MANIFEST_RETRY_BASE_MS", 2_000),
      retryMaxMs: positiveInt(env, "MANIFEST_RETRY_MAX_MS", 300_000),
      maxAttempts: positiveInt(env, "MANIFEST_MAX_ATTEMPTS", 20),
    },
    api: apiLimits(env),
  };
}

/** Default GraphQL cost weights (see the README's Limits for how they were chosen). */
export const GRAPHQL_QUERY_COST = 100;
export const GRAPHQL_SCAN_COST = 2_000;
/**
 * A row costs 1 on PostgreSQL, which reads it in its own process, and 2 on PGlite, which reads it
 * in the indexer's thread while every other request waits: the widest accepted page then takes about
 * half as long (`npm run bench:indexer`). 2 is as far as it goes while the app's heaviest pages (1,000
 * rows, each with its singular relation) stay under the default limit.
 */
export const GRAPHQL_ROW_COST = { postgres: 1, pglite: 2 } as const;

export function apiLimits(env: NodeJS.ProcessEnv): ApiLimits {
  const timeoutMs = positiveInt(env, "API_TIMEOUT_MS", 10_000);
  return {
    timeoutMs,
    // Below the HTTP timeout, so that a cancelled statement is answered with its own reason.
    statementTimeoutMs: positiveInt(env, "API_STATEMENT_TIMEOUT_MS", Math.max(1, timeoutMs - 1_000)),
    graphqlMaxCost: positiveInt(env, "API_GRAPHQL_MAX_COST", 5_000),
    graphqlRowCost: positiveInt(env, "API_GRAPHQL_ROW_COST", env.DATABASE_URL ? GRAPHQL_ROW_COST.postgres : GRAPHQL_ROW_COST.pglite),
    graphqlQueryCost: positiveInt(env, "API_GRAPHQL_QUERY_COST", GRAPHQL_QUERY_COST),
    graphqlScanCost: positiveInt(env, "API_GRAPHQL_SCAN_COST", GRAPHQL_SCAN_COST),
    sqlMaxCost: positiveInt(env, "API_SQL_MAX_COST", 200_000),
  };
}

/**
 * Ponder limits JSON-RPC requests per URL (it starts at 20 requests/s and grows slowly; the
 * `maxRequestsPerSecond` option is not read by 0.16), which makes a backfill of one-event blocks
 * crawl against a local node that answers thousands per second. Several URLs that differ only in a
 * query parameter reach the same node through separate limiters. One lane for anything but a
 * local chain: a public provider's own limits apply there.
 */
export function rpcLanes(rpcUrl: string, lanes: number): string[] {
  if (lanes <= 1) return [rpcUrl];
  return Array.from({ length: lanes }, (_, i) => {
    const url = new URL(rpcUrl);
    url.searchParams.set("lane", String(i));
    return url.toString();
  });
}
