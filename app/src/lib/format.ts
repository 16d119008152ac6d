// How amounts, addresses, sizes and times are written everywhere in the app. Amounts are OPEN
// (18 decimals), never wei; addresses are shortened (the full one is copyable beside it).
import { formatBytes, formatDuration } from "@openledger/sdk";
import { formatUnits, getAddress, isAddress, parseUnits, type Address } from "viem";

export const OPEN_DECIMALS = 18;

/** "1,234.5 OPEN": grouped, at most `maxDecimals` decimals (rounded down, so a balance is never overstated). */
export function formatOpen(wei: bigint, options: { maxDecimals?: number; unit?: boolean } = {}): string {
  const maxDecimals = options.maxDecimals ?? 4;
  const negative = wei < 0n;
  const [whole, fraction = ""] = formatUnits(negative ? -wei : wei, OPEN_DECIMALS).split(".");
  const grouped = BigInt(whole!).toLocaleString("en-US");
  const kept = fraction.slice(0, maxDecimals).replace(/0+$/, "");
  let text = kept ? `${grouped}.${kept}` : grouped;
  if (text === "0" && wei !== 0n) text = `< ${maxDecimals === 0 ? "1" : `0.${"0".repeat(maxDecimals - 1)}1`}`;
  return `${negative ? "−" : ""}${text}${options.unit === false ? "" : " OPEN"}`;
}

export class AmountInputError extends Error {
  override name = "AmountInputError";
}

/** Parses an amount a person typed ("1,000.5") into wei; says what is wrong otherwise. */
export function parseOpen(input: string, options: { allowZero?: boolean; max?: bigint } = {}): bigint {
  const text = input.trim().replace(/[,_\s]/g, "");
  if (text === "") throw new AmountInputError("enter an amount of OPEN");
  if (!/^\d*\.?\d*$/.test(text) || text === ".") throw new AmountInputError(`"${input.trim()}" is not a number of OPEN`);
  const decimals = text.split(".")[1]?.length ?? 0;
  if (decimals > OPEN_DECIMALS) throw new AmountInputError(`OPEN has ${OPEN_DECIMALS} decimals; "${input.trim()}" has ${decimals}`);
  const wei = parseUnits(text, OPEN_DECIMALS);
  if (wei === 0n && !options.allowZero) throw new AmountInputError("the amount must be above zero");
  if (options.max !== undefined && wei > options.max) throw new AmountInputError(`the amount is over the ${formatOpen(options.max)} available`);
  return wei;
}

/** "0xf39F…2266". */
export function shortAddress(address: string): string {
  const checksummed = isAddress(address, { strict: false }) ? getAddress(address) : address;
  return checksummed.length > 12 ? `${checksummed.slice(0, 6)}…${checksummed.slice(-4)}` : checksummed;
}

/** "0x1234ab…cdef" for hashes and ids. */
export function shortHex(hex: string, keep = 6): string {
  return hex.length > keep * 2 + 4 ? `${hex.slice(0, keep + 2)}…${hex.slice(-keep)}` : hex;
}

export function sameAddress(a: string | undefined | null, b: string | undefined | null): boolean {
  return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}

export function checksum(address: string): Address {
  return getAddress(address);
}

/** Sizes and durations are written as the SDK writes them, so the app and the CLI agree. */
export { formatBytes, formatDuration };

/** Basis points as a percentage: 6667 → "66.67 %". */
export function formatBps(bps: number | null | undefined): string {
  if (bps === null || bps === undefined) return "—";
  return `${(bps / 100).toLocaleString("en-US", { maximumFractionDigits: 2 })} %`;
}

export function formatCount(n: number | bigint): string {
  return BigInt(n).toLocaleString("en-US");
}

/** A date and time in UTC (the protocol's days are UTC days): "2026-12-02 14:05 UTC". */
export function formatDate(date: Date | number): string {
  const d = typeof date === "number" ? new Date(date * 1000) : date;
  if (Number.isNaN(d.getTime())) return "—";
  return `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "in 4 min" / "5 min ago", from `now` (chain time, seconds). */
export function formatRelative(at: number, now: number): string {
  const delta = at - now;
  return delta >= 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}
