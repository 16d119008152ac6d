// The `openledger` command line, run as a user runs it (a child process per command), against a
// real Hardhat node and the embedded IPFS node: every role's commands, the full life of a
// contribution for each modality, refusals with their exit codes, keystores.
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther } from "viem";
import { buildManifest, computeCid, contributionIdOf, datasetRoot, getContribution, getOpenBalance, toOnchainCid, FORMAT_NAMES, formatName, getDatanet, getQuota, MODALITY_FORMATS, Modality, MODALITY_NAMES } from "../src/index.ts";
import { modelRegistryAbi } from "@openledger/protocol";
import { png, sampleFile, wav } from "../src/samples.ts";
import { DEVELOPMENT_PARAMETERS, startTestStack, type TestStack } from "@openledger/testkit";

// The launcher a user runs (`npm run openledger`, `npx openledger`): it builds the CLI's bundle from
// the sources on the first call after a change and loads it, about 0.13 s a call against 0.48 s for
// the type-stripped sources.
const CLI = path.resolve(import.meta.dirname, "..", "bin", "openledger.mjs");

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  json<T = unknown>(): T;
}

function cli(args: string[], options: { as?: number; env?: Record<string, string> } = {}): Promise<Run> {
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    OPENLEDGER_RPC_URL: stack.chain.rpcUrl,
    IPFS_URL: stack.ipfsNode.url,
    OPENLEDGER_DEPLOYMENT: stack.deploymentFile,
    OPENLEDGER_HOME: path.join(stack.dir, `home-${options.as ?? "none"}`),
  };
  delete env.OPENLEDGER_PRIVATE_KEY;
  delete env.OPENLEDGER_CLI_SOURCES;
  Object.assign(env, options.env);
  if (options.as !== undefined) env.OPENLEDGER_PRIVATE_KEY = stack.key(options.as);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (code) =>
      resolve({
        code: code ?? -1,
        stdout,
        stderr,
        json<T>() {
          try {
            return JSON.parse(stdout) as T;
          } catch {
            throw new Error(`not JSON (exit ${code}):\n${stdout}\n${stderr}`);
          }
        },
      }),
    );
  });
}

async function ok(args: string[], as?: number): Promise<Run> {
  const run = await cli(args, as === undefined ? {} : { as });
  if (run.code !== 0) throw new Error(`openledger ${args.join(" ")} exited ${run.code}\n${run.stdout}\n${run.stderr}`);
  return run;
}

const [OWNER, CONTRIBUTOR, V1, V2, V3, PAYER] = [1, 2, 3, 4, 5, 6];

