// A stand-in engine for the node's unit tests only (the end-to-end and resume tests use the real
// engine when it is present). It honours the engine's contract the node relies on: deterministic
// training from (seed, examples), checkpoints it resumes from, cancel by AbortSignal, a one-file
// safetensors artifact with its adapter_config in the header, streaming generation.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

type Msg = { role: string; content: string };
const sha = (data: string | Uint8Array) => createHash("sha256").update(data).digest("hex");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const SHIPPED_BASE_MODEL_DIR = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures", "stub-base");

const tokenizer = {
  encode: (text: string) => [...new TextEncoder().encode(text)],
  decode: (ids: number[]) => new TextDecoder().decode(new Uint8Array(ids)),
  applyChatTemplate: (messages: Msg[], addGenerationPrompt: boolean) =>
    messages.map((m) => `<|${m.role}|>${m.content}\n`).join("") + (addGenerationPrompt ? "<|assistant|>" : ""),
  eosTokenId: 0,
};

export async function loadBaseModel(dir: string) {
  const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8")) as Record<string, unknown>;
  const weights = path.join(dir, "model.safetensors");
  return {
    dir, config, family: String(config.model_type ?? "stub"), weightsSha256: sha(existsSync(weights) ? readFileSync(weights) : JSON.stringify(config)), tokenizer, dispose() {},
    contextLength: Number(config.max_position_embeddings ?? 2048),
  };
}

/** The linear layers of a two-layer Llama (the stand-in trains none of them, but the node checks targets against them). */
export function loraTargets(config: Record<string, unknown>): string[] {
  if (config.model_type !== "llama") throw new Error(`model_type ${JSON.stringify(config.model_type)} is not supported (llama)`);
  const modules = ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];
  return [0, 1].flatMap((i) => modules.map((m) => `model.layers.${i}.${m}`));
}

function safetensors(values: Float32Array, metadata: Record<string, string>): Uint8Array {
  const header = JSON.stringify({ __metadata__: metadata, "base_model.model.stub.lora_A.weight": { dtype: "F32", shape: [values.length], data_offsets: [0, values.byteLength] } });
  const padded = header + " ".repeat((8 - (header.length % 8)) % 8);
  const out = new Uint8Array(8 + padded.length + values.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded.length), true);
  out.set(new TextEncoder().encode(padded), 8);
  out.set(new Uint8Array(values.buffer), 8 + padded.length);
  return out;
}

export async function train(base: { dir: string }, examples: unknown[], config: Record<string, unknown> & { seed: number; epochs: number; batchSize: number; method: string }, options: {
  outputDir: string; checkpointDir: string; checkpointEvery?: number; onProgress?: (p: Record<string, number>) => void; signal?: AbortSignal;
}) {
  const stepMs = Number(process.env.STUB_STEP_MS ?? 20);
  const totalSteps = Math.ceil(examples.length / config.batchSize) * config.epochs;
  mkdirSync(options.checkpointDir, { recursive: true });
  const ckpt = path.join(options.checkpointDir, "checkpoint.json");
  let step = 0;
  let state = sha(`${config.seed}|${JSON.stringify(config)}|${JSON.stringify(examples)}`);
  const log: Record<string, number>[] = [];
  if (existsSync(ckpt)) ({ step, state } = JSON.parse(readFileSync(ckpt, "utf8")) as { step: number; state: string });
  const started = Date.now();
  while (step < totalSteps) {
    if (options.signal?.aborted) { const e = new Error("training cancelled"); e.name = "AbortError"; throw e; }
    await sleep(stepMs);
    step += 1;
    state = sha(`${state}|${step}`);
    const p = { step, totalSteps, epoch: Math.floor(((step - 1) * config.batchSize) / examples.length), loss: 3 / (1 + step), tokensPerSecond: 1000, etaSeconds: ((totalSteps - step) * stepMs) / 1000 };
    log.push(p);
    options.onProgress?.(p);
    if (step % (options.checkpointEvery ?? 10) === 0 || step === totalSteps) {
      writeFileSync(`${ckpt}.tmp`, JSON.stringify({ step, state }));
      renameSync(`${ckpt}.tmp`, ckpt);
    }
  }
  void started;
  mkdirSync(options.outputDir, { recursive: true });
  const adapterConfig = JSON.stringify({ peft_type: "LORA", r: 8, base_model_name_or_path: base.dir });
  const values = new Float32Array(8).map((_, i) => parseInt(state.slice(i * 8, i * 8 + 8), 16) / 2 ** 32);
  const name = config.method === "full" ? "model.safetensors" : "adapter_model.safetensors";
  const bytes = safetensors(values, { format: "pt", adapter_config: adapterConfig, stub_state: state });
  writeFileSync(path.join(options.outputDir, name), bytes);
  writeFileSync(path.join(options.outputDir, "adapter_config.json"), adapterConfig);
  writeFileSync(path.join(options.outputDir, "training_log.json"), JSON.stringify(log));
  return { outputDir: options.outputDir, files: [{ name, sha256: sha(bytes), bytes: bytes.length }], log, finalLoss: log.at(-1)?.loss ?? 0 };
}

export async function loadAdapter(_base: unknown, adapterPath: string) {
  const file = statSync(adapterPath).isDirectory() ? path.join(adapterPath, "adapter_model.safetensors") : adapterPath;
  const bytes = readFileSync(file);
  const headerLength = Number(bytes.readBigUInt64LE(0));
  const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString("utf8")) as { __metadata__: { stub_state: string } };
  return { id: sha(bytes).slice(0, 16), tag: header.__metadata__.stub_state.slice(0, 8), dispose() {} };
}

/** Answers "[<adapter tag or base>] <last user message>", one character per token. */
export async function generate(_base: unknown, adapter: { tag: string } | null, prompt: string, options: { maxTokens: number; stop?: string[]; onToken?: (t: string) => void; signal?: AbortSignal }) {
  const lastUser = /<\|user\|>([^\n]*)\n(?![\s\S]*<\|user\|>)/.exec(prompt)?.[1] ?? "";
  const full = `[${adapter ? adapter.tag : "base"}] ${lastUser}`;
  let text = "";
  let finishReason: "stop" | "length" = "stop";
  for (const ch of full) {
    if (text.length >= options.maxTokens) { finishReason = "length"; break; }
    const next = text + ch;
    const stop = options.stop?.find((s) => next.endsWith(s));
    if (stop) { text = next.slice(0, next.length - stop.length); break; }
    text = next;
    options.onToken?.(ch);
    await sleep(0);
  }
  return { text, promptTokens: tokenizer.encode(prompt).length, completionTokens: text.length, finishReason };
}

/** An estimate that echoes the data the node counted (the node's counting is what the tests check). */
export async function estimate(_base: unknown, config: { epochs: number; batchSize: number }, data: { examples: number; tokens: number }) {
  const microBatches = Math.ceil(data.examples / config.batchSize) * config.epochs;
  const memoryBytes = { weights: 1000, trainingState: 100, step: 10, total: 1110 };
  return { examples: { train: data.examples, eval: 0 }, rowTokens: Math.ceil(data.tokens / data.examples), microBatches, steps: microBatches, parameters: 250, trainableParameters: 25, memoryBytes, measured: { rows: config.batchSize, rowTokens: Math.ceil(data.tokens / data.examples) }, secondsPerMicroBatch: 0.001, seconds: microBatches * 0.001 };
}
