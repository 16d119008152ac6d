// Governance behind a timelock: the facts every package shares. `deployProtocol` deploys
// ProtocolTimelock, makes it the only holder of DEFAULT_ADMIN_ROLE on the governed contracts and
// renounces the deployer's admin; the deployment document records the timelock, its delay and who
// may propose. A parameter change is a call the timelock runs: scheduled (public, `CallScheduled`),
// ready `delay` seconds later, then executed by anyone.
import { encodeAbiParameters, getAddress, isAddress, keccak256, zeroHash, type Address, type Hex } from "viem";
import type { Deployment } from "./deployment.ts";

/** AccessControl's admin role, held by the timelock alone. */
export const DEFAULT_ADMIN_ROLE = zeroHash;

/** The contracts whose admin is the timelock (OpenToken has no admin at all). */
export const GOVERNED_CONTRACTS = ["ValidatorStaking", "Datanets", "ModelRegistry"] as const;
export type GovernedContract = (typeof GOVERNED_CONTRACTS)[number];

export interface Governance {
  timelock: Address;
  /** Seconds from scheduling a call to the earliest time it may run. */
  delay: number;
  /** Accounts that may schedule and cancel calls. */
  proposers: Address[];
}

/** One call governance makes through the timelock. */
export interface GovernanceCall {
  target: Address;
  data: Hex;
  /** Distinguishes two schedulings of the same call (default: zero). */
  salt?: Hex;
}

export class GovernanceError extends Error {
  override name = "GovernanceError";
}

/** The governance a deployment records; throws when the document has none (a deployment from before the timelock). */
export function governanceOf(deployment: Deployment): Governance {
  const g = deployment.governance as Partial<Governance> | undefined;
  if (!g || typeof g.timelock !== "string" || !isAddress(g.timelock, { strict: false }) || !Number.isSafeInteger(g.delay)) {
    throw new GovernanceError("the deployment records no governance timelock: redeploy with this version (`npm run deploy`)");
  }
  return { timelock: getAddress(g.timelock), delay: g.delay!, proposers: (g.proposers ?? []).map((a) => getAddress(a)) };
}

/** The timelock's id of a call: `hashOperation(target, 0, data, 0, salt)`. */
export function operationId(call: GovernanceCall): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address" }, { type: "uint256" }, { type: "bytes" }, { type: "bytes32" }, { type: "bytes32" }],
      [call.target, 0n, call.data, zeroHash, call.salt ?? zeroHash],
    ),
  );
}
