// GET /config.json: the chain (asked live, so a restarted chain is seen), the deployment file of
// that chain, and the services under the paths this server proxies.
import { existsSync } from "node:fs";
import { governanceOf } from "@openledger/protocol";
import { deploymentFile, loadDeployment } from "@openledger/protocol/node";
import type { AppConfig } from "../src/config/app-config.ts";
import { PROXY_PATHS } from "./proxy.ts";
import type { AppServerSettings } from "./settings.ts";

async function chainIdOf(rpc: string): Promise<number | undefined> {
  try {
    const res = await fetch(rpc, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(1_500),
    });
    const body = (await res.json()) as { result?: string };
    return body.result ? Number(BigInt(body.result)) : undefined;
  } catch {
    return undefined;
  }
}

export class DeploymentMissingError extends Error {
  override name = "DeploymentMissingError";
}

/** The chain id, asked at most every 2 s (a page load should not wait on the chain twice). */
const probes = new Map<string, { at: number; id: Promise<number | undefined> }>();
function cachedChainId(rpc: string): Promise<number | undefined> {
  const hit = probes.get(rpc);
  if (hit && Date.now() - hit.at < 2_000) return hit.id;
  const id = chainIdOf(rpc);
  probes.set(rpc, { at: Date.now(), id });
  return id;
}

export async function clientConfig(settings: AppServerSettings): Promise<AppConfig & { chainReachable: boolean }> {
  const live = await cachedChainId(settings.upstream.rpc);
  const chainId = live ?? settings.fallbackChainId;
  const file = settings.deploymentFile ?? deploymentFile(chainId);
  if (!existsSync(file)) {
    throw new DeploymentMissingError(`no deployment file for chain ${chainId} at ${file}: deploy the protocol (npm start does) or set OPENLEDGER_DEPLOYMENT`);
  }
  const deployment = loadDeployment({ file });
  if (live !== undefined && deployment.chainId !== live) {
    throw new DeploymentMissingError(`the deployment file ${file} is for chain ${deployment.chainId} but the RPC serves chain ${live}`);
  }
  return {
    chainId,
    chainName: chainId === 31337 ? "OpenLedger local" : `chain ${chainId}`,
    services: { rpc: PROXY_PATHS.rpc, indexer: PROXY_PATHS.indexer, ipfs: PROXY_PATHS.ipfs, trainer: PROXY_PATHS.trainer },
    walletRpcUrl: settings.upstream.rpc,
    contracts: deployment.contracts,
    ...(deployment.governance ? { governance: governanceOf(deployment) } : {}),
    startBlock: deployment.startBlock ?? 0,
    devAccounts: chainId === 31337,
    chainReachable: live !== undefined,
  };
}
