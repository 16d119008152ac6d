// Serving: one base model in memory for many adapters. A model is named
//   - the base: its folder name (e.g. "tiny-base") or "base";
//   - a registered model: "openledger:<modelId>", its artifact fetched from IPFS by the CID the chain
//     records, checked against the registered sha256, and cached on disk and in memory (LRU);
//   - a job of this node: "job:<jobId>", its local artifact (before or without registration).
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { artifactFileName, type Adapter, type BaseModel, type ChatMessage, type Engine, type GenerateResult } from "./engine.ts";
import type { JobManager } from "./jobs.ts";
import { MAX_ARTIFACT_BYTES, type Chain, type IpfsClient, type RegisteredModel } from "./protocol.ts";
import { sha256HexOf, ValidationError } from "./spec.ts";

export class ModelNotFound extends Error {
  override name = "ModelNotFound";
}

interface Loaded {
  base: BaseModel;
  adapter: Adapter | null;
  /** Full fine-tunes are loaded as a base model of their own; disposed on eviction. */
  ownsBase: boolean;
}

export interface ServableModel {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  kind: "base" | "registered" | "job";
  base: string;
  method?: string;
  artifactCid?: string;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Whether the client set max_tokens (a default budget shrinks to fit the context; a given one is refused). */
  maxTokensGiven: boolean;
  stop: string[];
  stream: boolean;
  seed?: number;
}

const DEFAULT_MAX_TOKENS = 128;
const MAX_TOKENS_LIMIT = 4096;

function fail(message: string): never {
  throw new ValidationError(message);
}

/** Validates an OpenAI-style chat completion request. */
export function parseChatRequest(body: unknown): ChatRequest {
  if (body === null || typeof body !== "object" || Array.isArray(body)) fail("the request body must be a JSON object");
  const b = body as Record<string, unknown>;
  if (typeof b.model !== "string" || b.model.length === 0) fail("model must name a model (see GET /v1/models)");
  if (!Array.isArray(b.messages) || b.messages.length === 0) fail("messages must be a non-empty array of {role, content}");
  const messages = b.messages.map((m, i) => {
    const r = m as Record<string, unknown>;
    if (r?.role !== "system" && r?.role !== "user" && r?.role !== "assistant") fail(`messages[${i}].role must be system, user or assistant, got ${JSON.stringify(r?.role)}`);
    if (typeof r.content !== "string") fail(`messages[${i}].content must be a string`);
    return { role: r.role, content: r.content } as ChatMessage;
  });
  const number = (name: string, v: unknown, fallback: number, min: number, max: number, minOpen = false, integer = false): number => {
    if (v === undefined || v === null) return fallback;
    const range = `${minOpen ? "(" : "["}${min}, ${max}]`;
    if (typeof v !== "number" || !Number.isFinite(v)) fail(`${name} must be a number in ${range}, got ${JSON.stringify(v)}`);
    if ((integer && !Number.isInteger(v)) || v > max || v < min || (minOpen && v === min)) fail(`${name} must be ${integer ? "an integer " : ""}in ${range}, got ${v}`);
    return v;
  };
  const stopRaw = b.stop ?? [];
  const stop = typeof stopRaw === "string" ? [stopRaw] : Array.isArray(stopRaw) && stopRaw.every((s) => typeof s === "string" && s.length > 0) ? (stopRaw as string[]) : fail("stop must be a string or an array of non-empty strings");
  if (stop.length > 4) fail(`stop may hold at most 4 sequences, got ${stop.length}`);
  if (b.stream !== undefined && typeof b.stream !== "boolean") fail("stream must be true or false");
  if (b.n !== undefined && b.n !== 1) fail(`n must be 1 (one choice per request), got ${JSON.stringify(b.n)}`);
  const seed = b.seed === undefined ? undefined : number("seed", b.seed, 0, 0, 2 ** 32 - 1, false, true);
  const maxTokens = b.max_tokens ?? b.max_completion_tokens;
  return {
    model: b.model, messages,
    temperature: number("temperature", b.temperature, 1, 0, 2),
    topP: number("top_p", b.top_p, 1, 0, 1, true),
    maxTokens: number("max_tokens", maxTokens, DEFAULT_MAX_TOKENS, 1, MAX_TOKENS_LIMIT, false, true),
    maxTokensGiven: maxTokens !== undefined && maxTokens !== null,
    stop, stream: b.stream === true, ...(seed === undefined ? {} : { seed }),
  };
}

/**
 * The answer's token budget. The prompt and the budget must fit the model's context together: the
 * engine would otherwise cut the prompt's start, and the answer would be about something else than
 * the question.
 */
