// The node's HTTP API over a real embedded IPFS node, with the stand-in engine (fast, and the
// node's behaviour does not depend on the model): validation, a job's lifecycle followed by
// server-sent events, cancel, the model list and chat completions with the base and an adapter.
import { mkdtempSync, readFileSync, rmSync, existsSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { IpfsNode, startIpfsServer, type IpfsServer } from "@openledger/ipfs-node";
import { toOnchainCid } from "@openledger/sdk";
import type { AcceptedContribution } from "../../src/dataset/indexer.ts";
import { startTrainerNode, type TrainerNode } from "../../src/node/index.ts";
import { kuboClient } from "../../src/node/protocol.ts";
import { Estimator } from "../../src/node/estimate.ts";
import { parseJobRequest, sha256HexOf } from "../../src/node/spec.ts";
import { readSse, STUB_ENGINE, waitFor } from "./helpers.ts";

const DATA = path.join(import.meta.dirname, "fixtures", "data");
const STUB_BASE = path.join(import.meta.dirname, "fixtures", "stub-base");

let dir: string;
let ipfsNode: IpfsNode;
let ipfsServer: IpfsServer;
let node: TrainerNode;
const contributions: AcceptedContribution[] = [];

async function post(route: string, body: unknown): Promise<{ status: number; body: any }> {
  const r = await fetch(`${node.url}${route}`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${node.operator.token}` }, body: JSON.stringify(body) });
  return { status: r.status, body: await r.json() };
}
async function get(route: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${node.url}${route}`);
  return { status: r.status, body: await r.json() };
}

beforeAll(async () => {
  process.env.STUB_STEP_MS = "15";
  dir = mkdtempSync(path.join(os.tmpdir(), "trainer-api-"));
  ipfsNode = await IpfsNode.open({ dataDir: path.join(dir, "ipfs") });
  ipfsServer = await startIpfsServer(ipfsNode, { port: 0 });
  const ipfs = kuboClient(ipfsServer.url);
  for (const [i, [name, format]] of ([["alpaca.jsonl", 4], ["sharegpt.jsonl", 4], ["notes.txt", 0], ["pixel.png", 6]] as const).entries()) {
    const bytes = new Uint8Array(readFileSync(path.join(DATA, name)));
    const cid = await ipfs.add(bytes);
    contributions.push({ contributionId: keccak256(toHex(name)), datanetId: 1, contributor: `0x${String(i + 1).padStart(40, "0")}`, ...toOnchainCid(cid), format, size: bytes.length });
  }
  node = await startTrainerNode({
    dataDir: path.join(dir, "node"), port: 0, ipfsUrl: ipfsServer.url, engineModule: STUB_ENGINE, baseModelDir: STUB_BASE, cancelGraceMs: 5_000, adapterCacheSize: 1,
    // Datanet 3 holds only the image: a job on it has nothing to train on.
    contributionSource: async (datanetId) => (datanetId === 3 ? contributions.filter((c) => c.format === 6).map((c) => ({ ...c, datanetId: 3 })) : contributions.filter((c) => c.datanetId === datanetId)),
  });
});

afterAll(async () => {
  await node?.stop();
  await ipfsServer?.close();
  await ipfsNode?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("validation", () => {
  it("refuses bad job requests with the rule and the numbers", async () => {
    const cases: [unknown, RegExp][] = [
      [{ datanetIds: [1], upToBlock: 1, hyperparameters: { learningRate: 5 } }, /^learningRate must be in \(0, 1\], got 5$/],
      [{ datanetIds: [], upToBlock: 1 }, /datanetIds must be a non-empty array/],
      [{ datanetIds: [0], upToBlock: 1 }, /datanetIds\[0\] must be an integer in \[1, 4294967295\], got 0/],
      [{ datanetIds: [1], upToBlock: 1, method: "dpo" }, /method must be one of lora, qlora, full, got "dpo"/],
      [{ datanetIds: [1], upToBlock: 1, hyperparameters: { epochs: 1.5 } }, /epochs must be an integer in \[1, 1000\], got 1.5/],
      [{ datanetIds: [1], upToBlock: 1, hyperparameters: { batchsize: 4 } }, /unknown hyperparameter "batchsize"/],
      [{ datanetIds: [1], upToBlock: 1, lora: { rank: 0 } }, /lora.rank must be an integer in \[1, 1024\], got 0/],
      [{ datanetIds: [1], upToBlock: 1, method: "full", lora: { rank: 4 } }, /lora settings apply to methods lora and qlora/],
      [{ datanetIds: [1], upToBlock: 1, baseModel: "/nonexistent/model" }, /is not a model folder this node has \(a folder with config.json/],
      [{ datanetIds: [1] }, /upToBlock is required when the node has no chain/],
      [{ datanetIds: [1], upToBlock: 1, colour: "red" }, /unknown field "colour"/],
    ];
    for (const [body, message] of cases) {
      const r = await post("/v1/jobs", body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error.message).toMatch(message);
    }
    const bad = await fetch(`${node.url}/v1/jobs`, { method: "POST", headers: { authorization: `Bearer ${node.operator.token}` }, body: "{not json" });
    expect(bad.status).toBe(400);
    expect((await get("/v1/jobs/job-nope")).status).toBe(404);
    expect((await post("/v1/jobs/job-nope/cancel", {})).status).toBe(404);
  });

  it("answers browsers on loopback origins (CORS) and refuses other origins", async () => {
    const local = await fetch(`${node.url}/v1/models`, { headers: { origin: "http://localhost:5173" } });
    expect(local.status).toBe(200);
    expect(local.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const preflight = await fetch(`${node.url}/v1/jobs`, { method: "OPTIONS", headers: { origin: "http://127.0.0.1:3000", "access-control-request-method": "POST" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-methods")).toMatch(/POST/);
    const foreign = await fetch(`${node.url}/v1/jobs`, { method: "POST", headers: { origin: "https://evil.example", "content-type": "text/plain" }, body: JSON.stringify({ datanetIds: [1], upToBlock: 1 }) });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get("access-control-allow-origin")).toBeNull();
    expect(((await foreign.json()) as { error: { message: string } }).error.message).toMatch(/origin https:\/\/evil.example are not allowed/);
  });

  it("estimates a job from the data it would train on, refuses one with nothing to train on, and needs the operator token", async () => {
    const e = await post("/v1/jobs/estimate", { datanetIds: [1], upToBlock: 100, hyperparameters: { epochs: 4, batchSize: 2 } });
    expect(e.status).toBe(200);
    // The same counts as the job's own dataset (5 examples from 3 files; the image refused).
    expect(e.body.dataset).toEqual({ contributions: 4, bytes: contributions.reduce((n, c) => n + c.size, 0), read: 4, readBytes: contributions.reduce((n, c) => n + c.size, 0), refused: 1, examples: 5, tokens: e.body.dataset.tokens, extrapolated: false });
    expect(e.body.dataset.tokens).toBeGreaterThan(5);
    expect(e.body).toMatchObject({ upToBlock: 100, steps: 12, examples: { train: 5 } });
    const empty = await post("/v1/jobs/estimate", { datanetIds: [3], upToBlock: 100 });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/^nothing to train on at block 100: no accepted contribution could be used/);
    const bad = await post("/v1/jobs/estimate", { datanetIds: [1], upToBlock: 100, hyperparameters: { learningRate: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("learningRate must be in (0, 1], got 5");
    const anonymous = await fetch(`${node.url}/v1/jobs/estimate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ datanetIds: [1], upToBlock: 100 }) });
    expect(anonymous.status).toBe(401);
  });

  it("reads at most its byte budget of files for an estimate and scales the counts by bytes", async () => {
    const stub = await import("./stub-engine.ts");
    const sizes = contributions.filter((c) => c.format !== 6);
    const estimator = new Estimator({ engine: stub, contributions: async () => sizes, loadBase: (d) => stub.loadBaseModel(d), ipfs: kuboClient(ipfsServer.url), sampleBytes: 1 });
    const e = await estimator.estimate({ ...parseJobRequest({ datanetIds: [1], baseModel: STUB_BASE }, { baseModel: STUB_BASE }), upToBlock: 100 });
    const total = sizes.reduce((n, c) => n + c.size, 0);
    // One file read (a budget of 1 byte still reads one whole file), the rest extrapolated by bytes.
    expect(e.dataset).toMatchObject({ contributions: 3, bytes: total, read: 1, extrapolated: true });
    expect(e.dataset.examples).toBeGreaterThan(0);
    expect(e.dataset.readBytes).toBeLessThan(total);
  });

  it("refuses bad chat requests", async () => {
    const ok = { model: "stub-base", messages: [{ role: "user", content: "hi" }] };
    expect((await post("/v1/chat/completions", { ...ok, temperature: 3 })).body.error.message).toBe("temperature must be in [0, 2], got 3");
    expect((await post("/v1/chat/completions", { ...ok, top_p: 0 })).body.error.message).toBe("top_p must be in (0, 1], got 0");
    expect((await post("/v1/chat/completions", { ...ok, max_tokens: 0 })).body.error.message).toBe("max_tokens must be an integer in [1, 4096], got 0");
    expect((await post("/v1/chat/completions", { ...ok, messages: [{ role: "robot", content: "x" }] })).status).toBe(400);
    const unknown = await post("/v1/chat/completions", { ...ok, model: "openledger:7" });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/no chain configured/);
  });
});

describe("jobs", () => {
  let jobId: string;

  it("runs a job from dataset to artifact, streaming its state and progress as server-sent events", async () => {
    const submitted = await post("/v1/jobs", { datanetIds: [1], upToBlock: 100, hyperparameters: { epochs: 4, batchSize: 2 }, checkpointEvery: 3 });
    expect(submitted.status).toBe(201);
    jobId = submitted.body.id;
    const events = await readSse(await fetch(`${node.url}/v1/jobs/${jobId}/events`));
    const states = events.filter((e) => e.event === "state").map((e) => JSON.parse(e.data).state);
    expect(states).toEqual(["queued", "preparing", "training", "publishing", "succeeded"]);
    const progress = events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data));
    // 2 alpaca + 2 sharegpt + 1 text = 5 examples, batch 2 → 3 steps per epoch, 4 epochs.
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    for (const p of progress) for (const k of ["loss", "tokensPerSecond", "etaSeconds", "totalSteps"]) expect(typeof p[k]).toBe("number");
    const end = JSON.parse(events.at(-1)!.data);
    expect(events.at(-1)!.event).toBe("end");
    expect(end.state).toBe("succeeded");
    expect(end.dataset).toMatchObject({ examples: 5, contributionsUsed: 3, contributionsRefused: 1, block: 100 });
    expect(end.dataset.refused[0].reason).toMatch(/image format/);
    // The artifact is on IPFS under the CID the job records, with the recorded sha256.
    const artifact = readFileSync(path.join(dir, "node", "jobs", jobId, "output", "adapter_model.safetensors"));
    expect(end.publication.artifact.sha256).toBe(sha256HexOf(artifact));
    const fetched = await kuboClient(ipfsServer.url).cat(end.publication.artifact.cid);
    expect(sha256HexOf(fetched)).toBe(end.publication.artifact.sha256);
    const manifest = JSON.parse(Buffer.from(await kuboClient(ipfsServer.url).cat(end.publication.manifestCid)).toString());
    expect(manifest.root).toBe(end.dataset.root);
    expect(manifest.leaves).toHaveLength(3);
    expect(end.publication.notRegistered).toMatch(/no chain RPC URL/);
    const status = await get(`/v1/jobs/${jobId}`);
    expect(status.body.report.map((r: { status: string }) => r.status).sort()).toEqual(["refused", "used", "used", "used"]);
    // The job's files can be downloaded; only the listed ones.
    const download = await fetch(`${node.url}/v1/jobs/${jobId}/files/adapter_model.safetensors`);
    expect(download.status).toBe(200);
    expect(sha256HexOf(new Uint8Array(await download.arrayBuffer()))).toBe(end.publication.artifact.sha256);
    const trainingLog = await get(`/v1/jobs/${jobId}/files/training_log.json`);
    expect(trainingLog.body).toHaveLength(12);
    expect((await get(`/v1/jobs/${jobId}/files/manifest.json`)).body.root).toBe(end.dataset.root);
    expect((await get(`/v1/jobs/${jobId}/files/spec.json`)).status).toBe(404);
    expect((await get(`/v1/jobs/${jobId}/files/..%2Fspec.json`)).status).toBe(404);
    const list = await get("/v1/jobs");
    expect(list.body.data.map((j: { id: string }) => j.id)).toContain(jobId);
    // A client that connects after the end replays the history and gets the end at once.
    const replay = await readSse(await fetch(`${node.url}/v1/jobs/${jobId}/events`));
    expect(replay.filter((e) => e.event === "progress")).toHaveLength(12);
  });

  it("fails a job whose dataset is empty, with the reason and the per-contribution report", async () => {
    const submitted = await post("/v1/jobs", { datanetIds: [3], upToBlock: 100 });
    const job = await waitFor("the job to fail", async () => { const j = (await get(`/v1/jobs/${submitted.body.id}`)).body; return j.state === "failed" ? j : undefined; });
    expect(job.error).toMatch(/^building the dataset failed: the dataset is empty: no accepted contribution could be used \(see the report\)/);
    expect(job.report).toEqual([expect.objectContaining({ status: "refused", format: "png", reason: expect.stringMatching(/image format/) })]);
    expect(job.progress).toBeUndefined();
  });

  it("cancels a training job, keeping its checkpoint", async () => {
    const submitted = await post("/v1/jobs", { datanetIds: [1], upToBlock: 100, hyperparameters: { epochs: 400, batchSize: 1 }, checkpointEvery: 2 });
    const id = submitted.body.id;
    await waitFor("training progress", async () => ((await get(`/v1/jobs/${id}`)).body.progress?.step >= 5 ? true : undefined));
    const cancel = await post(`/v1/jobs/${id}/cancel`, {});
    expect(cancel.status).toBe(200);
    const job = await waitFor("cancelled", async () => { const j = (await get(`/v1/jobs/${id}`)).body; return j.state === "cancelled" ? j : undefined; }, 20_000);
    expect(job.progress.step).toBeLessThan(2000);
    expect(existsSync(path.join(dir, "node", "jobs", id, "checkpoints", "checkpoint.json"))).toBe(true);
    expect(existsSync(path.join(dir, "node", "jobs", id, "output", "adapter_model.safetensors"))).toBe(false);
    const again = await post(`/v1/jobs/${id}/cancel`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.message).toMatch(/already cancelled/);

    // Retried, it resumes from its checkpoint, not from step 1.
    const stoppedAt = job.progress.step;
    const steps: number[] = [];
    const listener = (e: { type: string; step?: number }) => { if (e.type === "progress") steps.push(e.step!); };
    node.jobs.events.on(id, listener);
    expect((await post(`/v1/jobs/${id}/retry`, {})).body.state).toBe("queued");
    await waitFor("progress after the retry", () => (steps.length >= 2 ? true : undefined));
    node.jobs.events.off(id, listener);
    expect(steps[0]).toBeGreaterThan(1);
    expect(steps[0]).toBeLessThanOrEqual(stoppedAt + 1);
    expect((await post(`/v1/jobs/${id}/retry`, {})).status).toBe(409); // running, not retryable
    await post(`/v1/jobs/${id}/cancel`, {});
    await waitFor("cancelled again", async () => ((await get(`/v1/jobs/${id}`)).body.state === "cancelled" ? true : undefined), 20_000);
  });

  it("lists servable models and chats with the base and with the job's adapter, streaming and not", async () => {
    const models = await get("/v1/models");
    expect(models.body.object).toBe("list");
    const ids = models.body.data.map((m: { id: string }) => m.id);
    expect(ids).toContain("stub-base");
    expect(ids).toContain(`job:${jobId}`);

    const messages = [{ role: "user", content: "hello there" }];
    const base = await post("/v1/chat/completions", { model: "stub-base", messages });
    expect(base.status).toBe(200);
    expect(base.body).toMatchObject({ object: "chat.completion", model: "stub-base", choices: [{ index: 0, message: { role: "assistant", content: "[base] hello there" }, finish_reason: "stop" }] });
    expect(base.body.usage.completion_tokens).toBe("[base] hello there".length);

    const adapter = await post("/v1/chat/completions", { model: `job:${jobId}`, messages });
    const tag = adapter.body.choices[0].message.content.slice(1, 9);
    expect(tag).toMatch(/^[0-9a-f]{8}$/);

    const stream = await fetch(`${node.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: `job:${jobId}`, messages, stream: true }) });
    expect(stream.headers.get("content-type")).toMatch(/text\/event-stream/);
    const chunks = await readSse(stream);
    expect(chunks.at(-1)!.data).toBe("[DONE]");
    const parsed = chunks.slice(0, -1).map((c) => JSON.parse(c.data));
    expect(parsed[0].choices[0].delta.role).toBe("assistant");
    expect(parsed.every((c) => c.object === "chat.completion.chunk")).toBe(true);
    expect(parsed.map((c) => c.choices[0].delta.content ?? "").join("")).toBe(adapter.body.choices[0].message.content);
    expect(parsed.at(-1).choices[0].finish_reason).toBe("stop");

    const short = await post("/v1/chat/completions", { model: "stub-base", messages, max_tokens: 4 });
    expect(short.body.choices[0]).toMatchObject({ message: { content: "[bas" }, finish_reason: "length" });
    const stopped = await post("/v1/chat/completions", { model: "stub-base", messages, stop: ["hello"] });
    expect(stopped.body.choices[0].message.content).toBe("[base] ");
    expect(node.chat.stats.adapterLoads).toBe(1); // loaded once, then served from the cache
    expect(readdirSync(path.join(dir, "node", "jobs")).length).toBe(3);
  });

  it("keeps adapters in a least-recently-used cache", async () => {
    const submitted = await post("/v1/jobs", { datanetIds: [1], upToBlock: 100, hyperparameters: { epochs: 1, batchSize: 5, seed: 9 } });
    const other = submitted.body.id as string;
    await waitFor("the second job", async () => ((await get(`/v1/jobs/${other}`)).body.state === "succeeded" ? true : undefined));
    const ask = async (model: string) => (await post("/v1/chat/completions", { model, messages: [{ role: "user", content: "x" }] })).body.choices[0].message.content as string;
    const before = { ...node.chat.stats };
    const a1 = await ask(`job:${jobId}`); // cached from the previous test
    const b = await ask(`job:${other}`); // loads, evicting the first (capacity 1)
    const a2 = await ask(`job:${jobId}`); // loads again
    expect(a1).toBe(a2);
    expect(b).not.toBe(a1); // another seed, another adapter
    expect(node.chat.stats.adapterLoads - before.adapterLoads).toBe(2);
    expect(node.chat.stats.evictions - before.evictions).toBe(2);
  });
});
