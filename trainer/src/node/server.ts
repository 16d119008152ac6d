// The node's HTTP API (node:http, 127.0.0.1). JSON in and out; errors are
// `{ "error": { "type", "message" } }` with 400 (validation: the rule and the numbers), 401 (a write
// without the operator token), 404, 409, 429 (the queue is full) or 500. No error names a path on
// the server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { createReadStream, existsSync, statSync } from "node:fs";
import path from "node:path";
import { ChatService, ModelNotFound, parseChatRequest } from "./chat.ts";
import { JobConflict, JobNotFound, QueueFull, TERMINAL_STATES, withoutPaths, type JobEvent, type JobManager } from "./jobs.ts";
import { EstimateUnavailable, type Estimator } from "./estimate.ts";
import { bearerMatches, TOKEN_FILE_NAME } from "./operator-token.ts";
import { parseJobRequest, ValidationError, type JobDefaults, type JobSpec } from "./spec.ts";

export interface ApiContext {
  jobs: JobManager;
  chat: ChatService;
  defaultBaseModel: string;
  /** The operator token that creating, cancelling and retrying jobs need (`Authorization: Bearer <token>`). */
  operatorToken: string;
  /** The engine's linear layers of a model, to check lora.targetModules at submission. */
  loraTargets?: JobDefaults["loraTargets"];
  /** The chain head, to fix a job's upToBlock at submission; undefined without a chain. */
  headBlock?: () => Promise<number>;
  /** Estimates a job before it starts; undefined when the node cannot (no engine support). */
  estimator?: Estimator;
  /** Checks against the chain that a job can be registered (its Datanets and parent exist); throws ValidationError. */
  checkJob?: (spec: JobSpec) => Promise<void>;
  info: () => Record<string, unknown>;
  /** Browser origins allowed besides loopback ones (CORS); e.g. the app's public URL. */
  allowedOrigins?: string[];
}

/**
 * Browsers: pages served from loopback (the app's dev server, the local stack) and the configured
 * origins may call the API; a request from any other origin is refused, so that a web page cannot
 * submit jobs or spend the trainer's gas from a visitor's browser.
 */
