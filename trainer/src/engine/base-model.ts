// loadBaseModel: config.json + model.safetensors (or shards + index) + tokenizer.json from a folder.
import { readFileSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { createHash } from "node:crypto";
import { initBackend } from "./backend.ts";
import { Transformer, parseConfig } from "./model.ts";
import { readCheckpointTensors } from "./safetensors.ts";
import { loadTokenizer, type BpeTokenizer } from "./tokenizer.ts";

export interface BaseModel {
  dir: string; config: Record<string, unknown>; family: string; weightsSha256: string; tokenizer: BpeTokenizer; dispose(): void;
  /** Positions the model can attend over: prompt and completion together fit in it. */
  contextLength: number;
  /** The network itself (engine internals; the node need not touch it). */
  model: Transformer;
}

export interface LoadOptions {
  /** Hold the linear weights in NF4 only (a QLoRA-only base: lora/qlora training and generation work, "full" does not). */
  quantize?: "nf4";
}

export async function loadBaseModel(dir: string, options: LoadOptions = {}): Promise<BaseModel> {
  await initBackend();
  const abs = resolve(dir);
  const cfgPath = join(abs, "config.json");
  if (!existsSync(cfgPath)) throw new Error(`no config.json in ${abs}`);
  const config = JSON.parse(readFileSync(cfgPath, "utf8")) as Record<string, unknown>;
  const modelConfig = parseConfig(config);
  const { tensors, files } = readCheckpointTensors(abs);
  // The hash of the weights as stored: the single file, or the index followed by every shard in order.
  const hash = createHash("sha256");
  for (const f of files) hash.update(readFileSync(f));
  const model = Transformer.fromTensors(modelConfig, tensors, { quantizeLinears: options.quantize === "nf4" });
  const tokenizer = loadTokenizer(abs);
  if (tokenizer.vocabSize > modelConfig.vocabSize) throw new Error(`tokenizer has ${tokenizer.vocabSize} tokens but the model's vocab_size is ${modelConfig.vocabSize}`);
  return {
    dir: abs, config, family: modelConfig.family, weightsSha256: hash.digest("hex"), tokenizer, model, contextLength: modelConfig.maxPositions,
    dispose: () => model.dispose(),
  };
}
