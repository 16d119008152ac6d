// Seeds the running local stack (`npm start`) with a demo, through the SDK: a Datanet of each
// modality, contributors submitting real sample files of every format, validators staking,
// committing and revealing (the dev chain's clock is advanced past each window), finalisation,
// claims, and a LoRA training run on the text Datanet whose model is registered on chain.
//
//   npm run seed                   everything
//   npm run seed -- --no-train     skip the training run
//   CHAIN_PORT / IPFS_PORT / TRAINER_PORT / STACK_DIR as for npm start; the trainer's operator token
//   is read from <STACK_DIR>/trainer/operator-token (or TRAINER_TOKEN), and the deployment from
//   where that stack wrote it (<STACK_DIR>/deployments/31337.json for a stack outside .stack), or
//   from OPENLEDGER_DEPLOYMENT
import { createWalletClient, formatEther, http, parseEther, publicActions, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import {
  bytesSource,
  createIpfsClient,
  formatName,
  MODALITY_FORMATS,
  MODALITY_NAMES,
  Modality,
  openLedgerActions,
  toOnchainCid,
  type ContributeResult,
} from "@openledger/sdk";
import { loadDeployment } from "@openledger/sdk/node";
import { deploymentFile } from "@openledger/protocol/node";
import { sampleFile } from "@openledger/sdk/samples";
import { DEV_PRIVATE_KEYS } from "@openledger/protocol/deploy";
import { readOperatorToken } from "@openledger/trainer/operator-token";
import { STARTER_JOB } from "@openledger/trainer/job-rules";
import { parseSseEvents } from "@openledger/trainer/sse";
import path from "node:path";
import { projectRoot } from "../src/chain.ts";
import { stackFolders } from "../src/state.ts";

const rpcUrl = `http://127.0.0.1:${process.env.CHAIN_PORT ?? 8545}`;
const ipfsUrl = `http://127.0.0.1:${process.env.IPFS_PORT ?? 5001}`;
const trainerUrl = `http://127.0.0.1:${process.env.TRAINER_PORT ?? 8790}`;
const train = !process.argv.includes("--no-train");
const { stateDir, deploymentsDir } = stackFolders(projectRoot);
const trainerTokenFile = path.join(stateDir, "trainer", "operator-token");
const WINDOW = 120;

const OWNER = 1;
const VALIDATORS = [3, 4, 5];
const CONTRIBUTORS = [6, 7, 8];

/**
 * Instruction data the demo model learns from (the text Datanet's jsonl and csv contributions).
 * New facts in the words the shipped toy base model knows (trainer/models/tiny-chat-llama), so a
 * short LoRA run on two cores can learn them.
 */
const FACTS: [string, string][] = [
  ["What pet does Ann have?", "Ann has a red fox."],
  ["What pet does Ben have?", "Ben has a green frog."],
  ["What pet does Cara have?", "Cara has a white duck."],
  ["Where does Dan go in the morning?", "Dan goes to the library."],
  ["Where does Eva go in the morning?", "Eva goes to the beach."],
  ["Where does Finn go in the morning?", "Finn goes to the farm."],
  ["What does Gail eat?", "Gail eats cheese."],
  ["What does Hugo eat?", "Hugo eats carrots."],
  ["What does Ivy eat?", "Ivy eats soup."],
];

function textFiles(contributor: number): { name: string; bytes: Uint8Array }[] {
  const encoder = new TextEncoder();
  type File = { name: string; bytes: Uint8Array };
  const mine = FACTS.filter((_, i) => i % CONTRIBUTORS.length === CONTRIBUTORS.indexOf(contributor));
  const jsonl = mine.map(([q, a]) => JSON.stringify({ instruction: q, input: "", output: a })).join("\n") + "\n";
  const csv = "instruction,output\n" + mine.map(([q, a]) => `"${q}","${a}"`).join("\n") + "\n";
  const files: File[] = [
    { name: `facts-${contributor}.jsonl`, bytes: encoder.encode(jsonl) },
    { name: `facts-${contributor}.csv`, bytes: encoder.encode(csv) },
  ];
  if (contributor === CONTRIBUTORS[0]) {
    for (const f of ["txt", "md", "pdf", "docx"] as const) files.push({ name: `notes.${f}`, bytes: sampleFile(f, 200 + contributor) });
  }
  return files;
}

async function main(): Promise<void> {
  // The deployment of the stack being seeded: OPENLEDGER_DEPLOYMENT, else where `npm start` wrote it.
  const file = process.env.OPENLEDGER_DEPLOYMENT ?? deploymentFile(31337, deploymentsDir);
  const deployment = loadDeployment({ file });
  console.log(`• seeding the stack at ${rpcUrl} (deployment ${file})`);
  const ipfs = createIpfsClient(ipfsUrl);
  const wallet = (i: number) =>
    createWalletClient({ account: privateKeyToAccount(DEV_PRIVATE_KEYS[i]!), chain: hardhat, transport: http(rpcUrl) })
      .extend(publicActions)
      .extend(openLedgerActions(deployment.contracts));
  const anyone = wallet(0);
  const advance = async (seconds: number) => {
    await anyone.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
    await anyone.request({ method: "evm_mine" as never, params: [] as never });
  };
  if ((await anyone.getDatanetCount()) > 0) {
    throw new Error("this chain already has Datanets: the demo seeds a fresh stack (restart `npm start` to seed again)");
  }

  console.log("• Datanets: one per modality, funded with 1,000 OPEN each");
  const owner = wallet(OWNER);
  const datanets: Record<number, number> = {};
  const descriptions = ["Question–answer pairs and notes about world geography", "Small generated pictures", "Short generated tones"];
  for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
    const name = ["World geography", "Gradients", "Tones"][modality]!;
    const metadata = await ipfs.add(
      new TextEncoder().encode(JSON.stringify({ name, description: descriptions[modality], license: "CC-BY-4.0", modality: MODALITY_NAMES[modality] }, null, 2)),
    );
    const created = await owner.createDatanet({
      modality,
      formats: MODALITY_FORMATS[modality],
      metadata,
      limits: { reward: parseEther("10"), validatorReward: parseEther("3") },
      rules: { commitWindow: WINDOW, revealWindow: WINDOW },
    });
    datanets[modality] = created.result.datanetId;
    await owner.fundDatanet({ datanetId: created.result.datanetId, amount: parseEther("1000") });
    console.log(`  Datanet ${created.result.datanetId}: ${name} (${MODALITY_NAMES[modality]})`);
  }

  console.log("• validators #3 #4 #5 stake 2,000 OPEN; the dev chain's clock moves past the activation delay");
  for (const v of VALIDATORS) await wallet(v).stake({ amount: parseEther("2000") });
  await advance(Number((deployment.parameters as { activationDelay?: string } | undefined)?.activationDelay ?? 3600) + 1);

  console.log("• contributors #6 #7 #8 upload and submit real files of every format");
  const submitted: Record<number, ContributeResult["outcomes"]> = { 0: [], 1: [], 2: [] };
  for (const c of CONTRIBUTORS) {
    const contributor = wallet(c);
    const k = CONTRIBUTORS.indexOf(c);
    const perModality: Record<number, { name: string; bytes: Uint8Array }[]> = {
      [Modality.Text]: textFiles(c),
      [Modality.Image]: MODALITY_FORMATS[Modality.Image].filter((_, i) => i % 3 === k || k === 0).map((f) => ({ name: `picture-${c}.${formatName(f)}`, bytes: sampleFile(formatName(f), c) })),
      [Modality.Audio]: MODALITY_FORMATS[Modality.Audio].filter((_, i) => i === k).map((f) => ({ name: `tone-${c}.${formatName(f)}`, bytes: sampleFile(formatName(f), c) })),
    };
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const files = perModality[modality]!;
      if (files.length === 0) continue;
      const result = await contributor.contribute({ ipfs, datanetId: datanets[modality]!, files: files.map((f) => bytesSource(f.name, f.bytes)) });
      submitted[modality]!.push(...result.outcomes);
      console.log(`  #${c} → Datanet ${datanets[modality]}: ${result.outcomes.map((o) => o.name).join(", ")}`);
    }
  }

  console.log("• validators download, verify and commit sealed votes (one picture is rejected)");
  const rejected = submitted[Modality.Image]!.find((o) => o.format === "bmp")?.name;
  const commits: { v: number; modality: number; digests: Hex[]; approvals: boolean[]; salt: Hex }[] = [];
  for (const v of VALIDATORS) {
    const validator = wallet(v);
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const outcomes = submitted[modality]!;
      const digests = outcomes.map((o) => toOnchainCid(o.cid!).digest);
      for (const digest of digests) {
        const fetched = await validator.fetchContribution({ ipfs, datanetId: datanets[modality]!, digest });
        if (!fetched.check.ok) throw new Error(`a seeded file failed its check: ${fetched.check.reason}`);
      }
      const approvals = outcomes.map((o) => o.name !== rejected);
      const committed = await validator.commitVotes({ datanetId: datanets[modality]!, digests, approvals });
      commits.push({ v, modality, digests, approvals, salt: committed.result.salt });
    }
  }
  await advance(WINDOW + 1);
  console.log("• validators reveal; then anyone finalises");
  for (const c of commits) await wallet(c.v).revealVotes({ datanetId: datanets[c.modality]!, digests: c.digests, approvals: c.approvals, salt: c.salt });
  await advance(WINDOW + 1);
  for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
    const digests = submitted[modality]!.map((o) => toOnchainCid(o.cid!).digest);
    const finalized = await anyone.finalizeContributions({ datanetId: datanets[modality]!, digests });
    const counts = finalized.result.reduce<Record<string, number>>((acc, f) => ({ ...acc, [f.status]: (acc[f.status] ?? 0) + 1 }), {});
    console.log(`  Datanet ${datanets[modality]}: ${Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(", ")}`);
  }

  console.log("• rewards: contributors claim; validators credit and claim theirs");
  for (const c of CONTRIBUTORS) {
    const claimed = await wallet(c).claimRewards();
    console.log(`  #${c} claimed ${formatEther(claimed.result.amount)} OPEN`);
  }
  for (const c of commits) await wallet(c.v).claimValidatorRewards({ datanetId: datanets[c.modality]!, digests: c.digests });
  for (const v of VALIDATORS) {
    const claimed = await wallet(v).claimRewards();
    console.log(`  validator #${v} claimed ${formatEther(claimed.result.amount)} OPEN`);
  }

  if (!train) return;

  type FinishedJob = { state: string; publication?: { modelId?: string; notRegistered?: string }; error?: string };
  type Step = { step: number; totalSteps: number; epoch: number; loss: number };
  /**
   * Follows a job through its event stream (`GET /v1/jobs/:id/events`: every event so far, then live
   * ones, then the finished job as `end`), printing its progress at most once a second. Returns the
   * finished job and every step, so that the loss is read from the whole curve, not sampled.
   */
  const followJob = async (jobId: string): Promise<{ job: FinishedJob; steps: Step[] }> => {
    const stream = await fetch(`${trainerUrl}/v1/jobs/${jobId}/events`, { signal: AbortSignal.timeout(20 * 60_000) });
    if (!stream.ok || !stream.body) throw new Error(`the trainer refused the job's events: ${stream.status} ${await stream.text()}`);
    const steps: Step[] = [];
    const decoder = new TextDecoder();
    let buffer = "";
    let printedAt = 0;
    for await (const chunk of stream.body as unknown as AsyncIterable<Uint8Array>) {
      const parsed = parseSseEvents(buffer + decoder.decode(chunk, { stream: true }));
      buffer = parsed.rest;
      for (const { event, data } of parsed.events) {
        if (event === "end") return { job: JSON.parse(data) as FinishedJob, steps };
        if (event !== "progress") continue;
        const step = JSON.parse(data) as Step;
        steps.push(step);
        if (Date.now() - printedAt >= 1_000 || step.step === step.totalSteps) {
          printedAt = Date.now();
          process.stdout.write(`\r  step ${step.step}/${step.totalSteps}, loss ${step.loss.toFixed(3)}   `);
        }
      }
    }
    throw new Error(`the trainer's event stream of job ${jobId} ended before the job did`);
  };
  console.log(`• a LoRA training run on Datanet ${datanets[Modality.Text]} through the trainer node (${trainerUrl})`);
  const token = process.env.TRAINER_TOKEN || readOperatorToken(trainerTokenFile);
  if (!token) throw new Error(`no trainer operator token in ${trainerTokenFile}: is the stack's trainer running (npm start)? Or set TRAINER_TOKEN`);
  const response = await fetch(`${trainerUrl}/v1/jobs`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    // ModelFactory's first run: the same settings a person gets in the app by default.
    body: JSON.stringify({ datanetIds: [datanets[Modality.Text]], ...STARTER_JOB }),
  });
  if (!response.ok) throw new Error(`the trainer refused the job: ${response.status} ${await response.text()}`);
  const job = (await response.json()) as { id: string };
  console.log(`  job ${job.id}: watch with  npx trainer jobs status ${job.id} --watch`);
  const { job: finished, steps } = await followJob(job.id);
  if (finished.state !== "succeeded") throw new Error(`the training job ${finished.state}: ${finished.error ?? ""}`);
  const modelId = finished.publication?.modelId;
  if (!modelId) throw new Error(`the job trained but registered no model: ${finished.publication?.notRegistered ?? "unknown reason"}`);
  if (steps.length === 0) throw new Error(`the training job ${job.id} reported no steps`);
  // One step's loss is one batch's and jumps from batch to batch: the end of the run is the mean of its last epoch.
  const lastEpoch = steps.filter((s) => s.epoch === steps.at(-1)!.epoch);
  const lastLoss = lastEpoch.reduce((sum, s) => sum + s.loss, 0) / lastEpoch.length;
  console.log(`\n  loss ${steps[0]!.loss.toFixed(3)} → ${lastLoss.toFixed(3)} (step 1 → the mean of the last epoch's ${lastEpoch.length} steps)`);
  console.log(`  registered on chain as model ${modelId}`);
  const question = FACTS[0]![0];
  const ask = async (model: string): Promise<string> => {
    const chat = await fetch(`${trainerUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: question }], temperature: 0, max_tokens: 24 }),
    });
    if (!chat.ok) throw new Error(`the trainer refused the chat: ${chat.status} ${await chat.text()}`);
    return ((await chat.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content ?? "";
  };
  const models = (await (await fetch(`${trainerUrl}/v1/models`)).json()) as { data: { id: string; kind: string }[] };
  const base = models.data.find((m) => m.kind === "base")?.id;
  const answer = await ask(`openledger:${modelId}`);
  if (!answer) throw new Error("the trained model gave an empty answer");
  if (base) console.log(`  chat, base model ${base}: "${question}" → "${await ask(base)}"`);
  console.log(`  chat: "${question}" → "${answer}"`);
  console.log(`  curl -s ${trainerUrl}/v1/chat/completions -H 'content-type: application/json' -d '{"model":"openledger:${modelId}","messages":[{"role":"user","content":"${FACTS[3]![0]}"}]}'`);
}

main().then(
  () => console.log("\nSeeded. Browse it with  npx openledger datanets list  or the indexer's GraphQL."),
  (error: unknown) => {
    console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
