// `openledger`: the command-line client of the protocol, for every role.
//
// Exit codes: 0 done; 1 unexpected failure; 2 bad usage; 3 refused (a file check, a protocol rule,
// content that fails verification); 4 a service (chain or IPFS) could not be reached.
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { HttpRequestError, parseEther, type Address, type Hex } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import { getContractEvents } from "viem/actions";
import { modelRegistryAbi } from "@openledger/protocol";
import {
  chainTime,
  cidFromOnchain,
  claimAttribution,
  claimRewards,
  claimValidatorRewards,
  commitmentKeyOf,
  commitVotes,
  ContentVerificationError,
  contribute,
  ContributionStatus,
  createDatanet,
  fetchContribution,
  FileRejectedError,
  FilesRejectedError,
  finalizeContributions,
  formatName,
  formatsOfMask,
  fundDatanet,
  getAccount,
  getClaimableAttribution,
  getCommitment,
  getContribution,
  getDatanet,
  getDatanetCount,
  getLastCommittedSequence,
  getModel,
  getOpenBalance,
  getQuota,
  getStakePosition,
  IpfsError,
  isBytes32,
  listSubmissions,
  METHOD_NAMES,
  MODALITY_FORMATS,
  modalityName,
  OpenLedgerError,
  parseFormat,
  parseManifest,
  parseModality,
  payForModel,
  ProtocolError,
  randomSalt,
  registerModel,
  revealVotes,
  setDatanetPaused,
  sha256Hex,
  stake,
  STATUS_NAMES,
  SubmissionFailedError,
  toOnchainCid,
  unstake,
  updateDatanetLimits,
  withdrawStake,
  type DatanetInfo,
  type FileInput,
  type Format,
} from "../index.ts";
import { encryptKeystore } from "../node.ts";
import { createContext, DEFAULTS, ENV, loadKey, type Context, type GlobalOptions, type StoredVotes } from "./context.ts";
import { bytes, open, printFields, printJson, printTable, progressBar } from "./output.ts";

export const EXIT = { ok: 0, failure: 1, usage: 2, refused: 3, unreachable: 4 } as const;

class UsageError extends OpenLedgerError {
  override name = "UsageError";
}

// ─── parsing helpers ────────────────────────────────────────────────────────

function amount(text: string, what = "amount"): bigint {
  if (!/^\d+(\.\d{1,18})?$/.test(text)) throw new UsageError(`${what} must be a decimal number of OPEN (e.g. 10 or 2.5), got "${text}"`);
  return parseEther(text);
}

function int(text: string, what: string, min = 0): number {
  if (!/^\d+$/.test(text) || Number(text) < min) throw new UsageError(`${what} must be a whole number ≥ ${min}, got "${text}"`);
  return Number(text);
}

function datanetArg(text: string): number {
  return int(text, "the Datanet id", 1);
}

/** A contribution named by its CID (as the CLI prints it) or its 32-byte digest. */
function digestOf(text: string): Hex {
  if (isBytes32(text)) return text;
  try {
    return toOnchainCid(text).digest;
  } catch (error) {
    throw new UsageError(`"${text}" is neither a CID nor a 32-byte digest: ${(error as Error).message}`);
  }
}

