// The node's HTTP API against a hostile or careless client (stand-in engine): writes without the
// operator token, a flood of jobs, LoRA targets the model does not have, chat asking for more than
// the context holds, and errors that must not show the server's folders.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AcceptedContribution } from "../../src/dataset/indexer.ts";
import { startTrainerNode, type TrainerNode } from "../../src/node/index.ts";
import { STUB_ENGINE, waitFor } from "./helpers.ts";

const STUB_BASE = path.join(import.meta.dirname, "fixtures", "stub-base");
/** Datanet whose one contribution cannot be fetched: its job fails in the training process. */
const UNFETCHABLE = 9;
const MAX_QUEUED = 2;

let dir: string;
let node: TrainerNode;
let release: (rows: AcceptedContribution[]) => void;
/** Held until the end: a job that asks for Datanet 1's contributions stays in "preparing", so later jobs wait. */
const held = new Promise<AcceptedContribution[]>((resolve) => (release = resolve));

type Answer = { status: number; body: any };
async function call(method: string, route: string, options: { token?: string; body?: unknown } = {}): Promise<Answer> {
  const headers: Record<string, string> = { "content-type": "application/json", ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) };
  const r = await fetch(`${node.url}${route}`, { method, headers, ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  return { status: r.status, body: await r.json() };
}
const asOperator = (method: string, route: string, body?: unknown) => call(method, route, { token: node.operator.token, body });
const job = (datanetId: number) => ({ datanetIds: [datanetId], upToBlock: 10 });

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "trainer-hostile-"));
  node = await startTrainerNode({
    // No IPFS node listens there: the contribution of Datanet 9 cannot be fetched.
    dataDir: path.join(dir, "node"), port: 0, ipfsUrl: "http://127.0.0.1:9", engineModule: STUB_ENGINE, baseModelDir: STUB_BASE, maxQueuedJobs: MAX_QUEUED, cancelGraceMs: 2_000,
    contributionSource: async (datanetId) => datanetId === UNFETCHABLE
      ? [{ contributionId: `0x${"ab".repeat(32)}`, datanetId, contributor: `0x${"01".padStart(40, "0")}`, cid: "0x01", cidCodec: 0, format: 4, size: 10 } as unknown as AcceptedContribution]
      : held,
  });
});

