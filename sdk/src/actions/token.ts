// OPEN balances and allowances, and EIP-2612 permits: an approval signed instead of sent.
import { BaseError, ContractFunctionRevertedError, ContractFunctionZeroDataError, parseSignature, type Address, type Hex } from "viem";
import { getBlock, readContract, signTypedData } from "viem/actions";
import { openTokenAbi } from "@openledger/protocol";
import { OpenLedgerError, toOpenLedgerError } from "../errors.ts";
import { contractsOf, read, send, type ReadClient, type Sent, type WithContracts, type WriteClient } from "./shared.ts";

/**
 * How a call that spends the caller's OPEN gets its allowance when the current one is short:
 * `"permit"` (the default) signs an EIP-2612 permit that goes in the same transaction as the call,
 * where the token takes permits (otherwise, and with `"transaction"`, an approval is sent first).
 */
export type ApproveBy = "permit" | "transaction";

/** An EIP-2612 permit of `value` OPEN to a spender, signed by the owner until `deadline` (unix seconds). */
export interface SignedPermit {
  owner: Address;
  spender: Address;
  value: bigint;
  /** The owner's permit nonce it was signed with (the token takes it only while that is still the next one); absent on a permit from elsewhere. */
  nonce?: bigint;
  deadline: bigint;
  v: number;
  r: Hex;
  s: Hex;
}

/** How long a permit the SDK signs stays valid, from the time the next block will have at least. */
export const PERMIT_LIFETIME_SECONDS = 3_600n;

/** The EIP-712 type of an EIP-2612 permit. */
export const PERMIT_TYPES = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
} as const;

const permitDomains = new WeakMap<object, Map<Address, PermitDomain | null>>();
interface PermitDomain {
  name: string;
  version: string;
  chainId: bigint;
  verifyingContract: Address;
}

/**
 * The token's EIP-712 domain when it takes EIP-2612 permits, read once per client from its
 * EIP-5267 `eip712Domain()`; undefined for a token without one (approve with a transaction there).
 */
export async function permitDomainOf(client: ReadClient, args: WithContracts = {}): Promise<PermitDomain | undefined> {
  const { OpenToken } = contractsOf(client, args);
  const known = permitDomains.get(client) ?? new Map<Address, PermitDomain | null>();
  permitDomains.set(client, known);
  if (!known.has(OpenToken)) {
    try {
      const [, name, version, chainId, verifyingContract] = await readContract(client, { address: OpenToken, abi: openTokenAbi, functionName: "eip712Domain" });
      known.set(OpenToken, { name, version, chainId, verifyingContract });
    } catch (error) {
      // Only the token's own answer (a revert, or no such function) means "no permits"; a node
      // that did not answer is an error, not a verdict to keep.
      const refused = error instanceof BaseError && error.walk((e) => e instanceof ContractFunctionRevertedError || e instanceof ContractFunctionZeroDataError);
      if (!refused) throw toOpenLedgerError(error);
      known.set(OpenToken, null);
    }
  }
  return known.get(OpenToken) ?? undefined;
}

/**
 * Signs a permit of exactly `value` OPEN from the client's account to `spender` (no transaction,
 * no gas). Anyone who sees it can only set that allowance, for that spender, before `deadline`.
 */
export async function signPermit(
  client: WriteClient,
  args: WithContracts & { spender: Address; value: bigint; deadline?: bigint },
): Promise<SignedPermit> {
  const { OpenToken } = contractsOf(client, args);
  const domain = await permitDomainOf(client, args);
  if (!domain) {
    throw new OpenLedgerError(`the token at ${OpenToken} takes no EIP-2612 permits`, { details: "Approve with a transaction instead (approveBy: \"transaction\")." });
  }
  const owner = client.account.address;
  const [nonce, latest] = await Promise.all([
    permitNonceOf(client, { contracts: args.contracts, owner }),
    args.deadline === undefined ? getBlock(client, { blockTag: "latest" }) : undefined,
  ]);
  // The next block's time is at least the head's and, on a chain that mines only on demand (the
  // local stack), at least the wall clock's: a head mined hours ago must not date the permit.
  const now = latest ? (latest.timestamp > BigInt(Math.floor(Date.now() / 1000)) ? latest.timestamp : BigInt(Math.floor(Date.now() / 1000))) : 0n;
  const deadline = args.deadline ?? now + PERMIT_LIFETIME_SECONDS;
  let signature: Hex;
  try {
    signature = await signTypedData(client, {
      account: client.account,
      domain,
      types: PERMIT_TYPES,
      primaryType: "Permit",
      message: { owner, spender: args.spender, value: args.value, nonce, deadline },
    });
  } catch (error) {
    throw toOpenLedgerError(error);
  }
  const { r, s, v, yParity } = parseSignature(signature);
  return { owner, spender: args.spender, value: args.value, nonce, deadline, v: Number(v ?? BigInt(yParity + 27)), r, s };
}