function list(text: string | undefined): string[] {
  return (text ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

function when(date: Date | number): string {
  const d = typeof date === "number" ? new Date(date * 1000) : date;
  return d.toISOString().replace(".000Z", "Z");
}

function collectFiles(paths: string[]): string[] {
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

async function metadataName(ctx: Context, d: DatanetInfo): Promise<string> {
  try {
    const bytes = await ctx.ipfs.get(d.metadataCid, { maxBytes: 64 * 1024, signal: AbortSignal.timeout(2_000) });
    const meta = JSON.parse(new TextDecoder().decode(bytes)) as { name?: string };
    return meta.name ?? "";
  } catch {
    return "";
  }
}

// ─── the program ────────────────────────────────────────────────────────────

export function buildProgram(): Command {
  const program = new Command("openledger")
    .description("Command-line client of the OpenLedger protocol: Datanets, contributions, review, rewards and models.")
    .addOption(new Option("--rpc <url>", `chain JSON-RPC URL (env ${ENV.rpc})`).default(DEFAULTS.rpc))
    .addOption(new Option("--ipfs <url>", `Kubo RPC URL of an IPFS node (env ${ENV.ipfs})`).default(DEFAULTS.ipfs))
    .addOption(new Option("--deployment <file>", `deployment JSON (env ${ENV.deployment}; default protocol/deployments/<chainId>.json)`).default(process.env[ENV.deployment]))
    .addOption(new Option("--keystore <file>", `encrypted keystore to sign with (env ${ENV.keystore}); otherwise ${ENV.privateKey}`))
    .addOption(new Option("--home <dir>", `where the CLI keeps vote secrets (env ${ENV.home})`).default(DEFAULTS.home))
    .option("--json", "print JSON for scripts instead of tables")
    .showHelpAfterError()
    .exitOverride();

  const ctxOf = async (cmd: Command) => createContext(cmd.optsWithGlobals() as GlobalOptions);
  const json = (cmd: Command) => Boolean((cmd.optsWithGlobals() as GlobalOptions).json);

  // ── status and accounts ──
  program
    .command("status")
    .description("the chain, the contracts, the IPFS node and your account")
    .action(async (_opts, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const [block, time] = await Promise.all([ctx.client.getBlockNumber(), chainTime(ctx.client)]);
      let ipfs: string;
      try {
        ipfs = `${(await ctx.ipfs.version()).version} at ${ctx.options.ipfs}`;
      } catch (error) {
        ipfs = `unreachable (${(error as Error).message.split("\n")[0]})`;
      }
      const out: Record<string, unknown> = { chain: `${ctx.chain.id} at ${ctx.options.rpc}`, block: block.toString(), chainTime: when(time), ipfs, ...ctx.contracts };
      try {
        const address = await ctx.address();
        const [balance, account, position] = await Promise.all([
          getOpenBalance(ctx.client, { contracts: ctx.contracts, account: address }),
          getAccount(ctx.client, { contracts: ctx.contracts, account: address }),
          getStakePosition(ctx.client, { contracts: ctx.contracts, validator: address }),
        ]);
        Object.assign(out, {
          account: address,
          balance: open(balance),
          claimable: open(account.claimable),
          accepted: `${account.acceptedCount} contributions, ${bytes(account.acceptedBytes)}`,
          stake: `${open(position.active)} active, ${open(position.activating)} activating, ${open(position.unbonding)} unbonding`,
        });
      } catch (error) {
        if (!(error instanceof OpenLedgerError) || !/no key/.test(error.message)) throw error;
        out.account = "(no key configured)";
      }
      if (json(cmd)) printJson(out);
      else printFields(out);
    });

  const account = program.command("account").description("keys and keystores");
  account
    .command("new")
    .description("create a new key in an encrypted keystore file (password from OPENLEDGER_KEYSTORE_PASSWORD or a prompt)")
    .requiredOption("--out <file>", "where to write the keystore")
    .option("--import", `encrypt the key in ${ENV.privateKey} instead of a new one`)
    .action(async (opts: { out: string; import?: boolean }, cmd: Command) => {
      const key = opts.import ? await loadKey({ ...(cmd.optsWithGlobals() as GlobalOptions), keystore: undefined as never }) : generatePrivateKey();
      const password = process.env[ENV.password];
      if (!password) throw new UsageError(`set ${ENV.password} to the password for the new keystore`);
      const keystore = encryptKeystore(key, password);
      writeFileSync(opts.out, JSON.stringify(keystore, null, 2) + "\n", { mode: 0o600, flag: "wx" });
      const address = privateKeyToAccount(key).address;
      if (json(cmd)) printJson({ address, keystore: opts.out });
      else console.log(`Keystore for ${address} written to ${opts.out}. The key itself was never printed.`);
    });
  account
    .command("address")
    .description("the address of the configured key")
    .action(async (_o, cmd: Command) => {
      const address = privateKeyToAccount(await loadKey(cmd.optsWithGlobals() as GlobalOptions)).address;
      if (json(cmd)) printJson({ address });
      else console.log(address);
    });

  // ── Datanets ──
  const datanets = program.command("datanets").description("create, list, show, fund and pause Datanets");
  datanets
    .command("list")
    .description("every Datanet")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const count = await getDatanetCount(ctx.client, { contracts: ctx.contracts });
      const rows = [];
      for (let id = 1; id <= count; id++) {
        const d = await getDatanet(ctx.client, { contracts: ctx.contracts, datanetId: id });
        rows.push({ ...d, name: await metadataName(ctx, d) });
      }
      if (json(cmd)) return printJson(rows.map((d) => ({ ...d, metadataCid: d.metadataCid.toString(), formats: formatsOfMask(d.formats).map(formatName) })));
      printTable(
        rows.map((d) => [d.id, d.name, modalityName(d.modality), formatsOfMask(d.formats).map(formatName).join(","), open(d.pool), d.submissions, d.paused ? "paused" : "open"]),
        ["id", "name", "modality", "formats", "pool", "submissions", "state"],
      );
    });
  datanets
    .command("show <datanet>")
    .description("a Datanet's settings, pool and metadata")
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const d = await getDatanet(ctx.client, { contracts: ctx.contracts, datanetId: datanetArg(id) });
      let metadata: unknown = null;
      try {
        metadata = JSON.parse(new TextDecoder().decode(await ctx.ipfs.get(d.metadataCid, { maxBytes: 64 * 1024, signal: AbortSignal.timeout(3_000) })));
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
        submissions: d.submissions,
        "max file size": bytes(d.limits.maxFileSize),
        "daily bytes": bytes(d.limits.dailyBytes),
        "daily files": d.limits.dailyFiles,
        deposit: open(d.limits.deposit),
        reward: open(d.limits.reward),
        "validator reward": open(d.limits.validatorReward),
        "commit window": `${d.rules.commitWindow} s`,
        "reveal window": `${d.rules.revealWindow} s`,
        quorum: open(d.rules.quorum),
        threshold: `${d.rules.thresholdBps / 100} %`,
        "terms version": d.termsVersion,
        metadata: d.metadataCid.toString(),
      };
      if (json(cmd)) return printJson({ ...d, metadataCid: d.metadataCid.toString(), metadata });
      printFields(fields);
      if (metadata) printFields(Object.fromEntries(Object.entries(metadata as Record<string, unknown>).map(([k, v]) => [`  ${k}`, typeof v === "string" ? v : JSON.stringify(v)])));
    });
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
      const metadata = { name: o.name, description: o.description, license: o.license, ...(o.schema ? { schema: o.schema } : {}), modality: o.modality, formats: formats.map(formatName) };
      const metadataCid = await ctx.ipfs.add(new TextEncoder().encode(JSON.stringify(metadata, null, 2) + "\n"));
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
        },
      });
      if (json(cmd)) return printJson({ datanetId: sent.result.datanetId, metadataCid: metadataCid.toString(), transaction: sent.hash });
      console.log(`Created Datanet ${sent.result.datanetId} "${o.name}" (${o.modality}: ${formats.map(formatName).join(", ")}); metadata ${metadataCid}; tx ${sent.hash}`);
    });
  datanets
    .command("fund <datanet> <amount>")
    .description("add OPEN to a Datanet's reward pool (approves first when needed)")
    .action(async (id: string, value: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await fundDatanet(await ctx.wallet(), { contracts: ctx.contracts, datanetId: datanetArg(id), amount: amount(value) });
      if (json(cmd)) return printJson({ pool: sent.result.pool, transaction: sent.hash });
      console.log(`Funded Datanet ${id} with ${value} OPEN; the pool holds ${open(sent.result.pool)} (tx ${sent.hash})`);
    });
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

  // ── contributing ──
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
      if (result.outcomes.some((f) => f.status === "refused")) process.exitCode = EXIT.refused;
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

  // ── validators ──
  const validator = program.command("validator").description("stake, review (commit, reveal), finalise and earn");
  validator
    .command("stake <amount>")
    .description("stake OPEN (it votes after the activation delay)")
    .action(async (value: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await stake(await ctx.wallet(), { contracts: ctx.contracts, amount: amount(value) });
      if (json(cmd)) return printJson({ activeAt: sent.result.activeAt, transaction: sent.hash });
      console.log(`Staked ${value} OPEN; it votes from ${when(sent.result.activeAt)} (tx ${sent.hash})`);
    });
  validator
    .command("unstake <amount>")
    .description("start unbonding OPEN (withdraw after the unbonding period)")
    .action(async (value: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await unstake(await ctx.wallet(), { contracts: ctx.contracts, amount: amount(value) });
      if (json(cmd)) return printJson({ withdrawableAt: sent.result.withdrawableAt, transaction: sent.hash });
      console.log(`Unbonding ${value} OPEN; withdrawable from ${when(sent.result.withdrawableAt)} (tx ${sent.hash})`);
    });
  validator
    .command("withdraw")
    .description("withdraw stake whose unbonding is over")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await withdrawStake(await ctx.wallet(), { contracts: ctx.contracts });
      if (json(cmd)) return printJson({ amount: sent.result.amount, transaction: sent.hash });
      console.log(`Withdrew ${open(sent.result.amount)} (tx ${sent.hash})`);
    });
  validator
    .command("position")
    .description("your stake: active, activating, unbonding, open votes")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const p = await getStakePosition(ctx.client, { contracts: ctx.contracts, validator: await ctx.address() });
      if (json(cmd)) return printJson(p);
      printFields({
        eligible: `${open(p.eligible)} (minimum to vote ${open(p.minimumStake)})`,
        active: open(p.active),
        activating: `${open(p.activating)}${p.activating > 0n ? ` (votes from ${when(p.activeAt)})` : ""}`,
        unbonding: `${open(p.unbonding)}${p.unbonding > 0n ? ` (withdrawable from ${when(p.withdrawableAt)})` : ""}`,
        "open votes": p.openVotes,
      });
    });
  validator
    .command("pending <datanet>")
    .description("your work: contributions in their commit window you have not voted on, and commits to reveal")
    .action(async (id: string, _o, cmd: Command) => {
      const datanetId = datanetArg(id);
      const ctx = await ctxOf(cmd);
      const me = await ctx.address();
      const [d, now, last, subs] = await Promise.all([
        getDatanet(ctx.client, { contracts: ctx.contracts, datanetId }),
        chainTime(ctx.client),
        getLastCommittedSequence(ctx.client, { contracts: ctx.contracts, datanetId, validator: me }),
        listSubmissions(ctx.client, { contracts: ctx.contracts, datanetId, fromBlock: BigInt(ctx.deployment.startBlock ?? 0) }),
      ]);
      const toReview = [];
      for (const s of subs) {
        const c = await getContribution(ctx.client, { contracts: ctx.contracts, contributionId: s.contributionId });
        const closes = c.submittedAt + d.rules.commitWindow;
        if (c.status === ContributionStatus.Pending && now < closes && c.sequence > last) {
          toReview.push({ cid: s.cid, format: formatName(s.format), size: s.size, sequence: c.sequence, contributor: s.contributor, commitClosesAt: when(closes) });
        }
      }
      const toReveal = ctx.votes
        .all()
        .filter((v) => v.datanetId === datanetId && v.validator === me && v.state !== "revealed")
        .map((v) => ({ commitment: v.commitment, contributions: v.digests.length, state: v.state }));
      if (json(cmd)) return printJson({ toReview, toReveal });
      console.log(`To review in Datanet ${datanetId} (chain time ${when(now)}):`);
      if (toReview.length === 0) console.log("  nothing");
      else printTable(toReview.map((r) => [r.sequence, r.cid, r.format, bytes(r.size), r.commitClosesAt]), ["seq", "CID", "format", "size", "commit closes"]);
      console.log("\nCommits to reveal:");
      if (toReveal.length === 0) console.log("  nothing");
      else printTable(toReveal.map((r) => [r.commitment, r.contributions, r.state]), ["commitment", "contributions", "state"]);
    });
  validator
    .command("download <datanet> <cid>")
    .description("download a contribution, verify it against its CID and check its format")
    .option("--out <dir>", "folder to write it to", ".")
    .action(async (id: string, cidText: string, o: { out: string }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const fetched = await fetchContribution(ctx.client, { contracts: ctx.contracts, ipfs: ctx.ipfs, datanetId: datanetArg(id), digest: digestOf(cidText) });
      mkdirSync(o.out, { recursive: true });
      const file = path.join(o.out, `${fetched.cid}.${formatName(fetched.declaredFormat)}`);
      writeFileSync(file, fetched.bytes);
      const summary = { file, cid: fetched.cid.toString(), bytes: fetched.bytes.length, verified: true, declaredFormat: formatName(fetched.declaredFormat), formatCheck: fetched.check };
      if (json(cmd)) return printJson(summary);
      console.log(`Verified ${fetched.cid} (${bytes(fetched.bytes.length)}) and wrote ${file}`);
      console.log(fetched.check.ok ? `The bytes are a valid ${formatName(fetched.declaredFormat)} file.` : `Format check failed: ${fetched.check.reason}`);
    });
  validator
    .command("commit <datanet>")
    .description("commit sealed votes (the salt is kept in your vote folder until you reveal)")
    .option("--approve <cids>", "comma-separated CIDs (or digests) to approve")
    .option("--reject <cids>", "comma-separated CIDs (or digests) to reject")
    .action(async (id: string, o: { approve?: string; reject?: string }, cmd: Command) => {
      const datanetId = datanetArg(id);
      const votes = [...list(o.approve).map((c) => ({ digest: digestOf(c), approve: true })), ...list(o.reject).map((c) => ({ digest: digestOf(c), approve: false }))];
      if (votes.length === 0) throw new UsageError("give --approve and/or --reject with at least one contribution");
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      // Commits go in increasing submission order: sort by the chain's sequence numbers.
      const withSeq = await Promise.all(votes.map(async (v) => ({ ...v, info: await getContribution(ctx.client, { contracts: ctx.contracts, datanetId, digest: v.digest }) })));
      for (const v of withSeq) if (v.info.status === ContributionStatus.None) throw new UsageError(`${v.digest} is not a contribution of Datanet ${datanetId}`);
      withSeq.sort((a, b) => a.info.sequence - b.info.sequence);
      const digests = withSeq.map((v) => v.digest);
      const approvals = withSeq.map((v) => v.approve);
      const salt = randomSalt();
      const commitment = commitmentKeyOf(wallet.account.address, datanetId, digests);
      const record: StoredVotes = {
        commitment,
        chainId: ctx.chain.id,
        datanets: ctx.contracts.Datanets,
        validator: wallet.account.address,
        datanetId,
        digests,
        approvals,
        salt,
        weight: "0",
        state: "sending",
      };
      const file = ctx.votes.save(record);
      let sent: Awaited<ReturnType<typeof commitVotes>>;
      try {
        sent = await commitVotes(wallet, { contracts: ctx.contracts, datanetId, digests, approvals, salt });
      } catch (error) {
        // A refused commit (found by the simulation, or reverted) recorded nothing: drop its secret.
        if (error instanceof ProtocolError) rmSync(file, { force: true });
        throw error;
      }
      ctx.votes.save({ ...record, weight: sent.result.weight, state: "committed", committedAt: new Date().toISOString() });
      if (json(cmd)) return printJson({ commitment, weight: sent.result.weight, voteFile: file, transaction: sent.hash });
      console.log(`Committed ${digests.length} vote(s) as ${commitment} with weight ${open(BigInt(sent.result.weight))} (tx ${sent.hash}).`);
      console.log(`The votes and salt are in ${file}: keep it until you reveal (\`openledger validator reveal ${datanetId}\`).`);
    });
  validator
    .command("reveal <datanet>")
    .description("reveal every commitment of yours whose reveal window is open")
    .option("--commitment <key>", "only this commitment")
    .action(async (id: string, o: { commitment?: string }, cmd: Command) => {
      const datanetId = datanetArg(id);
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const d = await getDatanet(ctx.client, { contracts: ctx.contracts, datanetId });
      const now = await chainTime(ctx.client);
      const results: { commitment: string; outcome: string }[] = [];
      for (const v of ctx.votes.all()) {
        if (v.datanetId !== datanetId || v.validator !== wallet.account.address || v.state === "revealed") continue;
        if (o.commitment && v.commitment.toLowerCase() !== o.commitment.toLowerCase()) continue;
        const onchain = await getCommitment(ctx.client, { contracts: ctx.contracts, commitment: v.commitment });
        if (onchain.state !== "committed") {
          results.push({ commitment: v.commitment, outcome: `not open on chain (${onchain.state})` });
          if (onchain.state === "revealed") ctx.votes.save({ ...v, state: "revealed" });
          continue;
        }
        const submitted = await Promise.all(v.digests.map((digest) => getContribution(ctx.client, { contracts: ctx.contracts, datanetId, digest })));
        const opensAt = Math.max(...submitted.map((c) => c.submittedAt)) + d.rules.commitWindow;
        const closesAt = Math.min(...submitted.map((c) => c.submittedAt)) + d.rules.commitWindow + d.rules.revealWindow;
        if (now < opensAt) {
          results.push({ commitment: v.commitment, outcome: `reveal opens at ${when(opensAt)}` });
          continue;
        }
        if (now >= closesAt) {
          results.push({ commitment: v.commitment, outcome: `reveal window closed at ${when(closesAt)}` });
          continue;
        }
        const sent = await revealVotes(wallet, { contracts: ctx.contracts, datanetId, digests: v.digests, approvals: v.approvals, salt: v.salt });
        ctx.votes.save({ ...v, state: "revealed", revealedAt: new Date().toISOString() });
        results.push({ commitment: v.commitment, outcome: `revealed (tx ${sent.hash})` });
      }
      if (json(cmd)) return printJson(results);
      if (results.length === 0) console.log("No commitments to reveal.");
      else printTable(results.map((r) => [r.commitment, r.outcome]), ["commitment", "outcome"]);
    });
  validator
    .command("finalize <datanet> [cids...]")
    .description("finalise contributions whose review is over (anyone may); without CIDs, every one that is due")
    .action(async (id: string, cids: string[], _o, cmd: Command) => {
      const datanetId = datanetArg(id);
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      let digests: Hex[];
      if (cids.length > 0) digests = cids.map(digestOf);
      else {
        const [d, now, subs] = await Promise.all([
          getDatanet(ctx.client, { contracts: ctx.contracts, datanetId }),
          chainTime(ctx.client),
          listSubmissions(ctx.client, { contracts: ctx.contracts, datanetId, fromBlock: BigInt(ctx.deployment.startBlock ?? 0) }),
        ]);
        digests = [];
        const seen = new Set<string>();
        for (const s of subs) {
          if (seen.has(s.digest)) continue;
          seen.add(s.digest);
          const c = await getContribution(ctx.client, { contracts: ctx.contracts, contributionId: s.contributionId });
          if (c.status === ContributionStatus.Pending && now >= c.submittedAt + d.rules.commitWindow + d.rules.revealWindow) digests.push(s.digest);
        }
      }
      if (digests.length === 0) {
        if (json(cmd)) return printJson([]);
        return console.log("Nothing is due for finalisation.");
      }
      const out = [];
      for (let i = 0; i < digests.length; i += 256) {
        const sent = await finalizeContributions(wallet, { contracts: ctx.contracts, datanetId, digests: digests.slice(i, i + 256) });
        out.push(...sent.result);
      }
      if (json(cmd)) return printJson(out);
      printTable(
        out.map((f) => [f.contributionId, f.status, open(f.approveStake), open(f.rejectStake), open(f.reward)]),
        ["contribution", "outcome", "approve stake", "reject stake", "reward"],
      );
    });
  validator
    .command("claim <datanet>")
    .description("credit your validator rewards for revealed commitments whose contributions are final")
    .action(async (id: string, _o, cmd: Command) => {
      const datanetId = datanetArg(id);
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const out = [];
      for (const v of ctx.votes.all()) {
        if (v.datanetId !== datanetId || v.validator !== wallet.account.address) continue;
        const onchain = await getCommitment(ctx.client, { contracts: ctx.contracts, commitment: v.commitment });
        if (onchain.state !== "revealed" || onchain.rewardsClaimed) continue;
        const statuses = await Promise.all(v.digests.map((digest) => getContribution(ctx.client, { contracts: ctx.contracts, datanetId, digest })));
        if (statuses.some((c) => c.status === ContributionStatus.Pending)) {
          out.push({ commitment: v.commitment, outcome: "waiting: not every contribution is final" });
          continue;
        }
        const sent = await claimValidatorRewards(wallet, { contracts: ctx.contracts, datanetId, digests: v.digests });
        out.push({ commitment: v.commitment, outcome: `credited ${open(sent.result.amount)}` });
      }
      if (json(cmd)) return printJson(out);
      if (out.length === 0) console.log("No validator rewards to credit.");
      else printTable(out.map((r) => [r.commitment, r.outcome]), ["commitment", "outcome"]);
      console.log("Credited rewards are paid out with `openledger rewards claim`.");
    });

  // ── rewards ──
  const rewards = program.command("rewards").description("what you earned, and claiming it");
  rewards
    .command("show")
    .description("claimable OPEN and your accepted work")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const me = await ctx.address();
      const [a, balance] = await Promise.all([getAccount(ctx.client, { contracts: ctx.contracts, account: me }), getOpenBalance(ctx.client, { contracts: ctx.contracts, account: me })]);
      if (json(cmd)) return printJson({ account: me, ...a, balance });
      printFields({ account: me, claimable: open(a.claimable), "accepted contributions": a.acceptedCount, "accepted bytes": bytes(a.acceptedBytes), balance: open(balance) });
    });
  rewards
    .command("claim")
    .description("pay out everything credited to you (rewards, refunds, validator rewards)")
    .option("--to <address>", "pay to another address")
    .action(async (o: { to?: Address }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await claimRewards(await ctx.wallet(), { contracts: ctx.contracts, ...(o.to ? { to: o.to } : {}) });
      if (json(cmd)) return printJson({ amount: sent.result.amount, transaction: sent.hash });
      console.log(`Claimed ${open(sent.result.amount)} (tx ${sent.hash})`);
    });

  // ── models ──
  const models = program.command("models").description("register, list, pay for models and claim attribution");
  const registered = async (ctx: Context) => {
    const logs = await getContractEvents(ctx.client, {
      address: ctx.contracts.ModelRegistry,
      abi: modelRegistryAbi,
      eventName: "ModelRegistered",
      fromBlock: BigInt(ctx.deployment.startBlock ?? 0),
    });
    return logs.map((l) => ({ id: l.args.modelId!, trainer: l.args.trainer!, spec: l.args.spec! }));
  };
  models
    .command("list")
    .description("every registered model")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const all = await registered(ctx);
      const rows = all.map((m) => ({
        id: m.id,
        trainer: m.trainer,
        baseModel: m.spec.baseModel,
        method: METHOD_NAMES[m.spec.method],
        datanets: m.spec.datanetIds.join(","),
        artifact: cidFromOnchain(m.spec.artifactDigest, m.spec.artifactCodec).toString(),
        parent: m.spec.parentId,
      }));
      if (json(cmd)) return printJson(rows);
      printTable(rows.map((r) => [r.id, r.baseModel, r.method, r.datanets, r.parent || "", r.artifact]), ["id", "base model", "method", "datanets", "parent", "artifact"]);
    });
  models
    .command("show <model>")
    .description("a model's registration and fees")
    .action(async (idText: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const id = BigInt(int(idText, "the model id", 1));
      const [info, all] = await Promise.all([getModel(ctx.client, { contracts: ctx.contracts, modelId: id }), registered(ctx)]);
      const spec = all.find((m) => m.id === id)?.spec;
      const out = {
        id,
        trainer: info.trainer,
        "base model": spec?.baseModel,
        method: METHOD_NAMES[info.method],
        datanets: spec?.datanetIds.join(", "),
        parent: info.parentId || "none",
        artifact: spec ? cidFromOnchain(spec.artifactDigest, spec.artifactCodec).toString() : "",
        "artifact sha256": info.artifactSha256,
        manifest: spec ? cidFromOnchain(spec.manifestDigest, spec.manifestCodec).toString() : "",
        "dataset root": info.datasetRoot,
        "total weight": info.totalWeight,
        "contributor fees": open(info.contributorFees),
        "attribution paid": open(info.attributionPaid),
      };
      if (json(cmd)) return printJson({ ...info, spec });
      printFields(out);
    });
  models
    .command("register")
    .description("upload an artifact and its dataset manifest to IPFS and register the model (TRAINER_ROLE)")
    .requiredOption("--artifact <file>", "the adapter or weights file")
    .requiredOption("--manifest <file>", "the dataset manifest (JSON, see sdk/README.md#manifests)")
    .requiredOption("--base-model <name>", "the base model's name")
    .requiredOption("--base-weights-sha256 <hex>", "sha256 of the base model's weights")
    .option("--method <method>", "lora, qlora or full", "lora")
    .requiredOption("--config <file>", "the full training configuration (its sha256 is registered)")
    .option("--parent <id>", "the model this one refines", "0")
    .action(async (o: Record<string, string>, cmd: Command) => {
      const method = (METHOD_NAMES as readonly string[]).indexOf(o.method!);
      if (method < 0) throw new UsageError(`--method must be lora, qlora or full, got "${o.method}"`);
      if (!isBytes32(o.baseWeightsSha256!)) throw new UsageError("--base-weights-sha256 must be 0x and 64 hex digits");
      const manifestBytes = new Uint8Array(readFileSync(o.manifest!));
      const manifest = parseManifest(manifestBytes);
      const artifact = new Uint8Array(readFileSync(o.artifact!));
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const artifactCid = await ctx.ipfs.add(artifact);
      const manifestCid = await ctx.ipfs.add(manifestBytes);
      const sent = await registerModel(wallet, {
        contracts: ctx.contracts,
        baseModel: o.baseModel!,
        baseWeightsHash: o.baseWeightsSha256 as Hex,
        method: method as 0 | 1 | 2,
        configHash: await sha256Hex(new Uint8Array(readFileSync(o.config!))),
        artifactCid,
        artifactSha256: await sha256Hex(artifact),
        datanetIds: manifest.datanetIds,
        datasetRoot: manifest.root,
        totalWeight: BigInt(manifest.totalWeight),
        manifestCid,
        parentId: BigInt(int(o.parent!, "--parent")),
      });
      if (json(cmd)) return printJson({ modelId: sent.result.modelId, artifactCid: artifactCid.toString(), manifestCid: manifestCid.toString(), transaction: sent.hash });
      console.log(`Registered model ${sent.result.modelId}: artifact ${artifactCid}, manifest ${manifestCid} (tx ${sent.hash})`);
    });
  models
    .command("pay <model> <amount>")
    .description("pay OPEN for a model; the contributors' share flows to the data that trained it")
    .action(async (idText: string, value: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await payForModel(await ctx.wallet(), { contracts: ctx.contracts, modelId: BigInt(int(idText, "the model id", 1)), amount: amount(value) });
      if (json(cmd)) return printJson({ ...sent.result, transaction: sent.hash });
      console.log(`Paid ${value} OPEN: trainer ${open(sent.result.trainerShare)}, protocol ${open(sent.result.protocolShare)}, contributors ${open(sent.result.contributorsShare)} (tx ${sent.hash})`);
    });
  models
    .command("claim <model>")
    .description("claim attribution for your contributions in a model's dataset (the manifest comes from IPFS)")
    .option("--contribution <id>", "only this contribution id")
    .action(async (idText: string, o: { contribution?: Hex }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const modelId = BigInt(int(idText, "the model id", 1));
      const spec = (await registered(ctx)).find((m) => m.id === modelId)?.spec;
      if (!spec) throw new ProtocolError("ModelNotFound", [modelId]);
      const manifest = parseManifest(await ctx.ipfs.get(cidFromOnchain(spec.manifestDigest, spec.manifestCodec), { maxBytes: 64 * 1024 * 1024 }));
      const mine = manifest.leaves.filter((l) =>
        o.contribution ? l.contributionId.toLowerCase() === o.contribution.toLowerCase() : l.contributor.toLowerCase() === wallet.account.address.toLowerCase(),
      );
      const out = [];
      for (const leaf of mine) {
        const claimable = await getClaimableAttribution(ctx.client, { contracts: ctx.contracts, modelId, manifest, contributionId: leaf.contributionId });
        if (claimable === 0n) {
          out.push({ contributionId: leaf.contributionId, outcome: "nothing new" });
          continue;
        }
        const sent = await claimAttribution(wallet, { contracts: ctx.contracts, modelId, manifest, contributionId: leaf.contributionId });
        out.push({ contributionId: leaf.contributionId, outcome: `paid ${open(sent.result.amount)} to ${sent.result.contributor}` });
      }
      if (json(cmd)) return printJson(out);
      if (out.length === 0) console.log(`No leaf of model ${modelId} names ${o.contribution ?? wallet.account.address}.`);
      else printTable(out.map((r) => [r.contributionId, r.outcome]), ["contribution", "outcome"]);
    });

  return program;
}

