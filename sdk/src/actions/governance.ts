// Governance through the timelock: what is scheduled and when it applies (for everyone who wants to
// see a change coming), and scheduling and executing a call (for governance's keys). The timelock is
// the only admin of the protocol's contracts; see docs/protocol.md, "Governance".
import { decodeFunctionData, getAddress, type Abi, type Address, type Hex, zeroHash } from "viem";
import { getBlock, getContractEvents } from "viem/actions";
import { operationId, PROTOCOL_ABIS, protocolTimelockAbi, type Governance, type GovernanceCall, type ProtocolContracts } from "@openledger/protocol";
import { OpenLedgerError } from "../errors.ts";
import { read, send, type ReadClient, type Sent, type WriteClient } from "./shared.ts";

export type GovernanceCallState = "waiting" | "ready" | "executed" | "cancelled";

export interface ScheduledCall {
  id: Hex;
  target: Address;
  /** The contract's name when it is one of the deployment's, else the address. */
  contract: string;
  /** The decoded function and arguments, when the target's ABI knows the call. */
  functionName: string | null;
  args: readonly unknown[];
  data: Hex;
  salt: Hex;
  /** When it may run (unix seconds). */
  readyAt: number;
  state: GovernanceCallState;
  scheduledBlock: bigint;
}

function decode(contracts: ProtocolContracts | undefined, target: Address, data: Hex, timelock: Address): { contract: string; functionName: string | null; args: readonly unknown[] } {
  const known: [string, Address, Abi][] = [["ProtocolTimelock", timelock, protocolTimelockAbi as Abi]];
  if (contracts) for (const [name, abi] of Object.entries(PROTOCOL_ABIS)) known.push([name, contracts[name as keyof ProtocolContracts], abi as Abi]);
  const match = known.find(([, address]) => getAddress(address) === getAddress(target));
  if (!match) return { contract: target, functionName: null, args: [] };
  try {
    const { functionName, args } = decodeFunctionData({ abi: match[2], data });
    return { contract: match[0], functionName, args: args ?? [] };
  } catch {
    return { contract: match[0], functionName: null, args: [] };
  }
}

/**
 * Every call scheduled on the timelock since `fromBlock`, with its state now: waiting for its delay,
 * ready to run, executed or cancelled. Decoded against the deployment's ABIs when `contracts` is given.
 */
export async function listGovernanceCalls(
  client: ReadClient,
  args: { governance: Governance; contracts?: ProtocolContracts; fromBlock?: bigint },
): Promise<ScheduledCall[]> {
  const { timelock } = args.governance;
  const range = { address: timelock, abi: protocolTimelockAbi, fromBlock: args.fromBlock ?? 0n, toBlock: "latest" } as const;
  const [scheduled, salts, executed, cancelled, head] = await Promise.all([
    getContractEvents(client, { ...range, eventName: "CallScheduled" }),
    getContractEvents(client, { ...range, eventName: "CallSalt" }),
    getContractEvents(client, { ...range, eventName: "CallExecuted" }),
    getContractEvents(client, { ...range, eventName: "Cancelled" }),
    getBlock(client, { blockTag: "latest" }),
  ]);
  // The next block's time is at least the head's and, on a chain that mines only on demand (the local
  // stack), at least the wall clock's.
  const now = Math.max(Number(head.timestamp), Math.floor(Date.now() / 1000));
  const saltOf = new Map(salts.map((e) => [e.args.id!, e.args.salt!]));
  const done = new Set(executed.map((e) => e.args.id!));
  const dropped = new Set(cancelled.map((e) => e.args.id!));
  const calls: ScheduledCall[] = [];
  for (const e of scheduled) {
    const id = e.args.id!;
    const target = getAddress(e.args.target!);
    const data = e.args.data!;
    const block = await getBlock(client, { blockNumber: e.blockNumber! });
    const readyAt = Number(block.timestamp + e.args.delay!);
    const state: GovernanceCallState = done.has(id) ? "executed" : dropped.has(id) ? "cancelled" : now >= readyAt ? "ready" : "waiting";
    calls.push({ id, target, ...decode(args.contracts, target, data, timelock), data, salt: saltOf.get(id) ?? zeroHash, readyAt, state, scheduledBlock: e.blockNumber! });
  }
  return calls;
}

/** A scheduled call in one line: `Datanets.setProtocolLimits(10485760, …)`, or the contract and selector when it cannot be decoded. */
export function describeGovernanceCall(c: Pick<ScheduledCall, "contract" | "functionName" | "args" | "data">): string {
  return c.functionName ? `${c.contract}.${c.functionName}(${c.args.map(String).join(", ")})` : `${c.contract} ${c.data.slice(0, 10)}…`;
}

/** Schedules a call on the timelock (a proposer's key); it may run `delay` seconds from now. */
export async function scheduleGovernanceCall(
  client: WriteClient,
  args: { governance: Governance } & GovernanceCall,
): Promise<Sent<{ id: Hex; readyAt: number }>> {
  const { timelock, delay } = args.governance;
  const salt = args.salt ?? zeroHash;
  const { hash, receipt } = await send(client, { address: timelock, abi: protocolTimelockAbi, functionName: "schedule", args: [args.target, 0n, args.data, zeroHash, salt, BigInt(delay)] });
  const id = operationId({ target: args.target, data: args.data, salt });
  const readyAt = Number(await read(client, { address: timelock, abi: protocolTimelockAbi, functionName: "getTimestamp", args: [id] }));
  return { hash, receipt, result: { id, readyAt } };
}

/** Runs a scheduled call once its delay has passed (anyone may). */
export async function executeGovernanceCall(
  client: WriteClient,
  args: { governance: Governance; call: Pick<ScheduledCall, "id" | "target" | "data" | "salt" | "readyAt" | "state"> },
): Promise<Sent<{ id: Hex }>> {
  const { call } = args;
  if (call.state === "executed" || call.state === "cancelled") throw new OpenLedgerError(`governance call ${call.id} was ${call.state}: there is nothing to run`);
  const { hash, receipt } = await send(client, { address: args.governance.timelock, abi: protocolTimelockAbi, functionName: "execute", args: [call.target, 0n, call.data, zeroHash, call.salt] });
  return { hash, receipt, result: { id: call.id } };
}
