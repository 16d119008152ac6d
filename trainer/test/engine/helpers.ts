import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { byteLevelTokenizerJson, CHATML_TEMPLATE, randomCheckpoint, writeModelFolder, tinyLlamaConfig, tinyGpt2Config, tinyBloomConfig, type RandomInitOptions } from "../../src/engine/random-init.ts";

export function tempDir(prefix = "engine-"): string { return mkdtempSync(join(tmpdir(), prefix)); }

export const TOKENIZER_CONFIG = { eos_token: "<|im_end|>", bos_token: null, chat_template: CHATML_TEMPLATE, model_max_length: 256 };

/** Writes a random checkpoint in Hugging Face layout with a 259-token byte-level tokenizer. */
export function writeTinyModel(kind: "llama" | "qwen2" | "gpt2" | "bloom", over: Record<string, unknown> = {}, init: RandomInitOptions = {}, shardBytes?: number): string {
  const dir = tempDir(`${kind}-`);
  const cfg = kind === "gpt2" ? tinyGpt2Config(over) : kind === "bloom" ? tinyBloomConfig(over) : tinyLlamaConfig(kind === "qwen2" ? { model_type: "qwen2", architectures: ["Qwen2ForCausalLM"], tie_word_embeddings: true, ...over } : over);
  writeModelFolder(dir, cfg, randomCheckpoint(cfg, init), byteLevelTokenizerJson(), TOKENIZER_CONFIG, shardBytes);
  return dir;
}
