import type { Command } from "commander";
import { getAddress, isAddress, type Address } from "viem";
import {
  acceptDatanetOwnership,
  transferDatanetOwnership,
  createDatanet,
  formatName,
  formatsOfMask,
  fundDatanet,
  getDatanet,
  getDatanetCount,
  MODALITY_FORMATS,
  modalityName,
  parseFormat,
  parseModality,
  setDatanetPaused,
  stake,
  updateDatanetLimits,
  withdrawPool,
  type Format,
  encodeDatanetMetadata,
  MODALITY_NAMES,
  parseDatanetMetadata,
  CID,
  type ApproveBy,
  type DatanetInfo,
  type Modality,
  formatBytes,
} from "@openledger/sdk";
import { amount, approveByOption, int, datanetArg, list, metadataName, UsageError } from "../args.ts";
import { open, printFields, printJson, printTable } from "../output.ts";
import type { Cli } from "../cli.ts";
import type { DatanetRecord } from "@openledger/indexer/records";
import { fromIndexerOrChain, indexerRows } from "../indexer.ts";

const INDEXED_DATANET_KEYS = [
  "id", "owner", "modality", "formats", "metadataCid", "termsVersion", "maxFileSize", "dailyBytes", "dailyFiles", "deposit", "reward", "validatorReward",
  "commitWindow", "revealWindow", "quorum", "thresholdBps", "minValidators", "pendingOwner", "paused", "poolUnlocksAt", "pool", "submissions",
] as const;
/** The indexer's Datanet row, as much of it as `getDatanet` returns (its columns typed by the indexer). */
type IndexedDatanet = Pick<DatanetRecord, (typeof INDEXED_DATANET_KEYS)[number]>;

/** Every Datanet as the indexer has it, in the chain's shape (`getDatanet`). */
async function indexedDatanets(url: string): Promise<DatanetInfo[]> {
  return (await indexerRows<IndexedDatanet>(url, "datanets", INDEXED_DATANET_KEYS.join(" "))).map((r) => ({
    id: r.id,
    owner: getAddress(r.owner),
    modality: r.modality as Modality,
    formats: r.formats,
    paused: r.paused,
    pool: BigInt(r.pool),
    submissions: BigInt(r.submissions),
    limits: { maxFileSize: r.maxFileSize, dailyBytes: Number(r.dailyBytes), dailyFiles: r.dailyFiles, deposit: BigInt(r.deposit), reward: BigInt(r.reward), validatorReward: BigInt(r.validatorReward) },
    rules: { commitWindow: r.commitWindow, revealWindow: r.revealWindow, quorum: BigInt(r.quorum), thresholdBps: r.thresholdBps, minValidators: r.minValidators },
    termsVersion: r.termsVersion,
    metadataCid: CID.parse(r.metadataCid),
    pendingOwner: r.pendingOwner ? getAddress(r.pendingOwner) : null,
    poolUnlocksAt: r.poolUnlocksAt === null ? null : Number(r.poolUnlocksAt),
  }));
}

export function registerDatanets(program: Command, cli: Cli): void {
  const datanets = program.command("datanets").description("create, list, show, fund, pause, withdraw from and hand over Datanets");
  listCommand(datanets, cli);
  showCommand(datanets, cli);
  createCommand(datanets, cli);
  fundCommand(datanets, cli);
  pauseResumeCommand(datanets, cli);
  withdrawCommand(datanets, cli);
  limitsCommand(datanets, cli);
  ownershipCommands(datanets, cli);
}

