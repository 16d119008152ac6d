// How the CLI prints: aligned tables for people, JSON for scripts, a progress bar on a terminal.
import { formatEther } from "viem";

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Uint8Array) return `<${value.length} bytes>`;
  return value;
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, jsonReplacer, 2) + "\n");
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

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
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