function answerBudget(base: BaseModel, prompt: string, request: ChatRequest): number {
  const context = base.contextLength;
  if (context === undefined) return request.maxTokens;
  const promptTokens = Math.max(1, base.tokenizer.encode(prompt, { addSpecialTokens: true }).length);
  if (promptTokens + request.maxTokens <= context) return request.maxTokens;
  const room = context - promptTokens;
  // Without an explicit max_tokens the default budget shrinks to what is left, as long as something is.
  if (!request.maxTokensGiven && room >= 1) return room;
  fail(`the prompt is ${promptTokens} tokens and max_tokens is ${request.maxTokens}: together ${promptTokens + request.maxTokens}, over model ${request.model}'s context of ${context} tokens; `
    + (room >= 1 ? `ask for max_tokens of at most ${room}, or shorten the messages` : `shorten the messages to under ${context} tokens`));
}

export class ChatService {
  private readonly engine: Engine;
  private readonly defaultBaseDir: string;
  private readonly cacheDir: string;
  private readonly capacity: number;
  private readonly chain?: Chain;
  private readonly ipfs?: IpfsClient;
  private readonly jobs?: JobManager;
  private readonly bases = new Map<string, Promise<BaseModel>>();
  /** model name → loaded; Map order is recency (oldest first). */
  private readonly lru = new Map<string, Promise<Loaded>>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Counts of adapter loads (for tests and the /v1/models listing). */
  readonly stats = { adapterLoads: 0, downloads: 0, evictions: 0 };

  constructor(options: { engine: Engine; defaultBaseDir: string; cacheDir: string; capacity?: number; chain?: Chain; ipfs?: IpfsClient; jobs?: JobManager }) {
    this.engine = options.engine;
    this.defaultBaseDir = path.resolve(options.defaultBaseDir);
    this.cacheDir = options.cacheDir;
    this.capacity = options.capacity ?? 8;
    if (options.chain) this.chain = options.chain;
    if (options.ipfs) this.ipfs = options.ipfs;
    if (options.jobs) this.jobs = options.jobs;
    mkdirSync(this.cacheDir, { recursive: true });
  }

  /** The base model of a folder, loaded once. */
  loadBase(dir: string): Promise<BaseModel> {
    const key = path.resolve(dir);
    let base = this.bases.get(key);
    if (!base) {
      base = this.engine.loadBaseModel(key);
      base.catch(() => this.bases.delete(key));
      this.bases.set(key, base);
    }
    return base;
  }

  baseName(): string {
    return path.basename(this.defaultBaseDir);
  }

  async list(): Promise<ServableModel[]> {
    const created = Math.floor(Date.now() / 1000);
    const out: ServableModel[] = [{ id: this.baseName(), object: "model", created, owned_by: "base", kind: "base", base: this.baseName() }];
    if (this.chain) {
      for (const m of await this.chain.models()) {
        out.push({ id: `openledger:${m.modelId}`, object: "model", created, owned_by: m.trainer, kind: "registered", base: m.baseModel, method: m.method, artifactCid: m.artifactCid });
      }
    }
    for (const job of this.jobs?.list() ?? []) {
      if (job.state !== "succeeded") continue;
      out.push({ id: `job:${job.id}`, object: "model", created: Math.floor(Date.parse(job.updatedAt) / 1000), owned_by: "this node", kind: "job", base: job.spec.baseModelName, method: job.spec.method, ...(job.publication ? { artifactCid: job.publication.artifact.cid } : {}) });
    }
    return out;
  }

  /** Resolves a model name to a base (+ adapter), loading it just in time. */
  private resolve(name: string): Promise<Loaded> {
    if (name === "base" || name === this.baseName()) return this.loadBase(this.defaultBaseDir).then((base) => ({ base, adapter: null, ownsBase: false }));
    const cached = this.lru.get(name);
    if (cached) {
      this.lru.delete(name);
      this.lru.set(name, cached);
      return cached;
    }
    const loading = this.load(name);
    this.lru.set(name, loading);
    loading.catch(() => this.lru.delete(name));
    loading.then(() => this.evict(), () => undefined);
    return loading;
  }

  private evict(): void {
    while (this.lru.size > this.capacity) {
      const [oldest, entry] = this.lru.entries().next().value as [string, Promise<Loaded>];
      this.lru.delete(oldest);
      this.stats.evictions += 1;
      void entry.then((l) => { l.adapter?.dispose(); if (l.ownsBase) l.base.dispose(); }, () => undefined);
    }
  }