/** Two steps, so that a mistyped address cannot take a Datanet out of anyone's hands. */
function ownershipCommands(datanets: Command, { ctxOf, json }: Cli): void {
  datanets
    .command("transfer <datanet> <new-owner>")
    .description("offer a Datanet to another account; it becomes the owner when it runs `datanets accept`")
    .action(async (id: string, to: string, _o, cmd: Command) => {
      if (!isAddress(to, { strict: false })) throw new UsageError(`<new-owner> must be an address (0x and 40 hex digits), got "${to}"`);
      const ctx = await ctxOf(cmd);
      const newOwner = getAddress(to);
      const sent = await transferDatanetOwnership(await ctx.wallet(), { contracts: ctx.contracts, datanetId: datanetArg(id), newOwner });
      if (json(cmd)) return printJson({ datanetId: Number(id), offeredTo: newOwner, transaction: sent.hash });
      console.log(`Datanet ${id} is offered to ${newOwner}; you stay the owner until it accepts (tx ${sent.hash})`);
    });
  datanets
    .command("accept <datanet>")
    .description("take over a Datanet its owner offered to you")
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await acceptDatanetOwnership(await ctx.wallet(), { contracts: ctx.contracts, datanetId: datanetArg(id) });
      if (json(cmd)) return printJson({ datanetId: Number(id), transaction: sent.hash });
      console.log(`You own Datanet ${id} now (tx ${sent.hash})`);
    });
}

function listCommand(datanets: Command, { ctxOf, json }: Cli): void {
  datanets
    .command("list")
    .description("every Datanet")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const all = await fromIndexerOrChain(ctx, indexedDatanets, async () => {
        const count = await getDatanetCount(ctx.client, { contracts: ctx.contracts });
        return Promise.all(Array.from({ length: count }, (_, i) => getDatanet(ctx.client, { contracts: ctx.contracts, datanetId: i + 1 })));
      });
      const rows = [];
      for (const d of all) rows.push({ ...d, name: await metadataName(ctx, d) });
      if (json(cmd)) return printJson(rows);
      printTable(
        rows.map((d) => [d.id, d.name, modalityName(d.modality), formatsOfMask(d.formats).map(formatName).join(","), open(d.pool), d.submissions, d.paused ? "paused" : "open"]),
        ["id", "name", "modality", "formats", "pool", "submissions", "state"],
      );
    });
}

function showCommand(datanets: Command, { ctxOf, json }: Cli): void {
  datanets
    .command("show <datanet>")
    .description("a Datanet's settings, pool and metadata")
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const d = await getDatanet(ctx.client, { contracts: ctx.contracts, datanetId: datanetArg(id) });
      let metadata: unknown = null;
      try {
        metadata = parseDatanetMetadata(await ctx.ipfs.get(d.metadataCid, { maxBytes: 64 * 1024, signal: AbortSignal.timeout(3_000) }));
      } catch {
        metadata = null;
      }
      const fields = {
        id: d.id,
        owner: d.owner,
        modality: modalityName(d.modality),
        formats: formatsOfMask(d.formats).map(formatName).join(", "),
        state: d.paused ? "paused" : "open",
        pool: open(d.pool),
        ...(d.poolUnlocksAt ? { "pool withdrawable from": new Date(d.poolUnlocksAt * 1000).toISOString() } : {}),
        submissions: d.submissions,
        "max file size": formatBytes(d.limits.maxFileSize),
        "daily bytes": formatBytes(d.limits.dailyBytes),
        "daily files": d.limits.dailyFiles,
        deposit: open(d.limits.deposit),
        reward: open(d.limits.reward),
        "validator reward": open(d.limits.validatorReward),
        "commit window": `${d.rules.commitWindow} s`,
        "reveal window": `${d.rules.revealWindow} s`,
        quorum: open(d.rules.quorum),
        threshold: `${d.rules.thresholdBps / 100} %`,
        "validators per decision": `at least ${d.rules.minValidators}`,
        ...(d.pendingOwner ? { "offered to": d.pendingOwner } : {}),
        "terms version": d.termsVersion,
        metadata: d.metadataCid.toString(),
      };
      if (json(cmd)) return printJson({ ...d, metadata });
      printFields(fields);
      if (metadata) printFields(Object.fromEntries(Object.entries(metadata as Record<string, unknown>).map(([k, v]) => [`  ${k}`, typeof v === "string" ? v : JSON.stringify(v)])));
    });
}

