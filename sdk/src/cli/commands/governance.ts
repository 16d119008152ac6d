import type { Command } from "commander";
import { encodeFunctionData, getAddress, isAddress, isHex, toHex, type AbiFunction, type Address, type Hex } from "viem";
import {
  describeGovernanceCall,
  executeGovernanceCall,
  governanceOf,
  listGovernanceCalls,
  scheduleGovernanceCall,
  type ProtocolContracts,
  type ScheduledCall,
} from "@openledger/sdk";
import { GOVERNED_CONTRACTS, PROTOCOL_ABIS } from "@openledger/protocol";
import { UsageError, when } from "../args.ts";
import type { Context } from "../context.ts";
import { printJson, printTable } from "../output.ts";
import type { Cli } from "../cli.ts";

const GOVERNED = GOVERNED_CONTRACTS;

export function registerGovernance(program: Command, cli: Cli): void {
  const governance = program
    .command("governance")
    .description("protocol changes through the timelock: what is scheduled and when it applies; schedule and execute (governance's keys)");
  listCommand(governance, cli);
  scheduleCommand(governance, cli);
  executeCommand(governance, cli);
}

function calls(ctx: Context): Promise<ScheduledCall[]> {
  return listGovernanceCalls(ctx.client, { governance: governanceOf(ctx.deployment), contracts: ctx.contracts, fromBlock: BigInt(ctx.deployment.startBlock ?? 0) });
}

function listCommand(governance: Command, { ctxOf, json }: Cli): void {
  governance
    .command("list")
    .description("every change scheduled on the timelock: waiting, ready, executed or cancelled, and when it applies")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const { timelock, delay } = governanceOf(ctx.deployment);
      const list = await calls(ctx);
      if (json(cmd)) return printJson({ timelock, delay, calls: list });
      console.log(`Timelock ${timelock}: every change waits ${delay} s after it is scheduled.`);
      if (list.length === 0) return console.log("Nothing has been scheduled.");
      printTable(list.map((c) => [c.id, describeGovernanceCall(c), c.state, when(c.readyAt)]), ["id", "call", "state", "may run from"]);
    });
}

/** Turns a command-line word into the ABI type the function takes. */
function argument(type: string, text: string, name: string): unknown {
  if (/^u?int\d*$/.test(type)) {
    if (!/^-?\d+$/.test(text)) throw new UsageError(`${name} (${type}) must be a whole number, got "${text}"`);
    return BigInt(text);
  }
  if (type === "bool") {
    if (text !== "true" && text !== "false") throw new UsageError(`${name} (bool) must be true or false, got "${text}"`);
    return text === "true";
  }
  if (type === "address") {
    if (!isAddress(text, { strict: false })) throw new UsageError(`${name} (address) must be 0x and 40 hex digits, got "${text}"`);
    return getAddress(text);
  }
  if (type.startsWith("bytes")) {
    if (!isHex(text)) throw new UsageError(`${name} (${type}) must be 0x and hex digits, got "${text}"`);
    return text;
  }
  if (type === "string") return text;
  throw new UsageError(`${name} has type ${type}, which the command line does not take`);
}

function scheduleCommand(governance: Command, { ctxOf, json }: Cli): void {
  governance
    .command("schedule <contract> <function> [args...]")
    .description(`schedule a call on ${GOVERNED.join(", ")} (a proposer's key); it may run once the delay has passed`)
    .action(async (contract: string, functionName: string, words: string[], _o, cmd: Command) => {
      if (!(GOVERNED as readonly string[]).includes(contract)) throw new UsageError(`<contract> must be one of ${GOVERNED.join(", ")}, got "${contract}"`);
      const abi = PROTOCOL_ABIS[contract as keyof ProtocolContracts];
      const fn = (abi as readonly { type: string; name?: string }[]).find((e) => e.type === "function" && e.name === functionName) as AbiFunction | undefined;
      if (!fn || fn.stateMutability === "view" || fn.stateMutability === "pure") throw new UsageError(`${contract} has no function "${functionName}" that changes state`);
      if (words.length !== fn.inputs.length) {
        throw new UsageError(`${contract}.${functionName} takes ${fn.inputs.length} argument(s) (${fn.inputs.map((i) => `${i.name} ${i.type}`).join(", ")}), got ${words.length}`);
      }
      const args = fn.inputs.map((input, i) => argument(input.type, words[i]!, input.name ?? `argument ${i + 1}`));
      const ctx = await ctxOf(cmd);
      const target = ctx.contracts[contract as keyof ProtocolContracts] as Address;
      const data = encodeFunctionData({ abi: [fn], functionName, args }) as Hex;
      // A fresh salt, so that the same call can be scheduled again later.
      const salt = toHex(crypto.getRandomValues(new Uint8Array(32)));
      const sent = await scheduleGovernanceCall(await ctx.wallet(), { governance: governanceOf(ctx.deployment), target, data, salt });
      if (json(cmd)) return printJson({ ...sent.result, transaction: sent.hash });
      console.log(`Scheduled ${contract}.${functionName}(${words.join(", ")}) as ${sent.result.id}: it may run from ${when(sent.result.readyAt)} (tx ${sent.hash}).`);
      console.log(`Then: openledger governance execute ${sent.result.id}`);
    });
}

function executeCommand(governance: Command, { ctxOf, json }: Cli): void {
  governance
    .command("execute <id>")
    .description("run a scheduled call whose delay has passed (anyone may)")
    .action(async (id: string, _o, cmd: Command) => {
      if (!isHex(id) || id.length !== 66) throw new UsageError("<id> must be 0x and 64 hex digits (see `openledger governance list`)");
      const ctx = await ctxOf(cmd);
      const call = (await calls(ctx)).find((c) => c.id.toLowerCase() === id.toLowerCase());
      if (!call) throw new UsageError(`no governance call ${id} was scheduled (see \`openledger governance list\`)`);
      const sent = await executeGovernanceCall(await ctx.wallet(), { governance: governanceOf(ctx.deployment), call });
      if (json(cmd)) return printJson({ ...sent.result, transaction: sent.hash });
      console.log(`Executed ${describeGovernanceCall(call)} (tx ${sent.hash}).`);
    });
}