export function originAllowed(origin: string, extra: string[] = []): boolean {
  if (extra.includes(origin)) return true;
  try {
    const u = new URL(origin);
    return (u.protocol === "http:" || u.protocol === "https:") && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

const MAX_BODY = 1_000_000;

class HttpError extends Error {
  status: number;
  type: string;
  constructor(status: number, type: string, message: string) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, "invalid_request_error", `the request body is over ${MAX_BODY} bytes`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString("utf8");
  if (text.trim().length === 0) return {};
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new HttpError(400, "invalid_request_error", `the request body is not JSON: ${(error as Error).message}`);
  }
}

function sseHeaders(res: ServerResponse): void {
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
  res.flushHeaders();
}

function sse(res: ServerResponse, data: unknown, event?: string): void {
  res.write(`${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(data)}\n\n`);
}

/** The HTTP status and error type of a thrown error. */
function statusOf(e: Error): [number, string] {
  return e instanceof HttpError ? [e.status, e.type]
    : e instanceof ValidationError ? [400, "invalid_request_error"]
    : e instanceof JobNotFound || e instanceof ModelNotFound ? [404, "not_found_error"]
    : e instanceof JobConflict ? [409, "conflict_error"]
    : e instanceof QueueFull ? [429, "queue_full_error"]
    : e instanceof EstimateUnavailable ? [501, "not_implemented_error"] : [500, "server_error"];
}

export function createApiServer(ctx: ApiContext): Server {
  return createServer((req, res) => {
    handle(ctx, req, res).catch((error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      const [status, type] = statusOf(e);
      if (status === 403) res.removeHeader("access-control-allow-origin");
      if (status === 500) console.error(`trainer: ${req.method} ${req.url}: ${e.stack ?? e.message}`);
      if (res.headersSent) { res.end(); return; }
      json(res, status, { error: { type, message: withoutPaths(e.message) } });
    });
  });
}

/** Job creation, cancellation and retry: what spends the node's compute and registers models with its key. */
function requireOperator(ctx: ApiContext, req: IncomingMessage, what: string): void {
  const header = req.headers.authorization;
  if (header === undefined) {
    throw new HttpError(401, "authentication_error", `${what} needs the node's operator token: send "Authorization: Bearer <token>". The token is in the file ${TOKEN_FILE_NAME} of the node's data folder (printed when the node first started); reading jobs and models and chatting need none`);
  }
  if (!bearerMatches(header, ctx.operatorToken)) {
    throw new HttpError(401, "authentication_error", `${what}: the operator token does not match this node's (expected "Authorization: Bearer <token>" with the token in the file ${TOKEN_FILE_NAME} of the node's data folder)`);
  }
}

/** A job request read, validated and checked against the chain, with its block fixed (the head when not given). */
async function jobSpecOf(ctx: ApiContext, req: IncomingMessage): Promise<JobSpec & { upToBlock: number }> {
  const body = await readJson(req);
  const spec = parseJobRequest(body, { baseModel: ctx.defaultBaseModel, ...(ctx.loraTargets ? { loraTargets: ctx.loraTargets } : {}) });
  if (spec.upToBlock === undefined) {
    if (!ctx.headBlock) throw new ValidationError("upToBlock is required when the node has no chain configured to read the head block from");
    spec.upToBlock = await ctx.headBlock();
  }
  await ctx.checkJob?.(spec);
  return spec as JobSpec & { upToBlock: number };
}

async function handle(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const parts = url.pathname.split("/").filter(Boolean);
  const method = req.method ?? "GET";
  const origin = req.headers.origin;
  if (origin !== undefined) {
    if (!originAllowed(origin, ctx.allowedOrigins)) throw new HttpError(403, "permission_error", `requests from origin ${origin} are not allowed; set TRAINER_CORS_ORIGINS to allow it`);
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("vary", "Origin");
  }
  if (method === "OPTIONS") {
    res.writeHead(204, { "access-control-allow-methods": "GET, POST, OPTIONS", "access-control-allow-headers": "content-type, authorization", "access-control-max-age": "600" });
    res.end();
    return;
  }
  const route = (m: string, pattern: string) => {
    if (m !== method) return null;
    const want = pattern.split("/").filter(Boolean);
    if (want.length !== parts.length) return null;
    const params: Record<string, string> = {};
    for (const [i, w] of want.entries()) {
      if (w.startsWith(":")) params[w.slice(1)] = decodePathPart(parts[i]!);
      else if (w !== parts[i]) return null;
    }
    return params;
  };
  let p: Record<string, string> | null;

  if ((p = route("GET", "/health")) || (p = route("GET", "/v1"))) return json(res, 200, { ok: true, ...ctx.info() });

  if ((p = route("POST", "/v1/jobs"))) {
    requireOperator(ctx, req, "submitting a job");
    ctx.jobs.checkRoom();
    const spec = await jobSpecOf(ctx, req);
    return json(res, 201, ctx.jobs.submit(spec));
  }
  if ((p = route("POST", "/v1/jobs/estimate"))) {
    // It reads the data and runs a training step: the node's compute, so the operator's to spend.
    requireOperator(ctx, req, "estimating a job");
    if (!ctx.estimator) throw new EstimateUnavailable("this node gives no estimates");
    const spec = await jobSpecOf(ctx, req);
    return json(res, 200, await ctx.estimator.estimate(spec));
  }
  if ((p = route("GET", "/v1/jobs"))) return json(res, 200, { object: "list", data: ctx.jobs.list() });
  if ((p = route("GET", "/v1/jobs/:id"))) {
    const job = ctx.jobs.get(p.id!);
    return json(res, 200, { ...job, report: ctx.jobs.report(job.id) ?? null });
  }
  if ((p = route("POST", "/v1/jobs/:id/cancel"))) {
    requireOperator(ctx, req, "cancelling a job");
    return json(res, 200, ctx.jobs.cancel(p.id!));
  }
  if ((p = route("POST", "/v1/jobs/:id/retry"))) {
    requireOperator(ctx, req, "retrying a job");
    return json(res, 200, ctx.jobs.retry(p.id!));
  }
  if ((p = route("GET", "/v1/jobs/:id/files/:name"))) return jobFile(ctx, p.id!, p.name!, res);
  if ((p = route("GET", "/v1/jobs/:id/events"))) return jobEvents(ctx, p.id!, req, res);

  if ((p = route("GET", "/v1/models"))) return json(res, 200, { object: "list", data: await ctx.chat.list() });
  if ((p = route("POST", "/v1/chat/completions"))) return chatCompletion(ctx, req, res);

  throw new HttpError(parts[0] === "v1" && ["jobs", "models", "chat"].includes(parts[1] ?? "") ? 405 : 404, "not_found_error", `no route ${method} ${url.pathname}`);
}

function decodePathPart(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new HttpError(400, "invalid_request_error", `the path segment ${JSON.stringify(part)} is not valid percent-encoding`);
  }
}