function createCommand(datanets: Command, { ctxOf, json }: Cli): void {
  datanets
    .command("create")
    .description("create a Datanet (you own it); its metadata document goes to IPFS")
    .requiredOption("--name <name>", "name shown to contributors")
    .requiredOption("--modality <modality>", "text, image or audio (fixed for ever)")
    .option("--formats <list>", "allowed formats, comma-separated (default: all of the modality)")
    .option("--description <text>", "what data the Datanet wants", "")
    .option("--license <spdx>", "license contributions are made under", "CC-BY-4.0")
    .option("--schema <text>", "for jsonl/csv: the fields or columns each row must have")
    .option("--reward <open>", "OPEN credited per accepted contribution", "0")
    .option("--validator-reward <open>", "OPEN shared by the validators who vote with the outcome", "0")
    .option("--deposit <open>", "OPEN deposited per submission, forfeited on rejection", "0")
    .option("--max-file-size <bytes>", "bytes per file (0 = protocol cap)", "0")
    .option("--daily-bytes <bytes>", "bytes per contributor per UTC day (0 = protocol quota)", "0")
    .option("--daily-files <n>", "files per contributor per UTC day (0 = protocol quota)", "0")
    .option("--commit-window <seconds>", "commit window (0 = default)", "0")
    .option("--reveal-window <seconds>", "reveal window (0 = default)", "0")
    .option("--quorum <open>", "minimum revealed stake for a decision (0 = minimum stake)", "0")
    .option("--threshold <percent>", "approvals needed, percent of revealed stake (0 = two thirds)", "0")
    .option("--min-validators <n>", "distinct validators whose revealed votes a decision needs (0 = 3)", "0")
    .action(async (o: Record<string, string>, cmd: Command) => {
      const modality = parseModality(o.modality!);
      if (modality === undefined) throw new UsageError(`--modality must be text, image or audio, got "${o.modality}"`);
      const formats: Format[] = o.formats
        ? list(o.formats).map((f) => {
            const format = parseFormat(f);
            if (format === undefined) throw new UsageError(`unknown format "${f}"`);
            if (!MODALITY_FORMATS[modality].includes(format)) {
              throw new UsageError(`${f} is not a ${o.modality} format; ${o.modality} allows ${MODALITY_FORMATS[modality].map(formatName).join(", ")}`);
            }
            return format;
          })
        : [...MODALITY_FORMATS[modality]];
      const threshold = Number(o.threshold);
      if (!(threshold >= 0 && threshold <= 100)) throw new UsageError(`--threshold must be a percentage from 0 to 100, got ${o.threshold}`);
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const document = encodeDatanetMetadata({ name: o.name!, description: o.description!, license: o.license!, ...(o.schema ? { schema: o.schema } : {}), modality: MODALITY_NAMES[modality], formats: formats.map(formatName) });
      const metadataCid = await ctx.ipfs.add(document);
      const sent = await createDatanet(wallet, {
        contracts: ctx.contracts,
        modality,
        formats,
        metadata: metadataCid,
        limits: {
          maxFileSize: int(o.maxFileSize!, "--max-file-size"),
          dailyBytes: int(o.dailyBytes!, "--daily-bytes"),
          dailyFiles: int(o.dailyFiles!, "--daily-files"),
          deposit: amount(o.deposit!, "--deposit"),
          reward: amount(o.reward!, "--reward"),
          validatorReward: amount(o.validatorReward!, "--validator-reward"),
        },
        rules: {
          commitWindow: int(o.commitWindow!, "--commit-window"),
          revealWindow: int(o.revealWindow!, "--reveal-window"),
          quorum: amount(o.quorum!, "--quorum"),
          thresholdBps: Math.round(threshold * 100),
          minValidators: int(o.minValidators!, "--min-validators"),
        },
      });
      if (json(cmd)) return printJson({ datanetId: sent.result.datanetId, metadataCid: metadataCid.toString(), transaction: sent.hash });
      console.log(`Created Datanet ${sent.result.datanetId} "${o.name}" (${o.modality}: ${formats.map(formatName).join(", ")}); metadata ${metadataCid}; tx ${sent.hash}`);
    });
}

