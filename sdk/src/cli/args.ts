// Argument parsing shared by the command groups: every bad value is a UsageError naming the
// option and what it must be.
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { Option } from "commander";
import { parseEther, type Hex } from "viem";
import { isBytes32, parseDatanetMetadata, toOnchainCid, type ApproveBy, type DatanetInfo } from "@openledger/sdk";
import type { Context } from "./context.ts";
import { UsageError } from "./exit.ts";

export { UsageError };

export function amount(text: string, what = "amount"): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(text)) throw new UsageError(`${what} must be a decimal number of OPEN (e.g. 10 or 2.5), got "${text}"`);
  return parseEther(text);
}

export function int(text: string, what: string, min = 0): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${what} must be a whole number ≥ ${min}, got "${text}"`);
  return Number(text);
}

export function datanetArg(text: string): number {
  return int(text, "the Datanet id", 1);
}

/** A contribution named by its CID (as the CLI prints it) or its 32-byte digest. */
export function digestOf(text: string): Hex {
  if (isBytes32(text)) return text;
  try {
    return toOnchainCid(text).digest;
  } catch (error) {
    throw new UsageError(`"${text}" is neither a CID nor a 32-byte digest: ${(error as Error).message}`);
  }
}

export function list(text: string | undefined): string[] {
  return (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

export function when(date: Date | number): string {
  const d = typeof date === "number" ? new Date(date * 1000) : date;
  return d.toISOString().replace(".000Z", "Z");
}

export function collectFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const s = statSync(p, { throwIfNoEntry: false });
    if (!s) throw new UsageError(`no such file or folder: ${p}`);
    if (s.isDirectory()) {
      for (const entry of readdirSync(p).sort()) {
        if (entry.startsWith(".")) continue;
        const child = path.join(p, entry);
        if (statSync(child).isFile()) out.push(child);
      }
    } else out.push(p);
  }
  return out;
}

let warnedIpfs = false;

/**
 * A Datanet's name from its metadata document on IPFS. When IPFS cannot be read the name shows as
 * "(unknown)" and one warning goes to stderr, so a list never looks silently blank.
 */
export async function metadataName(ctx: Context, d: DatanetInfo): Promise<string> {
  try {
    return parseDatanetMetadata(await ctx.ipfs.get(d.metadataCid, { maxBytes: 64 * 1024, signal: AbortSignal.timeout(2_000) })).name;
  } catch (error) {
    if (!warnedIpfs) {
      warnedIpfs = true;
      process.stderr.write(`! Datanet names come from IPFS at ${ctx.options.ipfs}, which did not answer (${(error as Error).message.split("\n")[0]}); they show as (unknown).\n`);
    }
    return "(unknown)";
  }
}

/** `--approve-by`: how a command that spends OPEN gives the Datanets contract a short allowance. */
export function approveByOption(): Option {
  return new Option(
    "--approve-by <how>",
    "when the allowance is short: sign a permit sent in the same transaction (permit), or send an approval transaction first (transaction)",
  )
    .choices(["permit", "transaction"] satisfies ApproveBy[])
    .default("permit");
}
