// A deployment of the protocol: the chain, the block it starts at, the parameters it was deployed
// with and the contracts' addresses. `npm run deploy` and `npm start` write one per chain to
// `protocol/deployments/<chainId>.json`; every package reads it through `parseDeployment` (from
// JSON anywhere, including a browser) or `loadDeployment` (from disk, `@openledger/protocol/node`).
import { getAddress, isAddress, type Address } from "viem";
import { DEPLOYED_CONTRACT_NAMES, type DeployedContractName } from "./contracts.ts";

/** The addresses of a deployment's contracts. */
export type ProtocolContracts = Record<DeployedContractName, Address>;

export interface Deployment {
  chainId: number;
  /** The block of the first deployment transaction: indexers start there. */
  startBlock: number;
  contracts: ProtocolContracts;
  deployer?: Address;
  treasury?: Address;
  /** The deployment parameters, as decimal strings or numbers. */
  parameters?: Record<string, string | number>;
  /** Later versions may add fields; readers ignore what they do not know. */
  [key: string]: unknown;
}

export class DeploymentError extends Error {
  override name = "DeploymentError";
}

/** Checks the shape of a deployment document and normalises its addresses; `where` names it in errors. */
export function parseDeployment(data: unknown, where = "the deployment"): Deployment {
  if (!data || typeof data !== "object") throw new DeploymentError(`${where} is not a JSON object`);
  const d = data as Partial<Deployment>;
  if (!Number.isSafeInteger(d.chainId) || (d.chainId ?? 0) <= 0) throw new DeploymentError(`${where} has no valid chainId`);
  if (!Number.isSafeInteger(d.startBlock) || (d.startBlock ?? -1) < 0) throw new DeploymentError(`${where} has no valid startBlock`);
  const contracts = {} as ProtocolContracts;
  for (const name of DEPLOYED_CONTRACT_NAMES) {
    const address = d.contracts?.[name];
    if (typeof address !== "string" || !isAddress(address, { strict: false })) {
      throw new DeploymentError(`${where} has no valid ${name} address`);
    }
    contracts[name] = getAddress(address);
  }
  return { ...d, chainId: d.chainId!, startBlock: d.startBlock!, contracts } as Deployment;
}
