// OPEN balances and allowances.
import type { Address } from "viem";
import { openTokenAbi } from "@openledger/protocol";
import { contractsOf, read, send, type ReadClient, type Sent, type WithContracts, type WriteClient } from "./shared.ts";

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
