import type { Command } from "commander";
import {
  checkSource,
  formatName,
  formatsOfMask,
  getDatanet,
  getProtocolLimits,
  MAX_FILE_SIZE_CEILING,
  parseFormat,
  type FileVerdict,
  type Format,
  type SourceRules,
} from "@openledger/sdk";
import { fileSource } from "@openledger/sdk/node";
import { collectFiles, datanetArg, UsageError } from "../args.ts";
import { EXIT } from "../exit.ts";
import { printJson, printTable } from "../output.ts";
import type { Cli } from "../cli.ts";

/** One file's verdict as `check` and `contribute --dry-run` print it. */
export interface CheckRow {
  file: string;
  ok: boolean;
  format: string | null;
  rule: string | null;
  message: string | null;
}

export function checkRow(v: FileVerdict): CheckRow {
  return { file: v.file, ok: v.ok, format: v.format === null ? null : formatName(v.format), rule: v.rule, message: v.message };
}

/** Prints the verdicts (a table, or JSON) and sets exit code 3 when any file is refused. */
export function printVerdicts(rows: CheckRow[], json: boolean): void {
  if (json) printJson(rows);
  else printTable(rows.map((r) => [r.file, r.ok ? "ok" : "refused", r.format ?? "", r.rule ?? "", r.message ?? ""]), ["file", "verdict", "format", "rule", "message"]);
  if (rows.some((r) => !r.ok)) process.exitCode = EXIT.refused;
}

/** The `--format` option: the format every file claims to be. */
export function claimedFormat(text: string | undefined): Format | undefined {
  if (text === undefined) return undefined;
  const format = parseFormat(text);
  if (format === undefined) throw new UsageError(`unknown format "${text}"`);
  return format;
}

function parseFormatList(list: string): Format[] {
  return list.split(",").map((name) => {
    const format = parseFormat(name.trim());
    if (format === undefined) throw new UsageError(`unknown format "${name.trim()}" in --formats`);
    return format;
  });
}

export function registerCheck(program: Command, { ctxOf, json }: Cli): void {
  program
    .command("check <paths...>")
    .description("a dry run of the file checks on files (or every file of a folder): no key; no chain unless --datanet")
    .option("--datanet <id>", "check against this Datanet's allowed formats and size cap (read from the chain)")
    .option("--formats <list>", "the formats to allow, comma-separated (as a Datanet would); no chain needed")
    .option("--format <format>", "the format of every file (default: detected from the bytes; the extension only picks among text formats)")
    .action(async (paths: string[], o: { datanet?: string; formats?: string; format?: string }, cmd: Command) => {
      const format = claimedFormat(o.format);
      if (o.datanet !== undefined && o.formats !== undefined) throw new UsageError("give --datanet or --formats, not both");
      const files = collectFiles(paths);
      if (files.length === 0) throw new UsageError("no files to check");
      const rules: SourceRules = { maxFileSize: MAX_FILE_SIZE_CEILING, ...(format === undefined ? {} : { format }) };
      if (o.formats !== undefined) rules.allowed = parseFormatList(o.formats);
      if (o.datanet !== undefined) {
        const datanetId = datanetArg(o.datanet);
        const ctx = await ctxOf(cmd);
        const [datanet, limits] = await Promise.all([getDatanet(ctx.client, { contracts: ctx.contracts, datanetId }), getProtocolLimits(ctx.client, { contracts: ctx.contracts })]);
        Object.assign(rules, {
          maxFileSize: Math.min(datanet.limits.maxFileSize || limits.maxFileSize, limits.maxFileSize),
          capOwner: `Datanet ${datanetId}`,
          allowed: formatsOfMask(datanet.formats),
        });
      }
      // One file at a time: each is refused from its size when it is empty or over the cap, else read once.
      const rows: CheckRow[] = [];
      for (const file of files) {
        const c = await checkSource(fileSource(file), rules);
        rows.push(checkRow(c.ok ? { file, ok: true, format: c.format, rule: null, message: null } : { file, ok: false, format: c.format, rule: c.rule, message: c.message }));
      }
      printVerdicts(rows, json(cmd));
    });
}
