// A training job's specification: what the API accepts, its defaults, and the validation rules.
// Every refusal names the rule and the number that broke it, e.g.
// "learningRate must be in (0, 1], got 5".
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import type { LoraSettings, Method, TrainingConfig } from "./engine.ts";
import { DATANET_ID_RULE, DEFAULT_HYPERPARAMETERS, DEFAULT_LORA, HYPERPARAMETER_RULES as H, LORA_RULES, MAX_DATANETS, numberRuleViolation, type NumberRule } from "./job-rules.ts";

export { DEFAULT_HYPERPARAMETERS, MAX_DATANETS };

export interface JobSpec {
  datanetIds: number[];
  /** Folder of the base model (config.json, model.safetensors, tokenizer.json). */
  baseModel: string;
  /** Name registered on chain (defaults to the folder's name). */
  baseModelName: string;
  method: Method;
  training: TrainingConfig;
  /** The accepted set is read as of this block (defaults to the chain head at submission). */
  upToBlock?: number;
  /** A registered model this one refines (lineage on chain). */
  parentModelId?: number;
  checkpointEvery: number;
}

export class ValidationError extends Error {
  override name = "ValidationError";
}

/** Default LoRA target modules by architecture (config.json `model_type`). */
export function defaultTargetModules(modelType: string): string[] {
  return modelType === "gpt2" ? ["c_attn"] : ["q_proj", "v_proj"];
}

function fail(message: string): never {
  throw new ValidationError(message);
}

function num(name: string, value: unknown, fallback: number, rule: NumberRule): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value)) fail(`${name} must be a number, got ${JSON.stringify(value)}`);
  const violation = numberRuleViolation(name, value, rule);
  if (violation) fail(violation);
  return value;
}

export interface JobDefaults {
  /** The node's base model folder, for requests that name none. */
  baseModel: string;
  /** The engine's linear layers of a model (module paths, e.g. "model.layers.0.self_attn.q_proj"), to check lora.targetModules. */
  loraTargets?: (config: Record<string, unknown>) => string[];
}

/**
 * A base model's config.json. Refusals name the folder as the client gave it (or "the node's default
 * base model"), never the server's absolute path.
 */
function readModelConfig(folder: string, given: string | undefined): Record<string, unknown> {
  const named = given === undefined ? "the node's default base model" : `baseModel ${JSON.stringify(given)}`;
  const configFile = path.join(folder, "config.json");
  if (!existsSync(configFile)) fail(`${named} is not a model folder this node has (a folder with config.json, model.safetensors and tokenizer.json)`);
  try {
    const config = JSON.parse(readFileSync(configFile, "utf8")) as unknown;
    if (config === null || typeof config !== "object" || Array.isArray(config)) fail(`${named}: its config.json is not a JSON object`);
    return config as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ValidationError) throw error;
    fail(`${named}: its config.json is not valid JSON`);
  }
}

function linearPaths(loraTargets: NonNullable<JobDefaults["loraTargets"]>, config: Record<string, unknown>, modelType: string): string[] {
  try {
    return loraTargets(config);
  } catch (error) {
    fail(`the base model (model_type ${JSON.stringify(modelType)}) cannot be trained here: ${(error as Error).message}`);
  }
}

/** Every target must name a linear layer of the model as PEFT matches it (the whole path, or its end), or be "all-linear". */
function checkTargetModules(targets: string[], modelType: string, paths: string[]): void {
  const modules = [...new Set(paths.map((p) => p.slice(p.lastIndexOf(".") + 1)))];
  for (const target of targets) {
    if (target === "all-linear" || paths.some((p) => p === target || p.endsWith(`.${target}`))) continue;
    fail(`lora.targetModules: ${JSON.stringify(target)} is not a linear module of this ${modelType || "model"} model; valid modules: ${modules.join(", ")}, or "all-linear"`);
  }
}