  private async load(name: string): Promise<Loaded> {
    let file: string;
    let baseDir = this.defaultBaseDir;
    let method: string;
    const job = /^job:(.+)$/.exec(name);
    const registered = /^openledger:([0-9]+)$/.exec(name);
    if (job) {
      const record = this.jobs?.list().find((j) => j.id === job[1]);
      if (!record || record.state !== "succeeded") throw new ModelNotFound(`model ${name}: no succeeded job ${job[1]} on this node`);
      method = record.spec.method;
      baseDir = record.spec.baseModel;
      file = path.join(this.jobs!.dir(record.id), "output", artifactFileName(record.spec.method));
    } else if (registered) {
      if (!this.chain) throw new ModelNotFound(`model ${name}: this node has no chain configured to look registered models up`);
      const [model] = await this.chain.models(BigInt(registered[1]!));
      if (!model) throw new ModelNotFound(`model ${name}: no model ${registered[1]} is registered`);
      method = model.method;
      baseDir = await this.baseDirFor(model);
      file = await this.download(model);
    } else {
      throw new ModelNotFound(`model ${JSON.stringify(name)} is not served here; use "${this.baseName()}", "openledger:<modelId>" or "job:<jobId>" (see GET /v1/models)`);
    }
    const base = await this.loadBase(baseDir);
    this.stats.adapterLoads += 1;
    if (method === "full") {
      // A full fine-tune: its weights with the base's config and tokenizer, as a base model of its own.
      const dir = path.join(this.cacheDir, `full-${sha256HexOf(file).slice(2, 18)}`);
      mkdirSync(dir, { recursive: true });
      for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json"]) {
        if (existsSync(path.join(baseDir, f))) copyFileSync(path.join(baseDir, f), path.join(dir, f));
      }
      copyFileSync(file, path.join(dir, "model.safetensors"));
      return { base: await this.engine.loadBaseModel(dir), adapter: null, ownsBase: true };
    }
    return { base, adapter: await this.engine.loadAdapter(base, file), ownsBase: false };
  }

  /** The base folder a registered model was trained from: the node's base when the name matches. */
  private async baseDirFor(model: RegisteredModel): Promise<string> {
    const candidates = [this.defaultBaseDir, ...(this.jobs?.list().map((j) => j.spec.baseModel) ?? [])];
    for (const dir of new Set(candidates)) {
      const base = await this.loadBase(dir);
      if (model.baseWeightsHash && `0x${base.weightsSha256.replace(/^0x/, "")}`.toLowerCase() === model.baseWeightsHash.toLowerCase()) return dir;
    }
    throw new ModelNotFound(`model openledger:${model.modelId} was trained from base ${model.baseModel} (weights ${model.baseWeightsHash}), which this node does not have`);
  }

  /** Fetches a registered artifact (verified against its CID by the client, then against the registered sha256). */
  private async download(model: RegisteredModel): Promise<string> {
    const dir = path.join(this.cacheDir, `model-${model.modelId}`);
    const file = path.join(dir, artifactFileName(model.method));
    if (existsSync(file) && sha256HexOf(readFileSync(file)) === model.artifactSha256.toLowerCase()) return file;
    if (!this.ipfs) throw new ModelNotFound(`model openledger:${model.modelId}: no IPFS node is configured to fetch ${model.artifactCid} from`);
    const bytes = await this.ipfs.cat(model.artifactCid, MAX_ARTIFACT_BYTES);
    const sha = sha256HexOf(bytes);
    if (sha !== model.artifactSha256.toLowerCase()) throw new Error(`model openledger:${model.modelId}: the artifact ${model.artifactCid} hashes to ${sha}, the chain records ${model.artifactSha256}`);
    this.stats.downloads += 1;
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.tmp`, bytes);
    renameSync(`${file}.tmp`, file);
    return file;
  }

  /** One completion; generations run one at a time (the engine computes on this thread). */
  complete(request: ChatRequest, onToken?: (text: string) => void, signal?: AbortSignal): Promise<GenerateResult> {
    const run = async () => {
      const loaded = await this.resolve(request.model);
      const prompt = loaded.base.tokenizer.applyChatTemplate(request.messages, true);
      const maxTokens = answerBudget(loaded.base, prompt, request);
      return this.engine.generate(loaded.base, loaded.adapter, prompt, {
        maxTokens, temperature: request.temperature, topP: request.topP, stop: request.stop,
        ...(request.seed === undefined ? {} : { seed: request.seed }),
        ...(onToken ? { onToken } : {}), ...(signal ? { signal } : {}),
      });
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  dispose(): void {
    for (const entry of this.lru.values()) void entry.then((l) => { l.adapter?.dispose(); if (l.ownsBase) l.base.dispose(); }, () => undefined);
    this.lru.clear();
    for (const base of this.bases.values()) void base.then((b) => b.dispose(), () => undefined);
    this.bases.clear();
  }
}
