// The `trainer` command-line client against a running node (stand-in engine): tables and --json,
// --watch, chat, and the documented exit codes.
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { IpfsNode, startIpfsServer, type IpfsServer } from "@openledger/ipfs-node";
import { toOnchainCid } from "@openledger/sdk";
import type { AcceptedContribution } from "../../src/dataset/indexer.ts";
import { startTrainerNode, type TrainerNode } from "../../src/node/index.ts";
import { kuboClient } from "../../src/node/protocol.ts";
import { STUB_ENGINE } from "./helpers.ts";

const CLI = path.join(import.meta.dirname, "..", "..", "src", "cli.ts");
let dir: string;
let ipfsNode: IpfsNode;
let ipfsServer: IpfsServer;
let node: TrainerNode;

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "--url", node.url, "--data-dir", path.join(dir, "node"), ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  process.env.STUB_STEP_MS = "10";
  dir = mkdtempSync(path.join(os.tmpdir(), "trainer-cli-"));
  ipfsNode = await IpfsNode.open({ dataDir: path.join(dir, "ipfs") });
  ipfsServer = await startIpfsServer(ipfsNode, { port: 0 });
  const bytes = new Uint8Array(readFileSync(path.join(import.meta.dirname, "fixtures", "data", "alpaca.jsonl")));
  const c: AcceptedContribution = { contributionId: keccak256(toHex("a")), datanetId: 1, contributor: "0x0000000000000000000000000000000000000001", ...toOnchainCid(await kuboClient(ipfsServer.url).add(bytes)), format: 4, size: bytes.length };
  node = await startTrainerNode({
    dataDir: path.join(dir, "node"), port: 0, ipfsUrl: ipfsServer.url, engineModule: STUB_ENGINE, baseModelDir: path.join(import.meta.dirname, "fixtures", "stub-base"),
    contributionSource: async (id) => (id === 1 ? [c] : []),
  });
});

afterAll(async () => {
  await node?.stop();
  await ipfsServer?.close();
  await ipfsNode?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("estimates a job before submitting it, as text and as JSON", async () => {
  const text = await cli("jobs", "estimate", "--datanet", "1", "--up-to-block", "5", "--epochs", "3", "--batch-size", "1");
  expect(text.stderr).toBe("");
  expect(text.code).toBe(0);
  // alpaca.jsonl gives 2 examples: 2 micro-batches of 1 row per epoch, 3 epochs.
  expect(text.stdout).toMatch(/^estimate at block 5:\n {2}data: 2 examples, \d+ tokens from 1 accepted contributions\n {2}steps: 6 \(6 micro-batches/);
  expect(text.stdout).toMatch(/\n {2}memory: about 0\.0 MiB \(weights/);
  expect(text.stdout).toMatch(/\n {2}time: under 1 s \(0\.00 s per micro-batch, measured on this node/);
  const json = await cli("jobs", "estimate", "--datanet", "1", "--up-to-block", "5", "--json");
  expect(JSON.parse(json.stdout)).toMatchObject({ upToBlock: 5, dataset: { contributions: 1, examples: 2, extrapolated: false } });
  const usage = await cli("jobs", "estimate");
  expect(usage.code).toBe(2);
  expect(usage.stderr).toMatch(/^trainer: jobs estimate needs at least one --datanet ID/);
});

it("submits and watches a job, lists jobs and models, and chats", async () => {
  const submit = await cli("jobs", "submit", "--datanet", "1", "--up-to-block", "5", "--epochs", "3", "--batch-size", "1", "--watch");
  expect(submit.stderr).toBe("");
  expect(submit.code).toBe(0);
  expect(submit.stdout).toMatch(/^submitted job-/);
  expect(submit.stdout).toMatch(/step 6\/6 {2}loss/);
  expect(submit.stdout).toMatch(/succeeded/);
  expect(submit.stdout).toMatch(/not registered: no chain RPC URL/);
  const id = /submitted (job-\S+)/.exec(submit.stdout)![1]!;

  const list = await cli("jobs", "list");
  expect(list.stdout.split("\n")[0]).toMatch(/^ID\s+STATE\s+DATANETS\s+METHOD\s+STEP\s+LOSS\s+MODEL$/);
  expect(list.stdout).toMatch(new RegExp(`${id}\\s+succeeded\\s+1\\s+lora\\s+6/6`));
  const json = await cli("jobs", "status", id, "--json");
  expect(JSON.parse(json.stdout)).toMatchObject({ id, state: "succeeded", dataset: { examples: 2 } });

  const models = await cli("models", "--json");
  expect((JSON.parse(models.stdout) as { id: string }[]).map((m) => m.id)).toEqual(["stub-base", `job:${id}`]);
  const chat = await cli("chat", "--model", "stub-base", "hello", "world");
  expect(chat.stdout).toBe("[base] hello world\n");
  const chatJson = await cli("chat", "--model", `job:${id}`, "--json", "--max-tokens", "5", "hi");
  expect(JSON.parse(chatJson.stdout)).toMatchObject({ object: "chat.completion", model: `job:${id}`, choices: [{ finish_reason: "length" }] });
  // Interactive: one line per turn, the conversation carried over, /exit ends.
  const interactive = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "--url", node.url, "chat", "--model", "stub-base"], { stdio: ["pipe", "pipe", "inherit"] });
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout }));
    child.stdin.end("first\nsecond\n/exit\n");
  });
  expect(interactive.code).toBe(0);
  expect(interactive.stdout).toMatch(/\[base\] first\n[\s\S]*\[base\] second\n/);
  const unknownModel = await cli("chat", "--model", "nope", "hi");
  expect(unknownModel.code).toBe(1);
  expect(unknownModel.stderr).toMatch(/model "nope" is not served here/);
});

it("exits 1 when the node refuses, 2 on usage errors, 3 when the node is unreachable, 4 when a watched job is cancelled", async () => {
  const refused = await cli("jobs", "submit", "--datanet", "1", "--up-to-block", "5", "--learning-rate", "5");
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/learningRate must be in \(0, 1\], got 5/);
  expect((await cli("jobs", "submit")).code).toBe(2);
  expect((await cli("jobs", "frobnicate")).code).toBe(2);
  expect((await cli("jobs", "submit", "--datanet", "1", "--epochs", "many")).code).toBe(2);
  const unreachable = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, "--url", "http://127.0.0.1:9", "jobs", "list"], (error, _o, stderr) => resolve({ code: (error as { code?: number } | null)?.code ?? 0, stderr }));
  });
  expect(unreachable.code).toBe(3);
  expect(unreachable.stderr).toMatch(/cannot reach the trainer node/);

  const long = await cli("jobs", "submit", "--datanet", "1", "--up-to-block", "5", "--epochs", "1000", "--batch-size", "1", "--json");
  const id = (JSON.parse(long.stdout) as { id: string }).id;
  const watching = cli("jobs", "status", id, "--watch");
  await new Promise((r) => setTimeout(r, 500));
  expect((await cli("jobs", "cancel", id)).code).toBe(0);
  const watched = await watching;
  expect(watched.code).toBe(4);
  expect(watched.stdout).toMatch(/cancelled/);
});