function fundCommand(datanets: Command, { ctxOf, json }: Cli): void {
  datanets
    .command("fund <datanet> <amount>")
    .description("add OPEN to a Datanet's reward pool (with a signed permit in the same transaction when the allowance is short)")
    .addOption(approveByOption())
    .action(async (id: string, value: string, o: { approveBy: ApproveBy }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await fundDatanet(await ctx.wallet(), { contracts: ctx.contracts, datanetId: datanetArg(id), amount: amount(value), approveBy: o.approveBy });
      if (json(cmd)) return printJson({ pool: sent.result.pool, transaction: sent.hash });
      console.log(`Funded Datanet ${id} with ${value} OPEN; the pool holds ${open(sent.result.pool)} (tx ${sent.hash})`);
    });
}

/** The pool of a paused Datanet, once files submitted before the pause had their review and were paid. */
function withdrawCommand(datanets: Command, { ctxOf, json }: Cli): void {
  datanets
    .command("withdraw <datanet> <amount>")
    .description("take OPEN out of your paused Datanet's pool (from a review and one reveal window after the pause)")
    .option("--to <address>", "where the OPEN goes (default: your account)")
    .action(async (id: string, value: string, o: { to?: string }, cmd: Command) => {
      if (o.to !== undefined && !isAddress(o.to, { strict: false })) throw new UsageError(`--to must be an address (0x and 40 hex digits), got "${o.to}"`);
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const to = o.to ? getAddress(o.to) : wallet.account.address;
      const sent = await withdrawPool(wallet, { contracts: ctx.contracts, datanetId: datanetArg(id), amount: amount(value), to });
      if (json(cmd)) return printJson({ datanetId: Number(id), to, pool: sent.result.pool, transaction: sent.hash });
      console.log(`Withdrew ${value} OPEN from Datanet ${id}'s pool to ${to}; the pool holds ${open(sent.result.pool)} (tx ${sent.hash})`);
    });
}

function pauseResumeCommand(datanets: Command, { ctxOf, json }: Cli): void {
  for (const [name, paused] of [["pause", true], ["resume", false]] as const) {
    datanets
      .command(`${name} <datanet>`)
      .description(paused ? "stop new submissions (reviews, finalisation and claims go on)" : "take submissions again")
      .action(async (id: string, _o, cmd: Command) => {
        const ctx = await ctxOf(cmd);
        const sent = await setDatanetPaused(await ctx.wallet(), { contracts: ctx.contracts, datanetId: datanetArg(id), paused });
        if (json(cmd)) return printJson({ datanetId: Number(id), paused, transaction: sent.hash });
        console.log(`Datanet ${id} is ${paused ? "paused" : "open"} (tx ${sent.hash})`);
      });
  }
}

function limitsCommand(datanets: Command, { ctxOf, json }: Cli): void {
  datanets
    .command("limits <datanet>")
    .description("change a Datanet's size cap, quotas, deposit and rewards (a new terms version)")
    .option("--reward <open>")
    .option("--validator-reward <open>")
    .option("--deposit <open>")
    .option("--max-file-size <bytes>")
    .option("--daily-bytes <bytes>")
    .option("--daily-files <n>")
    .action(async (id: string, o: Record<string, string | undefined>, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const limits = {
        ...(o.reward !== undefined ? { reward: amount(o.reward, "--reward") } : {}),
        ...(o.validatorReward !== undefined ? { validatorReward: amount(o.validatorReward, "--validator-reward") } : {}),
        ...(o.deposit !== undefined ? { deposit: amount(o.deposit, "--deposit") } : {}),
        ...(o.maxFileSize !== undefined ? { maxFileSize: int(o.maxFileSize, "--max-file-size") } : {}),
        ...(o.dailyBytes !== undefined ? { dailyBytes: int(o.dailyBytes, "--daily-bytes") } : {}),
        ...(o.dailyFiles !== undefined ? { dailyFiles: int(o.dailyFiles, "--daily-files") } : {}),
      };
      if (Object.keys(limits).length === 0) throw new UsageError("give at least one limit to change");
      const sent = await updateDatanetLimits(await ctx.wallet(), { contracts: ctx.contracts, datanetId: datanetArg(id), limits });
      if (json(cmd)) return printJson({ termsVersion: sent.result.termsVersion, transaction: sent.hash });
      console.log(`Datanet ${id} now has terms version ${sent.result.termsVersion} (tx ${sent.hash})`);
    });
}
