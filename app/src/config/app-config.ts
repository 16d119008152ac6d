// What the app learns from its server at start (`GET /config.json`): the chain, the deployment and
// where the services are. The browser never guesses a port; every URL here comes from the server,
// which reads them from its environment (see server/settings.ts).
import { isAddress, type Address } from "viem";

export interface ServiceUrls {
  /** JSON-RPC, as the browser reaches it (same origin, through the app server). */
  rpc: string;
  /** The indexer's base URL (GraphQL at `<indexer>/graphql`). */
  indexer: string;
  /** The IPFS node's base URL (Kubo RPC at `<ipfs>/api/v0`). */
  ipfs: string;
  /** The trainer node's base URL (`<trainer>/v1`). */
  trainer: string;
}

export interface AppConfig {
  chainId: number;
  chainName: string;
  /** The services, as the browser calls them. */
  services: ServiceUrls;
  /** The chain's own RPC URL, for a wallet's "add network" (a wallet calls it directly). */
  walletRpcUrl: string;
  contracts: { OpenToken: Address; ValidatorStaking: Address; Datanets: Address; ModelRegistry: Address };
  /** The timelock every parameter change goes through, and its delay (seconds); absent for an older deployment. */
  governance?: { timelock: Address; delay: number; proposers: Address[] };
  /** First block of the deployment (event scans start here). */
  startBlock: number;
  /** Whether the development-account connector is offered (only on chain 31337). */
  devAccounts: boolean;
}

export const LOCAL_CHAIN_ID = 31337;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Checks the server's answer, field by field, so that a misconfigured server is named at start. */
export function parseAppConfig(value: unknown): AppConfig {
  const v = value as Partial<AppConfig> | null;
  if (!v || typeof v !== "object") throw new ConfigError("the app's /config.json is not a JSON object");
  if (!Number.isSafeInteger(v.chainId) || (v.chainId ?? 0) <= 0) throw new ConfigError(`chainId must be a positive integer, got ${String(v.chainId)}`);
  const services = v.services as Partial<ServiceUrls> | undefined;
  for (const key of ["rpc", "indexer", "ipfs", "trainer"] as const) {
    if (typeof services?.[key] !== "string" || services[key] === "") throw new ConfigError(`services.${key} must be a URL, got ${String(services?.[key])}`);
  }
  const contracts = v.contracts as Record<string, unknown> | undefined;
  for (const key of ["OpenToken", "ValidatorStaking", "Datanets", "ModelRegistry"] as const) {
    const address = contracts?.[key];
    if (typeof address !== "string" || !isAddress(address)) throw new ConfigError(`contracts.${key} must be an address, got ${String(address)}`);
  }
  return {
    chainId: v.chainId!,
    chainName: typeof v.chainName === "string" && v.chainName ? v.chainName : `chain ${v.chainId}`,
    services: services as ServiceUrls,
    walletRpcUrl: typeof v.walletRpcUrl === "string" ? v.walletRpcUrl : (services as ServiceUrls).rpc,
    contracts: v.contracts as AppConfig["contracts"],
    startBlock: Number.isSafeInteger(v.startBlock) ? v.startBlock! : 0,
    devAccounts: v.devAccounts === true && v.chainId === LOCAL_CHAIN_ID,
    ...(governanceIn(v.governance) ? { governance: v.governance } : {}),
  };
}

/** Whether the server gave the governance timelock (an older deployment has none: the app then shows no scheduled changes). */
function governanceIn(value: unknown): value is NonNullable<AppConfig["governance"]> {
  const g = value as Partial<NonNullable<AppConfig["governance"]>> | undefined;
  return !!g && typeof g.timelock === "string" && isAddress(g.timelock) && Number.isSafeInteger(g.delay) && Array.isArray(g.proposers);
}

/** Resolves a service URL given as a path ("/indexer") against the page's origin. */
export function absoluteUrl(url: string, origin: string): string {
  return new URL(url, origin).toString().replace(/\/$/, "");
}
