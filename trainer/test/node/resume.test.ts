// kill -9 the node in the middle of training, start it again on the same data folder: the job
// resumes from its last checkpoint and its adapter is byte-for-byte the one an uninterrupted run
// produces. Runs with the real engine.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { IpfsNode, startIpfsServer, type IpfsServer } from "@openledger/ipfs-node";
import { toOnchainCid } from "@openledger/sdk";
import { readOperatorToken, tokenFileOf } from "../../src/node/operator-token.ts";
import { kuboClient } from "../../src/node/protocol.ts";
import { readSse, REAL_ENGINE, realBaseModel, waitFor } from "./helpers.ts";

const DATA = path.join(import.meta.dirname, "fixtures", "data");
const CLI = path.join(import.meta.dirname, "..", "..", "src", "cli.ts");
let dir: string;
let ipfsNode: IpfsNode;
let ipfsServer: IpfsServer;
let baseModelDir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "trainer-resume-"));
  ipfsNode = await IpfsNode.open({ dataDir: path.join(dir, "ipfs") });
  ipfsServer = await startIpfsServer(ipfsNode, { port: 0 });
  const ipfs = kuboClient(ipfsServer.url);
  const contributions = [];
  for (const [i, [name, format]] of ([["alpaca.jsonl", 4], ["messages.jsonl", 4], ["notes.txt", 0]] as const).entries()) {
    const bytes = new Uint8Array(readFileSync(path.join(DATA, name)));
    contributions.push({ contributionId: keccak256(toHex(name)), datanetId: 1, contributor: `0x${String(i + 1).padStart(40, "0")}`, ...toOnchainCid(await ipfs.add(bytes)), format, size: bytes.length });
  }
  writeFileSync(path.join(dir, "contributions.json"), JSON.stringify(contributions));
  baseModelDir = await realBaseModel(path.join(dir, "base"));
});

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  await ipfsServer?.close();
  await ipfsNode?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function startNode(dataDir: string, port = 0): Promise<{ url: string; child: ChildProcess }> {
  const configFile = path.join(dir, `config-${path.basename(dataDir)}.json`);
  writeFileSync(configFile, JSON.stringify({ dataDir, port, ipfsUrl: ipfsServer.url, engineModule: REAL_ENGINE, baseModelDir, contributionsFile: path.join(dir, "contributions.json") }));
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", path.join(import.meta.dirname, "node-process.ts"), configFile], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the node exited with ${code} before it was ready`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

const SPEC = { datanetIds: [1], upToBlock: 7, method: "lora", hyperparameters: { epochs: 12, batchSize: 1, maxSeqLen: 64, seed: 3, evalFraction: 0, workers: 1 }, checkpointEvery: 5 };

async function submit(url: string, dataDir: string): Promise<string> {
  const token = readOperatorToken(tokenFileOf(dataDir))!;
  const r = await fetch(`${url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify(SPEC) });
  expect(r.status).toBe(201);
  return ((await r.json()) as { id: string }).id;
}

interface Finished { state: string; attempts: number; error?: string; publication: { artifact: { sha256: string } }; progress: { totalSteps: number } }

async function finished(url: string, id: string): Promise<Finished> {
  return waitFor(`job ${id} to end`, async () => {
    const job = (await (await fetch(`${url}/v1/jobs/${id}`)).json()) as Finished;
    return ["succeeded", "failed", "cancelled"].includes(job.state) ? job : undefined;
  }, 200_000, 200);
}

it("resumes a job after kill -9 and ends with the adapter of an uninterrupted run", async () => {
  // Uninterrupted run.
  const a = await startNode(path.join(dir, "a"));
  const jobA = await submit(a.url, path.join(dir, "a"));
  const doneA = await finished(a.url, jobA);
  expect(doneA.error).toBeUndefined();
  expect(doneA.state).toBe("succeeded");
  a.child.kill("SIGTERM");

  // The same job, killed mid-training once a checkpoint exists.
  const dataB = path.join(dir, "b");
  const b = await startNode(dataB);
  const jobB = await submit(b.url, dataB);
  // An operator watching with the CLI: it must ride out the crash and the restart.
  const watcher = execFile(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "--url", b.url, "jobs", "status", jobB, "--watch"], { timeout: 200_000 });
  const watched = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    let stdout = "", stderr = "";
    watcher.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    watcher.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    watcher.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
  let killedAt = 0;
  const total = doneA.progress.totalSteps;
  const events = await fetch(`${b.url}/v1/jobs/${jobB}/events`);
  await readSse(events, (e) => {
    if (e.event !== "progress" || killedAt) return;
    const step = (JSON.parse(e.data) as { step: number }).step;
    if (step >= 7) { killedAt = step; b.child.kill("SIGKILL"); }
  }).catch(() => undefined); // the stream breaks when the node dies
  expect(killedAt).toBeGreaterThanOrEqual(7);
  expect(killedAt).toBeLessThan(total);
  await waitFor("the killed node to exit", () => (b.child.signalCode === "SIGKILL" ? true : undefined));
  // Its training process notices within a step and exits too.
  const workerPid = Number(readFileSync(path.join(dataB, "jobs", jobB, "worker.pid"), "utf8"));
  await waitFor("the orphaned worker to exit", () => (existsSync(`/proc/${workerPid}`) ? undefined : true), 30_000);
  const stateFile = JSON.parse(readFileSync(path.join(dataB, "jobs", jobB, "state.json"), "utf8")) as { state: string };
  expect(stateFile.state).toBe("training");

  const b2 = await startNode(dataB, Number(new URL(b.url).port));
  const doneB = await finished(b2.url, jobB);
  expect(doneB.error).toBeUndefined();
  expect(doneB.state).toBe("succeeded");
  expect(doneB.attempts).toBe(2);
  expect(doneB.publication.artifact.sha256).toBe(doneA.publication.artifact.sha256);
  const log = readFileSync(path.join(dataB, "jobs", jobB, "events.ndjson"), "utf8");
  expect(log).toMatch(/resuming from state training/);
  // Training picked up from a checkpoint, not from step 1.
  const afterRestart = log.slice(log.indexOf("resuming from state training")).split("\n").filter((l) => l.includes('"type":"progress"'));
  const firstStep = (JSON.parse(afterRestart[0]!) as { step: number }).step;
  expect(firstStep).toBeGreaterThan(1);
  expect(firstStep).toBeLessThan(total);
  const cli = await watched;
  expect(cli.stderr).toMatch(/reconnecting/);
  expect(cli.code).toBe(0);
  expect(cli.stdout).toMatch(/resuming from state training/);
  expect(cli.stdout).toMatch(new RegExp(`job ${jobB}: succeeded`));
  b2.child.kill("SIGTERM");
});