/** Validates a job request body and fills in the defaults. */
export function parseJobRequest(body: unknown, defaults: JobDefaults): JobSpec {
  if (body === null || typeof body !== "object" || Array.isArray(body)) fail("the request body must be a JSON object");
  const b = body as Record<string, unknown>;
  const known = new Set(["datanetIds", "datanetId", "baseModel", "baseModelName", "method", "hyperparameters", "lora", "upToBlock", "parentModelId", "checkpointEvery"]);
  for (const key of Object.keys(b)) if (!known.has(key)) fail(`unknown field ${JSON.stringify(key)}; known fields: ${[...known].join(", ")}`);

  const rawIds = b.datanetIds ?? (b.datanetId === undefined ? undefined : [b.datanetId]);
  if (!Array.isArray(rawIds) || rawIds.length === 0) fail("datanetIds must be a non-empty array of Datanet ids");
  if (rawIds.length > MAX_DATANETS) fail(`datanetIds may name at most ${MAX_DATANETS} Datanets, got ${rawIds.length}`);
  const datanetIds = rawIds.map((id, i) => num(`datanetIds[${i}]`, id, 0, DATANET_ID_RULE));
  if (new Set(datanetIds).size !== datanetIds.length) fail(`datanetIds must not repeat an id, got ${JSON.stringify(datanetIds)}`);

  const given = b.baseModel === undefined ? undefined : typeof b.baseModel === "string" && b.baseModel.length > 0 ? b.baseModel : fail(`baseModel must be a folder path, got ${JSON.stringify(b.baseModel)}`);
  const baseModel = path.resolve(given ?? defaults.baseModel);
  const modelConfig = readModelConfig(baseModel, given);
  const modelType = String(modelConfig.model_type ?? "");
  const baseModelName = b.baseModelName === undefined ? path.basename(baseModel) : typeof b.baseModelName === "string" && b.baseModelName.length > 0 && b.baseModelName.length <= 200 ? b.baseModelName : fail("baseModelName must be a string of 1 to 200 characters");

  const method = (b.method ?? "lora") as Method;
  if (method !== "lora" && method !== "qlora" && method !== "full") fail(`method must be one of lora, qlora, full, got ${JSON.stringify(b.method)}`);

  const h = (b.hyperparameters ?? {}) as Record<string, unknown>;
  if (typeof h !== "object" || Array.isArray(h)) fail("hyperparameters must be an object");
  const knownH = new Set([...Object.keys(DEFAULT_HYPERPARAMETERS), "workers"]);
  for (const key of Object.keys(h)) if (!knownH.has(key)) fail(`unknown hyperparameter ${JSON.stringify(key)}; known: ${[...knownH].join(", ")}`);
  const d = DEFAULT_HYPERPARAMETERS;
  const training: TrainingConfig = {
    method,
    learningRate: num("learningRate", h.learningRate, d.learningRate, H.learningRate),
    epochs: num("epochs", h.epochs, d.epochs, H.epochs),
    batchSize: num("batchSize", h.batchSize, d.batchSize, H.batchSize),
    gradientAccumulation: num("gradientAccumulation", h.gradientAccumulation, d.gradientAccumulation, H.gradientAccumulation),
    maxSeqLen: num("maxSeqLen", h.maxSeqLen, d.maxSeqLen, H.maxSeqLen),
    warmupSteps: num("warmupSteps", h.warmupSteps, d.warmupSteps, H.warmupSteps),
    weightDecay: num("weightDecay", h.weightDecay, d.weightDecay, H.weightDecay),
    seed: num("seed", h.seed, d.seed, H.seed),
    evalFraction: num("evalFraction", h.evalFraction, d.evalFraction, H.evalFraction),
  };
  if (h.workers !== undefined) training.workers = num("workers", h.workers, 1, H.workers);
  if (method !== "full") {
    const l = (b.lora ?? {}) as Record<string, unknown>;
    if (typeof l !== "object" || Array.isArray(l)) fail("lora must be an object");
    const lora: LoraSettings = {
      rank: num("lora.rank", l.rank, DEFAULT_LORA.rank, LORA_RULES.rank),
      alpha: num("lora.alpha", l.alpha, DEFAULT_LORA.alpha, LORA_RULES.alpha),
      dropout: num("lora.dropout", l.dropout, DEFAULT_LORA.dropout, LORA_RULES.dropout),
      targetModules: l.targetModules === undefined ? defaultTargetModules(modelType)
        : Array.isArray(l.targetModules) && l.targetModules.length > 0 && l.targetModules.every((m) => typeof m === "string" && m.length > 0) ? (l.targetModules as string[])
        : fail(`lora.targetModules must be a non-empty array of module names, got ${JSON.stringify(l.targetModules)}`),
    };
    if (defaults.loraTargets) checkTargetModules(lora.targetModules, modelType, linearPaths(defaults.loraTargets, modelConfig, modelType));
    training.lora = lora;
  } else if (b.lora !== undefined) {
    fail("lora settings apply to methods lora and qlora, not full");
  }
  const upToBlock = b.upToBlock === undefined ? undefined : num("upToBlock", b.upToBlock, 0, { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true });
  const parentModelId = b.parentModelId === undefined || b.parentModelId === null ? undefined : num("parentModelId", b.parentModelId, 0, { min: 1, max: Number.MAX_SAFE_INTEGER, integer: true });
  const checkpointEvery = num("checkpointEvery", b.checkpointEvery, 10, { min: 1, max: 1_000_000, integer: true });
  return { datanetIds, baseModel, baseModelName, method, training, ...(upToBlock === undefined ? {} : { upToBlock }), ...(parentModelId === undefined ? {} : { parentModelId }), checkpointEvery };
}

/** JSON with object keys sorted at every depth: the canonical form whose sha256 is the config hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

export function sha256HexOf(data: string | Uint8Array): `0x${string}` {
  return `0x${createHash("sha256").update(data).digest("hex")}`;
}