/** Maps an error to an exit code and a message for people. */
export function report(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
    return EXIT.usage;
  }
  const print = (message: string) => process.stderr.write(`✖ ${message}\n`);
  if (error instanceof UsageError) {
    print(error.shortMessage);
    return EXIT.usage;
  }
  if (error instanceof FilesRejectedError) {
    print(error.shortMessage);
    for (const r of error.rejections) process.stderr.write(`  - ${r.file}: ${r.reason} [${r.rule}]\n`);
    return EXIT.refused;
  }
  if (error instanceof FileRejectedError || error instanceof ProtocolError || error instanceof ContentVerificationError) {
    print(error.shortMessage);
    return EXIT.refused;
  }
  if (error instanceof SubmissionFailedError) {
    print(error.shortMessage);
    if (error.details) process.stderr.write(`  ${error.details}\n`);
    return error.cause instanceof ProtocolError ? EXIT.refused : EXIT.failure;
  }
  if (error instanceof IpfsError || error instanceof HttpRequestError || (error instanceof OpenLedgerError && /cannot reach/.test(error.message))) {
    print(error instanceof OpenLedgerError ? error.shortMessage : (error as Error).message.split("\n")[0]!);
    if (error instanceof OpenLedgerError && error.details) process.stderr.write(`  ${error.details}\n`);
    return EXIT.unreachable;
  }
  if (error instanceof OpenLedgerError) {
    print(error.shortMessage);
    if (error.details) process.stderr.write(`  ${error.details}\n`);
    return EXIT.failure;
  }
  print(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT.failure;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await main(process.argv.slice(2)));
}
