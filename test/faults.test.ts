// The fault suite: one local stack (`npm start -- --no-app`) under activity, with its services
// killed in turn with SIGKILL, as a crash or the kernel's OOM killer would. The indexer dies while
// contributions are submitted and reviewed, and after its restart its tables equal what the chain
// says; the IPFS node dies while contributors upload, and what was added before still reads back;
// the trainer dies in the middle of a training job, and after its restart the same job resumes from
// its checkpoint, finishes and registers its model. Only the chain's death ends a stack, and that is
// not tested here (the launcher's own test covers its refusals and signals).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createWalletClient, http, parseEther, publicActions, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { DEV_PRIVATE_KEYS, publicClientFor, type Deployment } from "@openledger/protocol/deploy";
import { bytesSource, createIpfsClient, Modality, type ByteSource, MODALITY_FORMATS, openLedgerActions, toOnchainCid } from "@openledger/sdk";
import { waitForConsistency } from "@openledger/indexer/consistency";
import { readOperatorToken } from "@openledger/trainer/operator-token";
import { launchStack } from "@openledger/testkit";

const OWNER = 1;
const VALIDATORS = [3, 4, 5];
const CONTRIBUTORS = [6, 7, 8];
const WINDOW = 120;
const CHECKPOINT_EVERY = 4;
const RECOVERY_MS = 120_000;

type Service = "indexer" | "ipfs" | "trainer";
interface Job {
  id: string;
  state: string;
  attempts: number;
  progress?: { step: number; totalSteps: number };
  publication?: { modelId?: string; notRegistered?: string };
  error?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value, or fails with `what` after `timeoutMs`. */
async function until<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
    await sleep(200);
  }
}

/** Instruction data in the words the shipped toy base model knows: one jsonl file per call. */
function factsFile(contributor: number, round: number): ByteSource {
  const names = ["Ann", "Ben", "Cara", "Dan", "Eva", "Finn", "Gail", "Hugo", "Ivy"];
  const pets = ["fox", "frog", "duck", "cat", "dog", "fish"];
  const lines = [0, 1, 2].map((k) => {
    const name = names[(contributor + round * 3 + k) % names.length]!;
    const pet = pets[(contributor * 7 + round * 5 + k) % pets.length]!;
    return JSON.stringify({ instruction: `What pet does ${name} have?`, input: "", output: `${name} has a ${round % 2 ? "red" : "green"} ${pet}.` });
  });
  return bytesSource(`facts-${contributor}-${round}.jsonl`, new TextEncoder().encode(lines.join("\n") + "\n"));
}

