// Governance through the timelock: what is scheduled and when it applies (for everyone who wants to
// see a change coming), and scheduling and executing a call (for governance's keys). The timelock is
// the only admin of the protocol's contracts; see docs/protocol.md, "Governance".
import { decodeFunctionData, formatUnits, getAddress, type Abi, type AbiFunction, type AbiParameter, type Address, type Hex, zeroHash } from "viem";
import { getBlock, getContractEvents } from "viem/actions";
import { operationId, PAUSER_ROLE, PROTOCOL_ABIS, protocolTimelockAbi, TRAINER_ROLE, type Governance, type GovernanceCall, type ProtocolContracts } from "@openledger/protocol";
import { OpenLedgerError } from "../errors.ts";
import { read, send, type ReadClient, type Sent, type WriteClient } from "./shared.ts";
import { formatBytes, formatDuration } from "../units.ts";

export type GovernanceCallState = "waiting" | "ready" | "executed" | "cancelled";

export interface ScheduledCall {
  id: Hex;
  target: Address;
  /** The contract's name when it is one of the deployment's, else the address. */
  contract: string;
  /** The decoded function and arguments, when the target's ABI knows the call. */
  functionName: string | null;
  args: readonly unknown[];
  /** The arguments with their names and units, read from the ABI (empty when the call is not decoded). */
  params: GovernanceParam[];
  data: Hex;
  salt: Hex;
  /** When it may run (unix seconds). */
  readyAt: number;
  state: GovernanceCallState;
  scheduledBlock: bigint;
}

/**
 * What an argument of a governance call measures, read from its name and type in the contract's ABI
 * (the Solidity sources name them so: `bond_`, `challengeWindow_`, `slashBps`, `maxFileSize`, …).
 */
export type GovernanceUnit = "open" | "bps" | "seconds" | "bytes" | "files" | "bool" | "address" | "role" | "number" | "other";

export interface GovernanceParam {
  /** The ABI's name without a trailing underscore: `bond`, `challengeWindow`. */
  name: string;
  unit: GovernanceUnit;
  value: unknown;
}

function unitOf(param: AbiParameter): GovernanceUnit {
  const name = (param.name ?? "").replace(/_$/, "");
  if (param.type === "bool") return "bool";
  if (param.type === "address") return "address";
  if (param.type === "bytes32" && /role/i.test(name)) return "role";
  if (!/^u?int\d*$/.test(param.type)) return "other";
  if (/Bps$/.test(name)) return "bps";
  if (/(Window|Delay|Period|Duration|Seconds)$/.test(name)) return "seconds";
  if (/(Size|Bytes)$/.test(name)) return "bytes";
  if (/Files$/.test(name)) return "files";
  if (/(bond|stake|deposit|reward|amount|value|fee)$/i.test(name)) return "open";
  return "number";
}

const ROLE_NAMES: Record<string, string> = { [zeroHash]: "DEFAULT_ADMIN_ROLE", [PAUSER_ROLE]: "PAUSER_ROLE", [TRAINER_ROLE]: "TRAINER_ROLE" };

function paramsOf(abi: Abi, functionName: string, args: readonly unknown[]): GovernanceParam[] {
  const fn = abi.find((item): item is AbiFunction => item.type === "function" && item.name === functionName && item.inputs.length === args.length);
  if (!fn) return [];
  return fn.inputs.flatMap((input, i) => {
    const value = args[i];
    // A struct's fields are its parameters (`updateLimits(datanetId, limits)`).
    if ("components" in input && input.components && value !== null && typeof value === "object") {
      return input.components.map((c) => ({ name: (c.name ?? "").replace(/_$/, ""), unit: unitOf(c), value: (value as Record<string, unknown>)[c.name ?? ""] }));
    }
    return [{ name: (input.name ?? `arg${i}`).replace(/_$/, ""), unit: unitOf(input), value }];
  });
}

/** Decodes a call to one of the protocol's contracts (or the timelock) against the deployment's ABIs. */
export function decodeGovernanceCall(
  contracts: ProtocolContracts | undefined,
  target: Address,
  data: Hex,
  timelock: Address,
): { contract: string; functionName: string | null; args: readonly unknown[]; params: GovernanceParam[] } {
  const known: [string, Address, Abi][] = [["ProtocolTimelock", timelock, protocolTimelockAbi as Abi]];
  if (contracts) for (const [name, abi] of Object.entries(PROTOCOL_ABIS)) known.push([name, contracts[name as keyof ProtocolContracts], abi as Abi]);
  const match = known.find(([, address]) => getAddress(address) === getAddress(target));
  if (!match) return { contract: target, functionName: null, args: [], params: [] };
  try {
    const { functionName, args } = decodeFunctionData({ abi: match[2], data });
    return { contract: match[0], functionName, args: args ?? [], params: paramsOf(match[2], functionName, args ?? []) };
  } catch {
    return { contract: match[0], functionName: null, args: [], params: [] };
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
    calls.push({ id, target, ...decodeGovernanceCall(args.contracts, target, data, timelock), data, salt: saltOf.get(id) ?? zeroHash, readyAt, state, scheduledBlock: e.blockNumber! });
  }
  return calls;
}

/** Words from a camelCase name: `challengeWindow` → "challenge window", `setModelBond` → "set model bond". */
function words(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2").toLowerCase();
}


/** One argument in words, with its unit: `bond 20 OPEN`, `challenge window 2 min`, `slash 5 %`. */
export function describeGovernanceParam(p: GovernanceParam): string {
  const name = words(p.unit === "bps" ? p.name.replace(/Bps$/, "") : p.name);
  const v = p.value;
  switch (p.unit) {
    case "open":
      return `${name} ${Number(formatUnits(BigInt(v as bigint), 18)).toLocaleString("en-US", { maximumFractionDigits: 6 })} OPEN`;
    case "bps":
      return `${name} ${(Number(v) / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;
    case "seconds":
      return `${name} ${formatDuration(Number(v), { exact: true })}`;
    case "bytes":
      return `${name} ${formatBytes(Number(v), { exact: true })}`;
    case "files":
      return `${name} ${Number(v).toLocaleString("en-US")}`;
    case "bool":
      return `${name} ${v ? "yes" : "no"}`;
    case "role":
      return `${name} ${ROLE_NAMES[String(v)] ?? String(v)}`;
    case "number":
      return `${name} ${typeof v === "bigint" ? v.toLocaleString("en-US") : String(v)}`;
    default:
      return `${name} ${String(v)}`;
  }
}

/**
 * A scheduled call in words for people, every amount with its unit (OPEN, never wei):
 * `ModelRegistry: set model bond (bond 20 OPEN, challenge window 2 min)`. A call that cannot be
 * decoded is its contract and selector.
 */
export function explainGovernanceCall(c: Pick<ScheduledCall, "contract" | "functionName" | "params" | "data">): string {
  if (!c.functionName) return `${c.contract} ${c.data.slice(0, 10)}…`;
  const what = `${c.contract}: ${words(c.functionName)}`;
  return c.params.length ? `${what} (${c.params.map(describeGovernanceParam).join(", ")})` : what;
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
