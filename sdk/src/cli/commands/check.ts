import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { detectFormat, formatFromFileName, formatName, parseFormat, type Format } from "@openledger/sdk";
import { collectFiles, UsageError } from "../args.ts";
import { EXIT } from "../exit.ts";
import { printJson, printTable } from "../output.ts";
import type { Cli } from "../cli.ts";

interface CheckRow {
  file: string;
  ok: boolean;
  format: string | null;
  rule: string | null;
  message: string | null;
}

function parseFormatList(list: string): Format[] {
  return list.split(",").map((name) => {
    const format = parseFormat(name.trim());
    if (format === undefined) throw new UsageError(`unknown format "${name.trim()}" in --formats`);
    return format;
  });
}

/** Runs the byte checks on one file, and the allowed-formats check when a list is given. */
function checkFile(file: string, claimed: Format | undefined, allowed: Format[] | undefined): CheckRow {
  const detection = detectFormat(new Uint8Array(readFileSync(file)), claimed ?? formatFromFileName(file));
  if (!detection.ok) return { file, ok: false, format: null, rule: detection.problem.rule, message: detection.problem.message };
  const format = formatName(detection.format);
  if (allowed && !allowed.includes(detection.format)) {
    return { file, ok: false, format, rule: "format-not-allowed", message: `the allowed formats are ${allowed.map(formatName).join(", ")}; this file is ${format}` };
  }
  return { file, ok: true, format, rule: null, message: null };
}

export function registerCheck(program: Command, { json }: Cli): void {
  program
    .command("check <paths...>")
    .description("a dry run of the file checks on files (or every file of a folder): no key, no chain")
    .option("--formats <list>", "the formats to allow, comma-separated (as a Datanet would)")
    .option("--format <format>", "the format of every file (default: detected from the bytes; the extension only picks among text formats)")
    .action((paths: string[], o: { formats?: string; format?: string }, cmd: Command) => {
      const claimed = o.format === undefined ? undefined : parseFormat(o.format);
      if (o.format !== undefined && claimed === undefined) throw new UsageError(`unknown format "${o.format}"`);
      const allowed = o.formats === undefined ? undefined : parseFormatList(o.formats);
      const files = collectFiles(paths);
      if (files.length === 0) throw new UsageError("no files to check");
      const rows = files.map((file) => checkFile(file, claimed, allowed));
      if (json(cmd)) printJson(rows);
      else printTable(rows.map((r) => [r.file, r.ok ? "ok" : "refused", r.format ?? "", r.rule ?? "", r.message ?? ""]), ["file", "verdict", "format", "rule", "message"]);
      if (rows.some((r) => !r.ok)) process.exitCode = EXIT.refused;
    });
}
