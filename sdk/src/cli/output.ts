// How the CLI prints: aligned tables for people, JSON for scripts, a progress bar on a terminal.
//
// Every command's `--json` output has one shape (sdk/README.md, "JSON output"):
// - an amount of OPEN is `{ "wei": "<decimal string>", "open": "<decimal OPEN>" }`; which keys hold
//   amounts is listed once, in `OPEN_AMOUNT_KEYS`;
// - any other integer too large for a JSON number (ids, block numbers, weights) is a decimal string;
// - formats are names: `format` is one name, `formats` a list of names (never a bitmask); a
//   numeric `modality`, `method` or contribution `status` is its name too;
// - times are ISO 8601 strings in UTC; CIDs are strings; file bytes are never printed;
// - keys are camelCase, and a value that is absent is `null` rather than a missing key.
import { formatEther } from "viem";
import { FORMAT_NAMES, formatsOfMask, MODALITY_NAMES, STATUS_NAMES, TRAINING_METHOD_NAMES } from "@openledger/protocol";

/** Keys whose bigint values are amounts of OPEN in wei. */
export const OPEN_AMOUNT_KEYS: ReadonlySet<string> = new Set([
  "active",
  "activating",
  "amount",
  "approveStake",
  "attributionPaid",
  "balance",
  "bond",
  "claimable",
  "contributorFees",
  "contributorsShare",
  "deposit",
  "depositRefund",
  "eligible",
  "forfeited",
  "minimumStake",
  "pool",
  "protocolShare",
  "quorum",
  "rejectStake",
  "reward",
  "slashed",
  "stake",
  "trainerShare",
  "unbonding",
  "validatorReward",
  "weight",
]);

/** Numeric codes printed as their names, by key. */
const NAMED_CODES: Record<string, readonly string[]> = {
  format: FORMAT_NAMES,
  modality: MODALITY_NAMES,
  method: TRAINING_METHOD_NAMES,
  status: STATUS_NAMES,
};

/** An amount of OPEN as the JSON output prints it. */
export function openAmount(wei: bigint): { wei: string; open: string } {
  return { wei: wei.toString(), open: formatEther(wei) };
}

/** The value as `--json` prints it (see the rules above). */
export function toJsonShape(value: unknown, key = ""): unknown {
  if (value === undefined || value === null) return null;
  if (typeof value === "bigint") return OPEN_AMOUNT_KEYS.has(key) ? openAmount(value) : value.toString();
  if (typeof value === "number" && key === "formats") return formatsOfMask(value).map((f) => FORMAT_NAMES[f]);
  if (typeof value === "number" && key in NAMED_CODES) return NAMED_CODES[key]![value] ?? value;
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  if (Array.isArray(value)) return value.map((v) => toJsonShape(v));
  if (typeof value === "object") {
    if (Object.prototype.toString.call(value) === "[object CID]") return String(value);
    const own = (value as { toJSON?: unknown }).toJSON;
    if (typeof own === "function") return toJsonShape((value as { toJSON: () => unknown }).toJSON(), key);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toJsonShape(v, k)]));
  }
  return value;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(toJsonShape(value), null, 2) + "\n");
}

export function table(rows: readonly (readonly unknown[])[], header?: readonly string[]): string {
  const all = (header ? [header, ...rows] : rows).map((r) => r.map((c) => (c === undefined || c === null ? "" : String(c))));
  const widths: number[] = [];
  for (const r of all) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd();
  const out = all.map(line);
  if (header) out.splice(1, 0, widths.map((w) => "─".repeat(w)).join("  "));
  return out.join("\n");
}

export function printTable(rows: readonly (readonly unknown[])[], header?: readonly string[]): void {
  process.stdout.write(table(rows, header) + "\n");
}

/** Key–value lines. */
export function printFields(fields: Record<string, unknown>): void {
  printTable(Object.entries(fields).map(([k, v]) => [k, v]));
}

export function open(wei: bigint): string {
  return `${formatEther(wei)} OPEN`;
}

/** A one-line progress bar on stderr when it is a terminal; silent otherwise. */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY === true;
  let last = "";
  return {
    update(done: number, total: number, note = ""): void {
      if (!tty || total === 0) return;
      const width = 24;
      const filled = Math.round((done / total) * width);
      const text = `${label} [${"█".repeat(filled)}${"░".repeat(width - filled)}] ${done}/${total} ${note}`.slice(0, (process.stderr.columns ?? 80) - 1);
      if (text !== last) process.stderr.write(`\r${text.padEnd(last.length)}`);
      last = text;
    },
    done(): void {
      if (tty && last) process.stderr.write("\n");
      last = "";
    },
  };
}