afterAll(async () => {
  release?.([]);
  await node?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("the operator token", () => {
  it("is generated at the first start, stored owner-only, and kept across restarts", async () => {
    expect(node.operator.created).toBe(true);
    expect(node.operator.token).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    expect(statSync(node.operator.file!).mode & 0o777).toBe(0o600);
    const again = await startTrainerNode({ dataDir: path.join(dir, "node"), port: 0, engineModule: STUB_ENGINE, baseModelDir: STUB_BASE });
    try {
      expect(again.operator).toMatchObject({ token: node.operator.token, created: false });
    } finally {
      await again.stop();
    }
  });

  it("is required to create, cancel and retry jobs: 401 without it or with a wrong one", async () => {
    const writes: [string, unknown][] = [["/v1/jobs", job(1)], ["/v1/jobs/job-x/cancel", {}], ["/v1/jobs/job-x/retry", {}]];
    for (const [route, body] of writes) {
      const none = await call("POST", route, { body });
      expect(none.status, route).toBe(401);
      expect(none.body.error.message).toMatch(/needs the node's operator token: send "Authorization: Bearer <token>"/);
      const wrong = await call("POST", route, { body, token: `${node.operator.token.slice(0, -1)}x` });
      expect(wrong.status, route).toBe(401);
      expect(wrong.body.error.message).toMatch(/the operator token does not match/);
      const basic = await fetch(`${node.url}${route}`, { method: "POST", headers: { authorization: `Basic ${node.operator.token}` }, body: JSON.stringify(body) });
      expect(basic.status, route).toBe(401);
    }
    expect((await asOperator("GET", "/v1/jobs")).body.data).toEqual([]); // nothing was created
  });

  it("is not needed to read jobs and models or to chat", async () => {
    expect((await call("GET", "/health")).status).toBe(200);
    expect((await call("GET", "/v1/jobs")).status).toBe(200);
    expect((await call("GET", "/v1/models")).status).toBe(200);
    const chat = await call("POST", "/v1/chat/completions", { body: { model: "stub-base", messages: [{ role: "user", content: "hi" }], max_tokens: 16 } });
    expect(chat.status).toBe(200);
    expect(chat.body.choices[0].message.content).toBe("[base] hi");
  });
});

describe("refusals at submission", () => {
  it("refuses LoRA target modules the model does not have, naming them and the valid ones", async () => {
    const r = await asOperator("POST", "/v1/jobs", { ...job(1), lora: { targetModules: ["q_proj", "c_attn"] } });
    expect(r.status).toBe(400);
    expect(r.body.error.message).toBe('lora.targetModules: "c_attn" is not a linear module of this llama model; valid modules: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj, or "all-linear"');
    expect((await asOperator("GET", "/v1/jobs")).body.data).toEqual([]);
  });

  it("accepts module names as PEFT matches them: the module, a path's end, or all-linear", async () => {
    for (const targetModules of [["self_attn.v_proj"], ["all-linear"]]) {
      const r = await asOperator("POST", "/v1/jobs", { ...job(UNFETCHABLE), lora: { targetModules } });
      expect(r.status, JSON.stringify(targetModules)).toBe(201);
      await waitFor("the job to fail", async () => ((await call("GET", `/v1/jobs/${r.body.id}`)).body.state === "failed" ? true : undefined), 30_000);
    }
  });
});

describe("errors", () => {
  it("name no path on the server: a job's failure, a missing base model, a malformed path", async () => {
    const submitted = await asOperator("POST", "/v1/jobs", job(UNFETCHABLE));
    const failed = await waitFor("the job to fail", async () => { const j = (await call("GET", `/v1/jobs/${submitted.body.id}`)).body; return j.state === "failed" ? j : undefined; }, 30_000);
    expect(failed.error).toMatch(/see worker\.log in the job's folder/);
    expect(failed.error).not.toContain(dir);
    expect(failed.error).not.toMatch(/(^|[\s("'])\/\w/);

    const missing = await asOperator("POST", "/v1/jobs", { ...job(1), baseModel: "models/missing" });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe('baseModel "models/missing" is not a model folder this node has (a folder with config.json, model.safetensors and tokenizer.json)');

    const badEscape = await fetch(`${node.url}/v1/jobs/%E0%A4%A/files/report.json`);
    expect(badEscape.status).toBe(400);
    expect(((await badEscape.json()) as { error: { message: string } }).error.message).toMatch(/not valid percent-encoding/);
  });
});

describe("chat within the context", () => {
  const ask = (content: string, extra: Record<string, unknown> = {}) => call("POST", "/v1/chat/completions", { body: { model: "stub-base", messages: [{ role: "user", content }], ...extra } });
  // The stand-in's template: "<|user|>" + content + "\n<|assistant|>", one token per byte; its context is 512.
  const promptTokens = (content: string) => `<|user|>${content}\n<|assistant|>`.length;

  it("refuses a prompt and max_tokens over the model's context, with the numbers", async () => {
    const r = await ask("What is the capital of France?", { max_tokens: 4096 });
    expect(r.status).toBe(400);
    const p = promptTokens("What is the capital of France?");
    expect(r.body.error.message).toBe(`the prompt is ${p} tokens and max_tokens is 4096: together ${p + 4096}, over model stub-base's context of 512 tokens; ask for max_tokens of at most ${512 - p}, or shorten the messages`);
    const fits = await ask("What is the capital of France?", { max_tokens: 512 - p });
    expect(fits.status).toBe(200);
    const streamed = await call("POST", "/v1/chat/completions", { body: { model: "stub-base", messages: [{ role: "user", content: "hi" }], max_tokens: 600, stream: true } });
    expect(streamed.status).toBe(400);
  });

  it("refuses a prompt longer than the context; a default max_tokens shrinks to what is left", async () => {
    const long = await ask("x".repeat(600));
    expect(long.status).toBe(400);
    expect(long.body.error.message).toMatch(new RegExp(`^the prompt is ${promptTokens("x".repeat(600))} tokens .* shorten the messages to under 512 tokens$`));
    const nearlyFull = "y".repeat(512 - promptTokens("") - 3);
    const answer = await ask(nearlyFull);
    expect(answer.status).toBe(200);
    expect(answer.body.usage.completion_tokens).toBe(3);
    expect(answer.body.choices[0].finish_reason).toBe("length");
  });
});

describe("the queue", () => {
  it("holds at most the configured number of waiting jobs and refuses more with the numbers", async () => {
    const running = await asOperator("POST", "/v1/jobs", job(1));
    expect(running.status).toBe(201);
    await waitFor("the first job to start", async () => ((await call("GET", `/v1/jobs/${running.body.id}`)).body.state === "preparing" ? true : undefined));
    const waiting: string[] = [];
    for (let i = 0; i < MAX_QUEUED; i++) {
      const r = await asOperator("POST", "/v1/jobs", job(1));
      expect(r.status).toBe(201);
      waiting.push(r.body.id);
    }
    const refused = await asOperator("POST", "/v1/jobs", job(1));
    expect(refused.status).toBe(429);
    expect(refused.body.error.message).toBe(`the job queue is full: ${MAX_QUEUED} job(s) are waiting and the node takes at most ${MAX_QUEUED} (TRAINER_MAX_QUEUED_JOBS); wait for one to finish or cancel one, then submit again`);
    // A retry would queue one more: refused the same way.
    const failedJob = (await call("GET", "/v1/jobs")).body.data.find((j: { state: string }) => j.state === "failed");
    expect((await asOperator("POST", `/v1/jobs/${failedJob.id}/retry`)).status).toBe(429);
    // Reads and chat still answer while the queue is full.
    expect((await call("GET", "/v1/jobs")).status).toBe(200);
    expect((await asOperator("POST", `/v1/jobs/${waiting[0]}/cancel`)).body.state).toBe("cancelled");
    expect((await asOperator("POST", "/v1/jobs", job(1))).status).toBe(201);
  });
});
