import { readFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import {
  contribute,
  getQuota,
  parseFormat,
  type FileInput,
} from "@openledger/sdk";
import { datanetArg, when, collectFiles, UsageError } from "../args.ts";
import { EXIT } from "../exit.ts";
import { bytes, printFields, printJson, printTable, progressBar } from "../output.ts";
import type { Cli } from "../cli.ts";

export function registerContribute(program: Command, { ctxOf, json }: Cli): void {
  program
    .command("contribute <datanet> <paths...>")
    .description("check, upload and submit files (or every file of a folder) to a Datanet")
    .option("--format <format>", "the format of every file (default: detected from the bytes; the extension only picks among text formats)")
    .option("--skip-refused", "submit the files that pass the checks even if others are refused")
    .action(async (id: string, paths: string[], o: { format?: string; skipRefused?: boolean }, cmd: Command) => {
      const datanetId = datanetArg(id);
      const format = o.format === undefined ? undefined : parseFormat(o.format);
      if (o.format !== undefined && format === undefined) throw new UsageError(`unknown format "${o.format}"`);
      const files: FileInput[] = collectFiles(paths).map((p) => ({ name: p, bytes: new Uint8Array(readFileSync(p)), ...(format === undefined ? {} : { format }) }));
      if (files.length === 0) throw new UsageError("no files to contribute");
      const ctx = await ctxOf(cmd);
      const bar = progressBar("uploading");
      const result = await contribute(await ctx.wallet(), {
        contracts: ctx.contracts,
        ipfs: ctx.ipfs,
        datanetId,
        files,
        skipRefused: Boolean(o.skipRefused),
        onProgress: (p) => bar.update(p.done, p.total, p.file ? path.basename(p.file) : p.stage),
      });
      bar.done();
      if (json(cmd)) return printJson(result);
      printTable(
        result.outcomes.map((f) => [f.name, f.status, f.format ?? "", bytes(f.size), f.cid ?? f.reason ?? ""]),
        ["file", "outcome", "format", "size", "CID / reason"],
      );
      console.log(
        `\nToday's quota left in Datanet ${datanetId}: ${result.quota.filesLeft} files, ${bytes(result.quota.bytesLeft)} (resets ${when(result.quota.resetsAt)}).`,
      );
      // With --skip-refused, submitting the files that passed is success; the refused ones are listed above.
      const refused = result.outcomes.some((f) => f.status === "refused");
      const submitted = result.outcomes.some((f) => f.status === "submitted");
      if (refused && !(o.skipRefused && submitted)) process.exitCode = EXIT.refused;
    });
  program
    .command("quota <datanet>")
    .description("what you may still submit today (UTC) to a Datanet")
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const q = await getQuota(ctx.client, { contracts: ctx.contracts, account: await ctx.address(), datanetId: datanetArg(id) });
      if (json(cmd)) return printJson(q);
      printFields({
        "files left": q.filesLeft,
        "bytes left": `${q.bytesLeft} (${bytes(q.bytesLeft)})`,
        "used (all Datanets)": `${q.protocolFilesUsed} files, ${bytes(q.protocolBytesUsed)}`,
        "used (this Datanet)": `${q.datanetFilesUsed} files, ${bytes(q.datanetBytesUsed)}`,
        resets: when(q.resetsAt),
      });
    });
}