/** The nonce the owner's next permit must carry, at the pending block (a permit whose transaction is still waiting counts). */
export async function permitNonceOf(client: ReadClient, args: WithContracts & { owner: Address }): Promise<bigint> {
  const { OpenToken } = contractsOf(client, args);
  return readContract(client, { address: OpenToken, abi: openTokenAbi, functionName: "nonces", args: [args.owner], blockTag: "pending" }).catch((e: unknown) => {
    throw toOpenLedgerError(e);
  });
}

const permitQueues = new Map<string, Promise<void>>();
/** Permits signed again by `withCurrentPermit`, by the permit they replace: a retry reuses the new one. */
const replacements = new WeakMap<SignedPermit, SignedPermit>();

/**
 * Runs `send` after every earlier `send` of the same sender and token has ended (in this process or
 * page), with a permit whose nonce is current. Each permit's nonce is read when it is signed, so two
 * payments an account signs side by side carry the same one; this is where the second learns that
 * the first took it, and has the sender's wallet sign it again (`onSigning` is called first) instead
 * of sending a permit the token would refuse. A permit of another owner, or one without its nonce,
 * is sent as it is.
 */
export async function withCurrentPermit<T>(
  client: WriteClient,
  args: WithContracts & { permit: SignedPermit; onSigning?: () => void },
  send: (permit: SignedPermit) => Promise<T>,
): Promise<T> {
  const { OpenToken } = contractsOf(client, args);
  const sender = client.account.address;
  const key = `${OpenToken}:${sender}`.toLowerCase();
  const earlier = permitQueues.get(key) ?? Promise.resolve();
  const run = earlier.then(async () => {
    let permit = args.permit;
    while (replacements.has(permit)) permit = replacements.get(permit)!;
    if (permit.nonce === undefined || permit.owner.toLowerCase() !== sender.toLowerCase()) return send(permit);
    const nonce = await permitNonceOf(client, { contracts: args.contracts, owner: sender });
    if (permit.nonce === nonce) return send(permit);
    args.onSigning?.();
    const fresh = await signPermit(client, { contracts: args.contracts, spender: permit.spender, value: permit.value, deadline: permit.deadline });
    replacements.set(permit, fresh);
    return send(fresh);
  });
  const ended = run.then(
    () => undefined,
    () => undefined,
  );
  permitQueues.set(key, ended);
  try {
    return await run;
  } finally {
    if (permitQueues.get(key) === ended) permitQueues.delete(key);
  }
}

export async function getOpenBalance(client: ReadClient, args: WithContracts & { account: Address }): Promise<bigint> {
  const { OpenToken } = contractsOf(client, args);
  return read(client, { address: OpenToken, abi: openTokenAbi, functionName: "balanceOf", args: [args.account] });
}

export async function getAllowance(client: ReadClient, args: WithContracts & { owner: Address; spender: Address }): Promise<bigint> {
  const { OpenToken } = contractsOf(client, args);
  return read(client, { address: OpenToken, abi: openTokenAbi, functionName: "allowance", args: [args.owner, args.spender] });
}

/** Approves `spender` for `amount` OPEN unless the allowance already covers it; returns the approval sent, if any. */
export async function ensureAllowance(
  client: WriteClient,
  args: WithContracts & { spender: Address; amount: bigint },
): Promise<Sent | undefined> {
  const { OpenToken } = contractsOf(client, args);
  const current = await getAllowance(client, { ...args, owner: client.account.address });
  if (current >= args.amount) return undefined;
  const { hash, receipt } = await send(client, { address: OpenToken, abi: openTokenAbi, functionName: "approve", args: [args.spender, args.amount] });
  return { hash, receipt, result: undefined };
}

export async function transferOpen(client: WriteClient, args: WithContracts & { to: Address; amount: bigint }): Promise<Sent> {
  const { OpenToken } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: OpenToken, abi: openTokenAbi, functionName: "transfer", args: [args.to, args.amount] });
  return { hash, receipt, result: undefined };
}
