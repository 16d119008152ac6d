// The fine-tuning engine: load Hugging Face checkpoints, train LoRA / QLoRA / full, export PEFT
// adapters and merged weights, generate with adapters switched on one base model.
import { existsSync, mkdirSync, copyFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { tf } from "./backend.ts";
import type { BaseModel } from "./base-model.ts";
import { disposeLora, readLora } from "./lora.ts";
import { generateTokens, type GenerateOptions } from "./generate.ts";
import { writeSafetensors } from "./safetensors.ts";
import { fileEntries } from "./train.ts";
import { linearSpecs, parseConfig, type LoraSet } from "./model.ts";
import type { TrainingResult } from "./types.ts";

export type { Method, LoraSettings, TrainingConfig, ChatMessage, TrainingExample, StepProgress, TrainingResult, Tokenizer, DataAmount, TrainingEstimate } from "./types.ts";
export type { BaseModel } from "./base-model.ts";
export { loadBaseModel, type LoadOptions } from "./base-model.ts";
export type { GenerateOptions } from "./generate.ts";
export { train, type TrainOptions } from "./train.ts";
export { estimateTraining as estimate } from "./estimate.ts";
export { initBackend, setTransposeCacheLimit } from "./backend.ts";
export { readSafetensors, writeSafetensors, parseSafetensors, serializeSafetensors, readCheckpointTensors, writeShardedCheckpoint, type SafeTensor } from "./safetensors.ts";
export { BpeTokenizer, loadTokenizer } from "./tokenizer.ts";
export { parseConfig, type ModelConfig } from "./model.ts";

export const SHIPPED_BASE_MODEL_DIR: string = resolve(dirname(fileURLToPath(import.meta.url)), "../../models/tiny-chat-llama");

/** The module paths of a model's linear layers (what lora.targetModules may name, by path or by its end), from its config.json. */
export function loraTargets(config: Record<string, unknown>): string[] {
  return linearSpecs(parseConfig(config)).map((l) => l.path);
}

export interface Adapter { id: string; dispose(): void; /** adapter_config.json as read */ adapterConfig: Record<string, unknown>; lora: LoraSet }

/** Loads a PEFT adapter (folder or the adapter_model.safetensors file itself) onto a loaded base model. */
export async function loadAdapter(base: BaseModel, adapterDir: string): Promise<Adapter> {
  const r = readLora(base.model.config, adapterDir);
  return { id: r.id, adapterConfig: r.adapterConfig, lora: r.set, dispose: () => disposeLora(r.set) };
}

/** W' = W + (alpha/r)·B·A for every adapted module; writes model.safetensors with the base checkpoint's names. */
export async function mergeAdapter(base: BaseModel, adapterDir: string, outputDir: string): Promise<TrainingResult["files"]> {
  const r = readLora(base.model.config, adapterDir);
  const merged = new Map<string, tf.Tensor>();
  try {
    for (const [path, m] of r.set) {
      const name = `${path}.weight`;
      const w = base.model.weight(name);
      merged.set(name, tf.tidy(() => tf.add(w, tf.mul(tf.matMul(m.a, m.b), m.scale))));
      if (w !== base.model.params.get(name)) w.dispose();
    }
    mkdirSync(outputDir, { recursive: true });
    const names = ["model.safetensors"];
    writeSafetensors(join(outputDir, "model.safetensors"), base.model.exportTensors("F32", merged), { format: "pt" });
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
      if (existsSync(join(base.dir, f))) { copyFileSync(join(base.dir, f), join(outputDir, f)); names.push(f); }
    }
    writeFileSync(join(outputDir, "merge_info.json"), JSON.stringify({ base: base.dir, baseWeightsSha256: base.weightsSha256, adapterSha256: r.id, adapterConfig: r.adapterConfig }, null, 2));
    names.push("merge_info.json");
    return fileEntries(outputDir, names);
  } finally {
    for (const t of merged.values()) t.dispose();
    disposeLora(r.set);
  }
}

export async function generate(base: BaseModel, adapter: Adapter | null, prompt: string, options: GenerateOptions): Promise<{ text: string; promptTokens: number; completionTokens: number; finishReason: "stop" | "length" }> {
  const r = await generateTokens(base, adapter?.lora ?? null, prompt, options);
  return { text: r.text, promptTokens: r.promptTokens, completionTokens: r.completionTokens, finishReason: r.finishReason };
}