/** The files of a job a client may download, and where they live in its folder. */
export const JOB_FILES: Record<string, { dir: string; type: string }> = {
  "adapter_model.safetensors": { dir: "output", type: "application/octet-stream" },
  "model.safetensors": { dir: "output", type: "application/octet-stream" },
  "adapter_config.json": { dir: "output", type: "application/json" },
  "training_log.json": { dir: "output", type: "application/json" },
  "training_config.json": { dir: "output", type: "application/json" },
  "manifest.json": { dir: "dataset", type: "application/json" },
  "report.json": { dir: "dataset", type: "application/json" },
};

function jobFile(ctx: ApiContext, id: string, name: string, res: ServerResponse): void {
  const job = ctx.jobs.get(id);
  const entry = JOB_FILES[name];
  if (!entry) throw new HttpError(404, "not_found_error", `no file ${JSON.stringify(name)}; a job's files are ${Object.keys(JOB_FILES).join(", ")}`);
  const file = path.join(ctx.jobs.dir(job.id), entry.dir, name);
  if (!existsSync(file)) throw new HttpError(404, "not_found_error", `job ${job.id} has no ${name} (yet)`);
  res.writeHead(200, { "content-type": entry.type, "content-length": statSync(file).size, "content-disposition": `attachment; filename="${name}"` });
  createReadStream(file).pipe(res);
}

/** Server-sent events of a job: everything so far, then live events until it ends. */
function jobEvents(ctx: ApiContext, id: string, req: IncomingMessage, res: ServerResponse): void {
  const job = ctx.jobs.get(id);
  sseHeaders(res);
  const send = (event: JobEvent) => sse(res, event, event.type);
  let closed = false;
  const finish = () => {
    if (closed) return;
    closed = true;
    ctx.jobs.events.off(id, listener);
    clearInterval(keepAlive);
    res.end();
  };
  const listener = (event: JobEvent) => {
    send(event);
    if (event.type === "state" && TERMINAL_STATES.includes(event.state)) { sse(res, ctx.jobs.get(id), "end"); finish(); }
  };
  // Subscribe before replaying so that nothing falls between the two.
  ctx.jobs.events.on(id, listener);
  for (const event of ctx.jobs.history(id)) send(event);
  const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
  req.on("close", finish);
  if (TERMINAL_STATES.includes(job.state)) { sse(res, job, "end"); finish(); }
}

async function chatCompletion(ctx: ApiContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const request = parseChatRequest(await readJson(req));
  const id = `chatcmpl-${randomBytes(12).toString("hex")}`;
  const created = Math.floor(Date.now() / 1000);
  const abort = new AbortController();
  res.on("close", () => { if (!res.writableFinished) abort.abort(); });
  if (!request.stream) {
    const result = await ctx.chat.complete(request, undefined, abort.signal);
    return json(res, 200, {
      id, object: "chat.completion", created, model: request.model,
      choices: [{ index: 0, message: { role: "assistant", content: result.text }, finish_reason: result.finishReason }],
      usage: { prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens },
    });
  }
  const chunk = (delta: Record<string, unknown>, finish: string | null, extra: Record<string, unknown> = {}) =>
    ({ id, object: "chat.completion.chunk", created, model: request.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra });
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    sseHeaders(res);
    sse(res, chunk({ role: "assistant", content: "" }, null));
  };
  try {
    const result = await ctx.chat.complete(request, (text) => { start(); if (text.length) sse(res, chunk({ content: text }, null)); }, abort.signal);
    start();
    sse(res, chunk({}, result.finishReason, { usage: { prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens, total_tokens: result.promptTokens + result.completionTokens } }));
    res.write("data: [DONE]\n\n");
    res.end();
  } catch (error) {
    if (!started) throw error; // an error before the first token is an ordinary JSON error
    sse(res, { error: { type: "server_error", message: withoutPaths((error as Error).message) } });
    res.end();
  }
}