describe("the openledger CLI", () => {
  const datanets: Record<number, number> = {};
  const cids: Record<number, string[]> = {};

  it("prints the status of the chain, the contracts and the IPFS node", async () => {
    type Amount = { wei: string; open: string };
    const status = (await ok(["status", "--json"], CONTRIBUTOR)).json<{
      chain: { id: number; block: string; time: string };
      ipfs: { url: string; version: string | null };
      contracts: Record<string, string>;
      account: { address: string; balance: Amount; stake: { active: Amount } };
    }>();
    expect(status.chain.id).toBe(31337);
    expect(status.chain.time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(status.contracts.Datanets).toBe(stack.contracts.Datanets);
    expect(status.ipfs.url).toBe(stack.ipfsNode.url);
    expect(status.ipfs.version).toEqual(expect.any(String));
    expect(status.account.balance).toEqual({ wei: parseEther("100000").toString(), open: "100000" });
    expect(status.account.stake.active).toEqual({ wei: "0", open: "0" });
    const human = await ok(["status"], CONTRIBUTOR);
    expect(human.stdout).toMatch(/balance\s+100000 OPEN/);
    expect(human.stdout).not.toContain(stack.key(CONTRIBUTOR).slice(2));
  });

  it("creates, funds and lists a Datanet of each modality", async () => {
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const name = MODALITY_NAMES[modality];
      const created = (
        await ok(
          ["datanets", "create", "--name", `${name} set`, "--modality", name, "--reward", "10", "--validator-reward", "3", "--commit-window", "600", "--reveal-window", "600", "--json"],
          OWNER,
        )
      ).json<{ datanetId: number; metadataCid: string }>();
      datanets[modality] = created.datanetId;
      const funded = (await ok(["datanets", "fund", String(created.datanetId), "500", "--json"], OWNER)).json<{ pool: { wei: string; open: string } }>();
      expect(funded.pool).toEqual({ wei: parseEther("500").toString(), open: "500" });
    }
    const list = await ok(["datanets", "list"]);
    expect(list.stdout).toMatch(/1\s+text set\s+text\s+txt,md,pdf,docx,jsonl,csv\s+500 OPEN\s+0\s+open/);
    expect(list.stdout).toMatch(/3\s+audio set\s+audio\s+wav,mp3,flac/);
    const show = (await ok(["datanets", "show", "2", "--json"])).json<{ metadata: { name: string; license: string }; modality: string; formats: string[]; limits: { reward: { open: string } } }>();
    expect(show.metadata).toMatchObject({ name: "image set", license: "CC-BY-4.0" });
    // One JSON shape: names instead of codes and bitmasks, amounts in wei beside OPEN.
    expect(show.modality).toBe("image");
    expect(show.formats).toEqual(["png", "jpeg", "webp", "tiff", "bmp"]);
    expect(show.limits.reward.open).toBe("10");
  });

  it("funds with a permit in the funding's own transaction by default, or approves first with --approve-by transaction", async () => {
    const owner = stack.wallet(OWNER).account.address;
    const nonce = () => stack.client.getTransactionCount({ address: owner });
    const id = String(datanets[Modality.Image]);
    let before = await nonce();
    await ok(["datanets", "fund", id, "5"], OWNER);
    expect(await nonce()).toBe(before + 1);
    before = await nonce();
    await ok(["datanets", "fund", id, "5", "--approve-by", "transaction"], OWNER);
    expect(await nonce()).toBe(before + 2);
    const bad = await cli(["datanets", "fund", id, "5", "--approve-by", "later"], { as: OWNER });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/argument 'later' is invalid. Allowed choices are permit, transaction/);
  });

  it("hands a Datanet over in two steps: offered, then accepted by the offered account only", async () => {
    const audio = String(datanets[Modality.Audio]);
    const to = stack.wallet(CONTRIBUTOR).account.address;
    expect((await ok(["datanets", "transfer", audio, to], OWNER)).stdout).toMatch(/offered to .*you stay the owner until it accepts/);
    const offered = (await ok(["datanets", "show", audio, "--json"])).json<{ owner: string; pendingOwner: string }>();
    expect(offered.pendingOwner).toBe(to);
    expect(offered.owner).toBe(stack.wallet(OWNER).account.address);
    const refused = await cli(["datanets", "accept", audio], { as: PAYER });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/was offered to .*only the offered account can accept it/);
    await ok(["datanets", "accept", audio], CONTRIBUTOR);
    // And back, so that the owner's later steps still hold.
    await ok(["datanets", "transfer", audio, stack.wallet(OWNER).account.address], CONTRIBUTOR);
    await ok(["datanets", "accept", audio], OWNER);
    expect((await ok(["datanets", "show", audio, "--json"])).json<{ owner: string }>().owner).toBe(stack.wallet(OWNER).account.address);
  });

  it("stakes validators", async () => {
    for (const v of [V1, V2, V3]) {
      const staked = await ok(["validator", "stake", "2000"], v);
      expect(staked.stdout).toMatch(/Staked 2000 OPEN; it votes from/);
    }
    await stack.advance(3_601);
    const position = (await ok(["validator", "position", "--json"], V1)).json<{ eligible: { wei: string } }>();
    expect(position.eligible.wei).toBe(parseEther("2000").toString());
  });

  it("contributes a folder of real files per modality, with per-file outcomes and the quota left", async () => {
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const folder = path.join(stack.dir, `files-${modality}`);
      mkdirSync(folder, { recursive: true });
      for (const f of MODALITY_FORMATS[modality]) writeFileSync(path.join(folder, `sample.${formatName(f)}`), sampleFile(formatName(f), 40 + f));
      const run = await ok(["contribute", String(datanets[modality]), folder], CONTRIBUTOR);
      expect(run.stdout).toMatch(/file\s+outcome\s+format\s+size\s+CID \/ reason/);
      expect(run.stdout).toMatch(/Today's quota left in Datanet \d+: \d+ files/);
      expect(run.stdout.match(/submitted/g)?.length).toBe(MODALITY_FORMATS[modality].length);
      const q = (await ok(["quota", String(datanets[modality]), "--json"], CONTRIBUTOR)).json<{ datanetFilesUsed: number }>();
      expect(q.datanetFilesUsed).toBe(MODALITY_FORMATS[modality].length);
      cids[modality] = await Promise.all(MODALITY_FORMATS[modality].map(async (f) => (await computeCid(sampleFile(formatName(f), 40 + f))).toString()));
    }
  });

  it("lists each validator's work, downloads and verifies, commits sealed votes", async () => {
    for (const v of [V1, V2, V3]) {
      for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
        const id = String(datanets[modality]);
        const pending = (await ok(["validator", "pending", id, "--json"], v)).json<{ toReview: { cid: string }[] }>();
        expect(pending.toReview.map((r) => r.cid).sort()).toEqual([...cids[modality]!].sort());
        const out = path.join(stack.dir, `review-${v}`);
        const downloaded = (await ok(["validator", "download", id, cids[modality]![0]!, "--out", out, "--json"], v)).json<{ file: string; verified: boolean; formatCheck: { ok: boolean } }>();
        expect(downloaded.verified).toBe(true);
        expect(downloaded.formatCheck.ok).toBe(true);
        expect(new Uint8Array(readFileSync(downloaded.file))).toEqual(sampleFile(formatName(MODALITY_FORMATS[modality][0]!), 40 + MODALITY_FORMATS[modality][0]!));
        // Everyone approves all but the last file; two of three reject the last.
        const all = cids[modality]!;
        const last = all[all.length - 1]!;
        const args = v === V3 ? ["--approve", all.join(",")] : ["--approve", all.slice(0, -1).join(","), "--reject", last];
        const committed = (await ok(["validator", "commit", id, ...args, "--json"], v)).json<{ commitment: string; voteFile: string }>();
        const stored = JSON.parse(readFileSync(committed.voteFile, "utf8")) as { state: string; salt: string };
        expect(stored.state).toBe("committed");
        expect(stored.salt).toMatch(/^0x[0-9a-f]{64}$/);
        if (v === V1 && modality === Modality.Text) {
          // The same command again is idempotent: nothing is sent and the secret is untouched.
          const fileBefore = readFileSync(committed.voteFile, "utf8");
          const again = (await ok(["validator", "commit", id, ...args, "--json"], v)).json<{ alreadyCommitted: boolean; transaction: string | null }>();
          expect(again).toMatchObject({ alreadyCommitted: true, transaction: null });
          expect(readFileSync(committed.voteFile, "utf8")).toBe(fileBefore);
        }
      }
    }
  });

  it("reveals when the window opens, finalises, and claims rewards", async () => {
    const early = (await ok(["validator", "reveal", String(datanets[Modality.Text]), "--json"], V1)).json<{ outcome: string }[]>();
    expect(early[0]?.outcome).toMatch(/reveal opens at/);
    await stack.advance(601);
    for (const v of [V1, V2, V3]) {
      for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
        const revealed = (await ok(["validator", "reveal", String(datanets[modality]), "--json"], v)).json<{ outcome: string }[]>();
        expect(revealed.map((r) => r.outcome.split(" ")[0])).toEqual(["revealed"]);
      }
    }
    await stack.advance(601);
    let accepted = 0;
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const finalized = (await ok(["validator", "finalize", String(datanets[modality]), "--json"], PAYER)).json<{ contributionId: string; status: string }[]>();
      const n = MODALITY_FORMATS[modality].length;
      const last = cids[modality]![n - 1]!;
      const rejectedId = contributionIdOf(datanets[modality]!, toOnchainCid(last).digest);
      expect(finalized).toHaveLength(n);
      for (const f of finalized) expect(f.status).toBe(f.contributionId === rejectedId ? "rejected" : "accepted");
      expect(finalized.filter((f) => f.status === "rejected")).toHaveLength(1);
      accepted += n - 1;
    }
    const shown = (await ok(["rewards", "show", "--json"], CONTRIBUTOR)).json<{ claimable: { wei: string }; acceptedCount: number }>();
    expect(shown.acceptedCount).toBe(accepted);
    expect(shown.claimable.wei).toBe((parseEther("10") * BigInt(accepted)).toString());
    const claimed = (await ok(["rewards", "claim", "--json"], CONTRIBUTOR)).json<{ amount: { wei: string } }>();
    expect(claimed.amount).toEqual(shown.claimable);
    for (const v of [V1, V2, V3]) {
      for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
        const credited = (await ok(["validator", "claim", String(datanets[modality]), "--json"], v)).json<{ outcome: string; amount: { wei: string } | null }[]>();
        expect(credited[0]?.outcome).toBe("credited");
        expect(BigInt(credited[0]?.amount?.wei ?? 0)).toBeGreaterThan(0n);
      }
      expect((await ok(["rewards", "claim", "--json"], v)).json<{ amount: { wei: string } }>().amount.wei).not.toBe("0");
    }
  });

  it("registers a model, takes a fee and pays attribution from the command line", async () => {
    const id = datanets[Modality.Text]!;
    const accepted = cids[Modality.Text]!.slice(0, -1);
    const contributor = stack.wallet(CONTRIBUTOR).account.address;
    const contributions = await Promise.all(
      accepted.map(async (cid) => {
        const contributionId = contributionIdOf(id, toOnchainCid(cid).digest);
        const { size } = await getContribution(stack.client, { contracts: stack.contracts, contributionId });
        return { contributionId, contributor, size, datanetId: id };
      }),
    );
    const manifest = buildManifest({ datanetIds: [id], contributions });
    const files = { manifest: path.join(stack.dir, "manifest.json"), artifact: path.join(stack.dir, "adapter.safetensors"), config: path.join(stack.dir, "config.json") };
    writeFileSync(files.manifest, JSON.stringify(manifest));
    writeFileSync(files.artifact, "adapter bytes");
    writeFileSync(files.config, '{"method":"lora"}');
    const register = ["models", "register", "--artifact", files.artifact, "--config", files.config, "--base-model", "tiny", "--base-weights-sha256", `0x${"ab".repeat(32)}`];
    const registered = await ok([...register, "--manifest", files.manifest], OWNER);
    expect(registered.stdout).toMatch(/^Registered model 1: artifact \S+, manifest \S+ \(tx 0x[0-9a-f]{64}\)\nBond 10 OPEN at stake; payments open at \d{4}-\d\d-\d\dT[\d:.]+Z, when the challenge window closes\.\n$/);
    const listed = (await ok(["models", "list", "--json"])).json<{ id: string; baseModel: string; method: string }[]>();
    expect(listed).toMatchObject([{ id: "1", baseModel: "tiny", method: "lora" }]);
    expect((await ok(["models", "check", "1"])).stdout).toMatch(/Every leaf of model 1 keeps the rule\./);

    // Inside the window: no payment yet, and a challenge of an honest leaf is refused.
    const early = await cli(["models", "pay", "1", "100"], { as: PAYER });
    expect(early.code).toBe(3);
    expect(early.stderr).toMatch(/model 1 can be challenged until .*payments open when its challenge window closes/);
    const honest = await cli(["models", "challenge", "1"], { as: PAYER });
    expect(honest.code).not.toBe(0);
    expect(honest.stderr).toMatch(/every leaf of model 1's manifest keeps the attribution rule/);

    // A second model whose manifest weighs the contributor's first file at 1 byte: `check` names the
    // leaf, a watcher proves it wrong and takes the 10 OPEN bond, and the model never takes a fee.
    const leaves = manifest.leaves.map((l, i) => (i === 0 ? { ...l, weight: "1" } : l));
    const tree = datasetRoot(leaves);
    writeFileSync(files.manifest, JSON.stringify({ ...manifest, leaves, root: tree.root, totalWeight: tree.totalWeight.toString() }));
    await ok([...register, "--manifest", files.manifest], OWNER);
    const checked = (await ok(["models", "check", "2", "--json"])).json<{ contributionId: string; fault: string }[]>();
    expect(checked.map((c) => c.fault)).toEqual(manifest.leaves.map((_, i) => (i === 0 ? "WrongWeight" : "None")));
    const before = await getOpenBalance(stack.client, { contracts: stack.contracts, account: stack.wallet(PAYER).account.address });
    const challenged = await ok(["models", "challenge", "2"], PAYER);
    expect(challenged.stdout).toMatch(new RegExp(`^Model 2 is invalid: leaf ${manifest.leaves[0]!.contributionId} is not weighed by its contribution's size\\. Paid to you: 5 OPEN, half the trainer's bond \\(the treasury takes 5 OPEN\\)`));
    expect(await getOpenBalance(stack.client, { contracts: stack.contracts, account: stack.wallet(PAYER).account.address })).toBeGreaterThan(before + parseEther("4.99"));
    expect((await ok(["models", "show", "2"])).stdout).toMatch(/status\s+invalid: a challenge proved a leaf wrong; it takes no fees/);

    await stack.advance(DEVELOPMENT_PARAMETERS.challengeWindow);
    const invalid = await cli(["models", "pay", "2", "100"], { as: PAYER });
    expect(invalid.code).toBe(3);
    expect(invalid.stderr).toMatch(/model 2 was proven to break the attribution rule: it takes no fees/);
    expect((await ok(["models", "release-bond", "1"], PAYER)).stdout).toMatch(new RegExp(`^Released 10 OPEN to trainer ${stack.wallet(OWNER).account.address}`));
    expect((await ok(["models", "show", "1"])).stdout).toMatch(/bond\s+released/);
    const paid = await ok(["models", "pay", "1", "100"], PAYER);
    expect(paid.stdout).toMatch(/trainer 70 OPEN, protocol 10 OPEN, contributors 20 OPEN/);
    const claims = (await ok(["models", "claim", "1", "--json"], CONTRIBUTOR)).json<{ contributionId: string; amount: { wei: string }; paidTo: string }[]>();
    expect(claims).toHaveLength(accepted.length);
    // Each leaf is paid in proportion to its size; rounding leaves at most a few wei behind.
    const total = contributions.reduce((sum, c) => sum + BigInt(c.size), 0n);
    for (const c of claims) {
      const size = BigInt(contributions.find((x) => x.contributionId === c.contributionId)!.size);
      expect(c.paidTo).toBe(contributor);
      expect(BigInt(c.amount.wei)).toBe((parseEther("20") * 10n ** 18n / total) * size / 10n ** 18n);
    }
  });

  it("refuses bad files with exit code 3 and the rule, leaving chain and IPFS untouched", async () => {
    const id = datanets[Modality.Text]!;
    const audio = datanets[Modality.Audio]!;
    const cut = wav(77);
    const cases: [number, string, Uint8Array, RegExp][] = [
      [id, "renamed.txt", png(77), /PNG file, not txt \[format-mismatch\]/],
      [id, "empty.txt", new Uint8Array(), /empty \(0 bytes\).*\[empty\]/],
      [id, "huge.txt", new Uint8Array(11 * 1024 * 1024).fill(0x62), /11534336 bytes; Datanet \d+ takes at most 10485760 bytes per file \[too-large\]/],
      [id, "bad.txt", new Uint8Array([0xc3, 0x28, 0x0a]), /not valid UTF-8.*\[invalid-utf8\]/],
      [audio, "cut.wav", cut.subarray(0, cut.length - 300), /WAV header declares .* \[truncated\]/],
    ];
    for (const [datanetId, name, bytes, message] of cases) {
      const file = path.join(stack.dir, name);
      writeFileSync(file, bytes);
      const before = await getDatanet(stack.client, { contracts: stack.contracts, datanetId });
      const quota = await getQuota(stack.client, { contracts: stack.contracts, account: stack.wallet(CONTRIBUTOR).account.address, datanetId });
      const run = await cli(["contribute", String(datanetId), file], { as: CONTRIBUTOR });
      expect(run.code, run.stderr).toBe(3);
      expect(run.stderr).toMatch(/nothing was uploaded or submitted/);
      expect(run.stderr).toMatch(message);
      const after = await getDatanet(stack.client, { contracts: stack.contracts, datanetId });
      expect(after.submissions).toBe(before.submissions);
      expect(await getQuota(stack.client, { contracts: stack.contracts, account: stack.wallet(CONTRIBUTOR).account.address, datanetId })).toEqual(quota);
      if (bytes.length > 0) expect(await stack.ipfs.has(await computeCid(bytes))).toBe(false);
    }
  });

  it("checks files against a Datanet's formats and size cap with `check --datanet`, with no key", async () => {
    const folder = path.join(stack.dir, "check-datanet");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "a.png"), png(91));
    writeFileSync(path.join(folder, "b.txt"), "a line of text\n");
    writeFileSync(path.join(folder, "c.png"), "");
    truncateSync(path.join(folder, "c.png"), 3 * 1024 ** 3);
    const started = performance.now();
    const run = await cli(["check", "--datanet", String(datanets[Modality.Image]), folder, "--json"]);
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(run.code, run.stderr).toBe(3);
    const rows = run.json<{ file: string; ok: boolean; format: string | null; rule: string | null; message: string | null }[]>();
    expect(rows.map((r) => [path.basename(r.file), r.ok, r.format, r.rule])).toEqual([
      ["a.png", true, "png", null],
      ["b.txt", false, "txt", "format-not-allowed"],
      ["c.png", false, null, "too-large"],
    ]);
    expect(rows[1]!.message).toBe(`Datanet ${datanets[Modality.Image]} accepts ${MODALITY_FORMATS[Modality.Image].map(formatName).join(", ")}; this file is txt`);
    expect(rows[2]!.message).toBe(`the file is 3221225472 bytes; Datanet ${datanets[Modality.Image]} takes at most 10485760 bytes per file`);
    expect((await cli(["check", "--datanet", String(datanets[Modality.Image]), path.join(folder, "a.png")])).code).toBe(0);
    expect((await cli(["check", "--datanet", "1", "--formats", "txt", folder])).code).toBe(2);
    rmSync(path.join(folder, "c.png"));
  });

  it("with --skip-refused submits what passes, lists what was refused, and exits 0", async () => {
    const folder = path.join(stack.dir, "mixed");
    mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, "good.txt"), "a good line for the skip-refused run\n");
    writeFileSync(path.join(folder, "bad.txt"), new Uint8Array([0xc3, 0x28, 0x0a]));
    const run = await cli(["contribute", String(datanets[Modality.Text]), folder, "--skip-refused"], { as: CONTRIBUTOR });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/good\.txt\s+submitted/);
    expect(run.stdout).toMatch(/bad\.txt\s+refused/);
  });

  it("with --protect commits to the files before uploading and sends them under the commitment", async () => {
    const file = path.join(stack.dir, "protected.txt");
    writeFileSync(file, "a line sent under a submission commitment\n");
    const run = await cli(["contribute", String(datanets[Modality.Text]), file, "--protect"], { as: CONTRIBUTOR });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/protected\.txt\s+submitted/);
    expect(run.stdout).toMatch(/Committed on chain before sending/);
    // The same content again is a duplicate, protected or not: refused before anything is sent.
    const again = await cli(["contribute", String(datanets[Modality.Text]), file, "--protect"], { as: CONTRIBUTOR });
    expect(again.code).toBe(3);
    expect(again.stderr).toMatch(/already-submitted/);
  });

  it("refuses files past today's quota with the reset time, and takes them after the UTC midnight", async () => {
    const id = datanets[Modality.Text]!;
    const account = stack.wallet(CONTRIBUTOR).account.address;
    const before = await getQuota(stack.client, { contracts: stack.contracts, account, datanetId: id });
    const folder = path.join(stack.dir, "quota");
    mkdirSync(folder, { recursive: true });
    for (let i = 0; i <= before.filesLeft; i++) writeFileSync(path.join(folder, `q${String(i).padStart(2, "0")}.txt`), `quota file ${i}\n`);
    // A dry run, with an address and no key, finds the same refusal and sends nothing.
    const dry = await cli(["contribute", "--dry-run", String(id), folder, "--address", account, "--json"]);
    expect(dry.code, dry.stderr).toBe(3);
    const rows = dry.json<{ file: string; ok: boolean; format: string | null; rule: string | null; message: string | null }[]>();
    expect(rows).toHaveLength(before.filesLeft + 1);
    expect(rows.slice(0, -1).every((r) => r.ok && r.format === "txt" && r.rule === null && r.message === null)).toBe(true);
    expect(rows.at(-1)).toMatchObject({ ok: false, rule: "quota-files", message: expect.stringContaining(before.resetsAt.toISOString()) });
    expect(await getQuota(stack.client, { contracts: stack.contracts, account, datanetId: id })).toEqual(before);
    const human = await cli(["contribute", "--dry-run", String(id), path.join(folder, "q00.txt"), "--address", account]);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/q00\.txt\s+ok\s+txt/);
    const run = await cli(["contribute", String(id), folder], { as: CONTRIBUTOR });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(new RegExp(`q${String(before.filesLeft).padStart(2, "0")}\\.txt: today's file quota is used up .* resets at ${before.resetsAt.toISOString().replace(/\./g, "\\.")} \\[quota-files\\]`));
    expect(await getQuota(stack.client, { contracts: stack.contracts, account, datanetId: id })).toEqual(before);
    await stack.setTime(before.resetsAt.getTime() / 1000);
    const next = await ok(["contribute", String(id), folder, "--json"], CONTRIBUTOR);
    expect(next.json<{ outcomes: { status: string }[] }>().outcomes.every((o) => o.status === "submitted")).toBe(true);
  });

  it("a dry run also checks the batch as a whole: an unfunded pool refuses every file that passed alone", async () => {
    const created = (await ok(["datanets", "create", "--name", "unfunded", "--modality", "text", "--reward", "10", "--validator-reward", "3", "--json"], OWNER)).json<{ datanetId: number }>();
    const file = path.join(stack.dir, "unfunded.txt");
    writeFileSync(file, "a line for a Datanet whose pool is empty\n");
    const account = stack.wallet(CONTRIBUTOR).account.address;
    const dry = await cli(["contribute", "--dry-run", String(created.datanetId), file, "--address", account, "--json"]);
    expect(dry.code, dry.stderr).toBe(3);
    expect(dry.json<{ file: string; ok: boolean; rule: string | null; message: string | null }[]>()).toEqual([
      { file, ok: false, format: "txt", rule: "insufficient-pool", message: `Datanet ${created.datanetId}'s reward pool has 0 OPEN but the rewards of this submission come to 13 OPEN` },
    ]);
    // Funded, the same dry run passes (the chain's simulation included), and nothing was sent.
    await ok(["datanets", "fund", String(created.datanetId), "13"], OWNER);
    const again = await cli(["contribute", "--dry-run", String(created.datanetId), file, "--address", account, "--json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.json<{ ok: boolean }[]>()).toEqual([{ file, ok: true, format: "txt", rule: null, message: null }]);
    expect((await getDatanet(stack.client, { contracts: stack.contracts, datanetId: created.datanetId })).submissions).toBe(0n);
  });

  it("refuses a commit on a finalised contribution with exit code 3 and keeps no secret for it", async () => {
    const home = path.join(stack.dir, `home-${V1}`, "votes", "31337");
    const before = readdirSync(home).sort();
    const run = await cli(["validator", "commit", String(datanets[Modality.Text]), "--approve", cids[Modality.Text]![0]!], { as: V1 });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stderr).toMatch(/is not pending \(it is accepted\)/);
    expect(readdirSync(home).sort()).toEqual(before);
  });

  it("answers read-only commands for --address without a key, and shows unknown names when IPFS is down", async () => {
    const validator = stack.wallet(V1).account.address;
    const status = await cli(["status", "--address", validator, "--json"]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.json<{ account: { address: string } }>().account.address).toBe(validator);
    const position = await cli(["validator", "position", "--address", validator, "--json"]);
    expect(position.json<{ eligible: { wei: string } }>().eligible.wei).toBe(parseEther("2000").toString());
    expect((await cli(["quota", "1", "--address", "0x1234"])).code).toBe(2);
    const list = await cli(["datanets", "list"], { env: { IPFS_URL: "http://127.0.0.1:9" } });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/\(unknown\)/);
    expect(list.stderr.match(/did not answer/g)).toHaveLength(1);
  });

  it("gives a malformed or all-zero key exit code 2 with the rule, never a stack trace", async () => {
    for (const key of ["0x1234", `0x${"0".repeat(64)}`, `0x${"f".repeat(64)}`]) {
      const run = await cli(["rewards", "claim"], { env: { OPENLEDGER_PRIVATE_KEY: key } });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toMatch(/OPENLEDGER_PRIVATE_KEY (must be 0x and 64 hex digits|is not a usable private key)/);
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it("gives usage errors exit code 2 and unreachable services exit code 4", async () => {
    expect((await cli(["datanets", "fund", "1", "lots"], { as: OWNER })).code).toBe(2);
    expect((await cli(["no-such-command"])).code).toBe(2);
    const down = await cli(["status"], { env: { OPENLEDGER_RPC_URL: "http://127.0.0.1:9" } });
    expect(down.code).toBe(4);
    expect(down.stderr).toMatch(/cannot reach the chain at http:\/\/127\.0\.0\.1:9/);
    const noKey = await cli(["rewards", "claim"]);
    expect(noKey.code).toBe(1);
    expect(noKey.stderr).toMatch(/no key is configured/);
  });

  it("signs with an encrypted keystore and never prints the key", async () => {
    const file = path.join(stack.dir, "key.json");
    const password = "correct horse battery staple";
    const made = await cli(["account", "new", "--import", "--out", file, "--json"], { as: PAYER, env: { OPENLEDGER_KEYSTORE_PASSWORD: password } });
    expect(made.code, made.stderr).toBe(0);
    expect(made.json<{ address: string }>().address).toBe(stack.wallet(PAYER).account.address);
    const keystore = readFileSync(file, "utf8");
    expect(keystore).not.toContain(stack.key(PAYER).slice(2));
    const shown = await cli(["--keystore", file, "rewards", "show", "--json"], { env: { OPENLEDGER_KEYSTORE_PASSWORD: password } });
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.json<{ account: string }>().account).toBe(stack.wallet(PAYER).account.address);
    const wrong = await cli(["--keystore", file, "rewards", "show"], { env: { OPENLEDGER_KEYSTORE_PASSWORD: "wrong" } });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/wrong keystore password/);
    expect(FORMAT_NAMES).toContain("flac");
  });

  it("withdraws from a paused pool only once files submitted before the pause had their review", async () => {
    const created = (await ok(["datanets", "create", "--name", "closing", "--modality", "text", "--reward", "10", "--commit-window", "600", "--reveal-window", "600", "--json"], OWNER)).json<{ datanetId: number }>();
    const id = String(created.datanetId);
    await ok(["datanets", "fund", id, "100"], OWNER);
    const early = await cli(["datanets", "withdraw", id, "40"], { as: OWNER });
    expect(early.code).toBe(3);
    expect(early.stderr).toMatch(new RegExp(`pause Datanet ${id} before withdrawing from its pool`));
    await ok(["datanets", "pause", id], OWNER);
    const { poolUnlocksAt } = (await ok(["datanets", "show", id, "--json"])).json<{ poolUnlocksAt: number }>();
    expect((await ok(["datanets", "show", id])).stdout).toMatch(new RegExp(`pool withdrawable from +${new Date(poolUnlocksAt * 1000).toISOString()}`));
    const locked = await cli(["datanets", "withdraw", id, "40"], { as: OWNER });
    expect(locked.code).toBe(3);
    expect(locked.stderr).toContain(`pool can be withdrawn from ${new Date(poolUnlocksAt * 1000).toISOString()}`);
    await stack.advance(600 + 2 * 600);
    const to = stack.wallet(PAYER).account.address;
    const done = (await ok(["datanets", "withdraw", id, "40", "--to", to, "--json"], OWNER)).json<{ to: string; pool: { open: string } }>();
    expect(done).toMatchObject({ to, pool: { open: "60" } });
    expect((await cli(["datanets", "withdraw", id, "1"], { as: PAYER })).code).toBe(3);
  });

  it("governance: a change is scheduled in public, refused before its delay, then run by anyone", async () => {
    const DEPLOYER = 0; // the local stack's proposer
    const delay = DEVELOPMENT_PARAMETERS.governanceDelay;
    expect((await ok(["status"])).stdout).toMatch(new RegExp(`governance +timelock 0x[0-9a-fA-F]{40}, changes wait ${delay} s`));
    // Not a proposer: refused with the role it lacks.
    const stranger = await cli(["governance", "schedule", "ModelRegistry", "setFeeShares", "6000", "1000"], { as: PAYER });
    expect(stranger.code).toBe(3);
    expect(stranger.stderr).toMatch(/lacks the role/);
    // Bad arguments are usage errors naming the function's parameters.
    const bad = await cli(["governance", "schedule", "ModelRegistry", "setFeeShares", "6000"], { as: DEPLOYER });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/ModelRegistry.setFeeShares takes 2 argument\(s\) \(trainerBps_ uint16, protocolBps_ uint16\), got 1/);

    const scheduled = await ok(["governance", "schedule", "ModelRegistry", "setFeeShares", "6000", "1000"], DEPLOYER);
    const id = /as (0x[0-9a-f]{64}): it may run from/.exec(scheduled.stdout)?.[1];
    expect(id, scheduled.stdout).toBeTruthy();
    const listed = (await ok(["governance", "list", "--json"])).json<{ delay: number; calls: { id: string; contract: string; functionName: string; state: string }[] }>();
    expect(listed.delay).toBe(delay);
    expect(listed.calls.find((c) => c.id === id)).toMatchObject({ contract: "ModelRegistry", functionName: "setFeeShares", state: "waiting" });
    expect((await ok(["governance", "list"])).stdout).toMatch(new RegExp(`${id} +ModelRegistry.setFeeShares\\(6000, 1000\\) +waiting`));

    const early = await cli(["governance", "execute", id!], { as: PAYER });
    expect(early.code).toBe(3);
    expect(early.stderr).toMatch(/governance call 0x[0-9a-f]{8}… must be ready to run \(its delay passed\) for this/);
    await stack.advance(delay);
    expect((await ok(["governance", "execute", id!], PAYER)).stdout).toMatch(/^Executed ModelRegistry.setFeeShares\(6000, 1000\)/);
    expect((await ok(["governance", "list", "--json"])).json<{ calls: { id: string; state: string }[] }>().calls.find((c) => c.id === id)?.state).toBe("executed");
    const shares = await stack.client.readContract({ address: stack.contracts.ModelRegistry, abi: modelRegistryAbi, functionName: "trainerBps" });
    expect(shares).toBe(6000);
  });
});