describe("the stack under faults (SIGKILL of one service while it works)", () => {
  it("restarts the indexer, IPFS and the trainer; the indexer matches the chain again, IPFS content stays, the trainer resumes its job", async () => {
    const stack = await launchStack();
    const { ports, stackDir } = stack;
    const url = (port: number) => `http://127.0.0.1:${port}`;
    try {
      const deployment = JSON.parse(readFileSync(path.join(stackDir, "deployments", "31337.json"), "utf8")) as Deployment;
      const rpcUrl = url(ports.CHAIN_PORT);
      const client = publicClientFor(rpcUrl);
      const chain = { client, deployment };
      const indexer = { url: url(ports.INDEXER_PORT) };
      const trainerUrl = url(ports.TRAINER_PORT);
      const ipfs = createIpfsClient(url(ports.IPFS_PORT), { timeoutMs: 10_000 });
      const wallet = (i: number) =>
        createWalletClient({ account: privateKeyToAccount(DEV_PRIVATE_KEYS[i]!), chain: hardhat, transport: http(rpcUrl) })
          .extend(publicActions)
          .extend(openLedgerActions(deployment.contracts));
      const advance = async (seconds: number) => {
        await client.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
        await client.request({ method: "evm_mine" as never, params: [] as never });
      };
      const servicePids = () => (JSON.parse(readFileSync(path.join(stackDir, "state.json"), "utf8")) as { services: Record<Service, number> }).services;
      const healthy: Record<Service, () => Promise<boolean>> = {
        indexer: () => fetch(`${indexer.url}/health`).then((r) => r.ok, () => false),
        ipfs: () => fetch(`${url(ports.IPFS_PORT)}/api/v0/version`, { method: "POST" }).then((r) => r.ok, () => false),
        trainer: () => fetch(`${trainerUrl}/health`).then((r) => r.ok, () => false),
      };
      /** SIGKILL to the service's process; resolves once the launcher has started a new one that answers. */
      const killAndAwaitRestart = async (name: Service) => {
        const killed = servicePids()[name];
        process.kill(killed, "SIGKILL");
        const started = Date.now();
        await until(`the ${name}'s restart`, RECOVERY_MS, async () => (servicePids()[name] !== killed && (await healthy[name]()) ? true : undefined));
        return Date.now() - started;
      };
      const timings: Record<string, number> = {};

      // A text Datanet with three staked validators.
      const owner = wallet(OWNER);
      const metadata = await ipfs.add(new TextEncoder().encode(JSON.stringify({ name: "Pets", description: "Who has which pet", license: "CC-BY-4.0", modality: "text" })));
      const created = await owner.createDatanet({
        modality: Modality.Text,
        formats: MODALITY_FORMATS[Modality.Text],
        metadata,
        limits: { reward: parseEther("10"), validatorReward: parseEther("3") },
        rules: { commitWindow: WINDOW, revealWindow: WINDOW },
      });
      const datanetId = created.result.datanetId;
      await owner.fundDatanet({ datanetId, amount: parseEther("1000") });
      for (const v of VALIDATORS) await wallet(v).stake({ amount: parseEther("2000") });
      await advance(Number((deployment.parameters as { activationDelay?: string } | undefined)?.activationDelay ?? 3600) + 1);

      const added: string[] = [metadata.toString()];
      /** Each contributor uploads and submits one file; an unreachable IPFS node is waited for. */
      const submitRound = async (round: number, afterFirst?: () => void): Promise<Hex[]> => {
        const digests: Hex[] = [];
        for (const c of CONTRIBUTORS) {
          const file = factsFile(c, round);
          const result = await until(`contributor #${c}'s submission in round ${round}`, RECOVERY_MS, () => wallet(c).contribute({ ipfs, datanetId, files: [file] }));
          const cid = result.outcomes[0]!.cid!;
          added.push(cid.toString());
          digests.push(toOnchainCid(cid).digest);
          if (digests.length === 1) afterFirst?.();
        }
        return digests;
      };
      /** Validators commit, reveal (all approve) and anyone finalises. */
      const review = async (digests: Hex[]) => {
        const approvals = digests.map(() => true);
        const salts = new Map<number, Hex>();
        for (const v of VALIDATORS) salts.set(v, (await wallet(v).commitVotes({ datanetId, digests, approvals })).result.salt);
        await advance(WINDOW + 1);
        for (const v of VALIDATORS) await wallet(v).revealVotes({ datanetId, digests, approvals, salt: salts.get(v)! });
        await advance(WINDOW + 1);
        const finalized = await owner.finalizeContributions({ datanetId, digests });
        expect(finalized.result.map((f) => f.status)).toEqual(digests.map(() => "accepted"));
      };

      // 1. The indexer dies while contributions are submitted and reviewed.
      let indexerRestart: Promise<number> | undefined;
      const round1 = [...(await submitRound(1, () => (indexerRestart = killAndAwaitRestart("indexer")))), ...(await submitRound(2))];
      await review(round1);
      timings.indexer = await indexerRestart!;
      const afterIndexer = await waitForConsistency(chain, indexer, RECOVERY_MS);
      expect(afterIndexer.mismatches).toEqual([]);
      expect(afterIndexer.checked).toBeGreaterThan(100);

      // 2. The IPFS node dies while contributors upload; what it held before is still there.
      let ipfsRestart: Promise<number> | undefined;
      let heldBefore: string[] = [];
      const round3 = await submitRound(3, () => {
        heldBefore = [...added];
        ipfsRestart = killAndAwaitRestart("ipfs");
      });
      timings.ipfs = await ipfsRestart!;
      for (const cid of heldBefore) expect((await ipfs.get(cid)).length, cid).toBeGreaterThan(0);
      expect(added.length).toBe(heldBefore.length + CONTRIBUTORS.length - 1);

      // 3. The trainer dies while a job trains (round 3 is reviewed meanwhile); the job resumes and finishes.
      const token = readOperatorToken(path.join(stackDir, "trainer", "operator-token"));
      expect(token).toBeTruthy();
      const submitted = await fetch(`${trainerUrl}/v1/jobs`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
        body: JSON.stringify({
          datanetIds: [datanetId],
          method: "lora",
          hyperparameters: { epochs: 4, learningRate: 0.005, batchSize: 2, evalFraction: 0 },
          lora: { rank: 4, alpha: 8, dropout: 0, targetModules: ["all-linear"] },
          checkpointEvery: CHECKPOINT_EVERY,
        }),
      });
      expect(submitted.status, await submitted.clone().text()).toBe(201);
      const jobId = ((await submitted.json()) as Job).id;
      const getJob = async () => (await (await fetch(`${trainerUrl}/v1/jobs/${jobId}`)).json()) as Job;
      const reviewing = review(round3);
      const atKill = await until("the job's first checkpoint", RECOVERY_MS, async () => {
        const job = await getJob();
        const past = (job.state === "training" && (job.progress?.step ?? 0) > CHECKPOINT_EVERY) || !["queued", "preparing", "training"].includes(job.state);
        return past ? job : undefined;
      });
      // The kill must fall inside training, after a checkpoint and before the last step.
      expect(atKill.state, atKill.error).toBe("training");
      expect(atKill.progress!.step).toBeLessThan(atKill.progress!.totalSteps);
      timings.trainer = await killAndAwaitRestart("trainer");
      await reviewing;
      const finished = await until("the resumed job's end", 300_000, async () => {
        const job = await getJob();
        return ["succeeded", "failed", "cancelled"].includes(job.state) ? job : undefined;
      });
      expect(finished.state, finished.error).toBe("succeeded");
      expect(finished.id).toBe(jobId);
      expect(finished.attempts).toBeGreaterThan(1);
      expect(finished.publication?.modelId, finished.publication?.notRegistered).toBe("1");
      const events = (await (await fetch(`${trainerUrl}/v1/jobs/${jobId}/events`, { headers: { accept: "application/json" } })).text());
      expect(events).toMatch(/node restarted: resuming from state training/);

      // After all three, the indexer still equals the chain: round 3's reviews and the model included.
      const atEnd = await waitForConsistency(chain, indexer, RECOVERY_MS);
      expect(atEnd.mismatches).toEqual([]);
      const graph = (await (await fetch(`${indexer.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ protocol(id: \"protocol\") { datanetCount modelCount } datanet(id: " + datanetId + ") { acceptedCount pendingCount } }" }) })).json()) as {
        data: { protocol: { datanetCount: number; modelCount: number }; datanet: { acceptedCount: number; pendingCount: number } };
      };
      expect(graph.data).toEqual({ protocol: { datanetCount: 1, modelCount: 1 }, datanet: { acceptedCount: 9, pendingCount: 0 } });
      console.log(`restart to healthy after SIGKILL: ${Object.entries(timings).map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(", ")}`);
      expect(stack.output()).toMatch(/The indexer stopped \(SIGKILL\); restarting it/);
      expect(stack.output()).toMatch(/The ipfs stopped \(SIGKILL\); restarting it/);
      expect(stack.output()).toMatch(/The trainer stopped \(SIGKILL\); restarting it/);
    } finally {
      await stack.stop();
    }
  });
});
