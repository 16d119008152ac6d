import path from "node:path";
import type { Command } from "commander";
import { formatEther } from "viem";
import { checkFiles, checkSubmission, contribute, getQuota, type ApproveBy, type ContributionFile, formatBytes } from "@openledger/sdk";
import { fileSource } from "@openledger/sdk/node";
import { approveByOption, datanetArg, when, collectFiles, UsageError } from "../args.ts";
import { EXIT } from "../exit.ts";
import { printFields, printJson, printTable, progressBar } from "../output.ts";
import type { Cli } from "../cli.ts";
import { checkRow, claimedFormat, printVerdicts } from "./check.ts";

export function registerContribute(program: Command, { ctxOf, json }: Cli): void {
  program
    .command("contribute <datanet> <paths...>")
    .description("check, upload and submit files (or every file of a folder) to a Datanet")
    .option("--format <format>", "the format of every file (default: detected from the bytes; the extension only picks among text formats)")
    .option("--skip-refused", "submit the files that pass the checks even if others are refused")
    .option(
      "--protect",
      "commit to the files on chain before uploading and sending them (one more transaction), so that a copy someone sends after seeing them in the mempool is displaced: they stay yours",
    )
    .addOption(approveByOption())
    .option(
      "--dry-run",
      "run every check against the Datanet (today's quotas, the pool, the deposits, the chain's simulation of the submission) and print a verdict per file; upload and send nothing (--address instead of a key)",
    )
    .action(async (id: string, paths: string[], o: { format?: string; skipRefused?: boolean; dryRun?: boolean; protect?: boolean; approveBy: ApproveBy }, cmd: Command) => {
      const datanetId = datanetArg(id);
      const format = claimedFormat(o.format);
      // Files are opened by size only (stat); each one's bytes are read when it is checked, and again, streamed, when it is uploaded.
      const files: ContributionFile[] = collectFiles(paths).map((p) => (format === undefined ? fileSource(p) : { ...fileSource(p), format }));
      if (files.length === 0) throw new UsageError("no files to contribute");
      const ctx = await ctxOf(cmd);
      if (o.dryRun) {
        const account = await ctx.address();
        const report = await checkFiles(ctx.client, { contracts: ctx.contracts, datanetId, account, files });
        const rows = report.verdicts.map(checkRow);
        // Then the batch as a whole (pool, deposits, the chain's simulation): files that passed on
        // their own are refused with the batch's rule when the submission would be.
        if (report.rejected.length === 0 || o.skipRefused) {
          const problem = await checkSubmission(ctx.client, { contracts: ctx.contracts, account, report });
          if (problem) for (const row of rows) if (row.ok) Object.assign(row, { ok: false, rule: problem.rule, message: problem.message });
        }
        return printVerdicts(rows, json(cmd));
      }
      const bar = progressBar("uploading");
      const result = await contribute(await ctx.wallet(), {
        contracts: ctx.contracts,
        ipfs: ctx.ipfs,
        datanetId,
        files,
        skipRefused: Boolean(o.skipRefused),
        protect: Boolean(o.protect),
        approveBy: o.approveBy,
        onProgress: (p) => bar.update(p.done, p.total, p.file ? path.basename(p.file) : p.stage),
      });
      bar.done();
      if (json(cmd)) return printJson(result);
      printTable(
        result.outcomes.map((f) => [f.name, f.status, f.format ?? "", formatBytes(f.size), f.cid ?? f.reason ?? ""]),
        ["file", "outcome", "format", "size", "CID / reason"],
      );
      if (result.protected) console.log("\nCommitted on chain before sending: no copy of these files seen in the mempool can take their credit.");
      for (const d of result.displaced) {
        console.log(`Displaced a pending copy of ${d.contributionId} sent by ${d.displaced} (its deposit, ${formatEther(d.refund)} OPEN, went back to it).`);
      }
      console.log(
        `\nToday's quota left in Datanet ${datanetId}: ${result.quota.filesLeft} files, ${formatBytes(result.quota.bytesLeft)} (resets ${when(result.quota.resetsAt)}).`,
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
        "bytes left": `${q.bytesLeft} (${formatBytes(q.bytesLeft)})`,
        "used (all Datanets)": `${q.protocolFilesUsed} files, ${formatBytes(q.protocolBytesUsed)}`,
        "used (this Datanet)": `${q.datanetFilesUsed} files, ${formatBytes(q.datanetBytesUsed)}`,
        resets: when(q.resetsAt),
      });
    });
}
