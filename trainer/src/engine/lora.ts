// LoRA adapters: creation with PEFT's initialisation, PEFT-compatible export and loading.
import { readFileSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { tf } from "./backend.ts";
import { linearSpecs, type LinearSpec, type LoraSet, type ModelConfig } from "./model.ts";
import { Rng, uniqueName } from "./rng.ts";
import { fromFloat32, parseSafetensors, toFloat32, type SafeTensor } from "./safetensors.ts";
import type { LoraSettings } from "./types.ts";

export const PEFT_PREFIX = "base_model.model.";

/** PEFT matches a target name against the end of the module path ("q_proj" matches "...self_attn.q_proj"). */
export function targetedLinears(config: ModelConfig, targets: string[]): LinearSpec[] {
  const all = linearSpecs(config);
  if (targets.includes("all-linear")) return all;
  const chosen = all.filter((l) => targets.some((t) => l.path === t || l.path.endsWith(`.${t}`)));
  if (chosen.length === 0) {
    const names = [...new Set(all.map((l) => l.module))].join(", ");
    throw new Error(`lora.targetModules ${JSON.stringify(targets)} match no linear layer of this ${config.modelType} model (its modules: ${names}, or "all-linear")`);
  }
  return chosen;
}

/** A at PEFT's kaiming-uniform(a=√5) init, i.e. U(-1/√in, 1/√in); B zeros, so the adapter starts as a no-op. */
export function createLora(config: ModelConfig, settings: LoraSettings, seed: number): LoraSet {
  if (!(settings.rank >= 1)) throw new Error(`lora.rank must be ≥ 1 (got ${settings.rank})`);
  const rng = new Rng(seed);
  const set: LoraSet = new Map();
  for (const l of targetedLinears(config, settings.targetModules)) {
    const bound = 1 / Math.sqrt(l.inFeatures);
    // PEFT's lora_A.weight is [r, in]; fill in that order, then hold it transposed for compute.
    const aPeft = new Float32Array(settings.rank * l.inFeatures);
    for (let i = 0; i < aPeft.length; i++) aPeft[i] = rng.uniform(-bound, bound);
    const a = tf.tidy(() => tf.transpose(tf.tensor2d(aPeft, [settings.rank, l.inFeatures])));
    const zeros = tf.zeros([settings.rank, l.outFeatures]);
    set.set(l.path, {
      a: tf.variable(a, true, uniqueName(`${l.path}.lora_A`)),
      b: tf.variable(zeros, true, uniqueName(`${l.path}.lora_B`)),
      scale: settings.alpha / settings.rank,
      dropout: settings.dropout,
    });
    a.dispose(); zeros.dispose();
  }
  return set;
}

export function adapterConfigJson(config: ModelConfig, settings: LoraSettings, baseModelName: string): string {
  const modules = [...new Set(targetedLinears(config, settings.targetModules).map((l) => l.module))];
  return JSON.stringify({
    peft_type: "LORA", task_type: "CAUSAL_LM", base_model_name_or_path: baseModelName,
    r: settings.rank, lora_alpha: settings.alpha, lora_dropout: settings.dropout,
    target_modules: settings.targetModules.includes("all-linear") ? modules : settings.targetModules,
    bias: "none", fan_in_fan_out: config.arch.linear === "conv1d", inference_mode: true, init_lora_weights: true,
    modules_to_save: null, layers_to_transform: null, use_rslora: false, use_dora: false, revision: null,
  }, null, 2);
}

/** PEFT tensor names and layouts: lora_A.weight [r, in], lora_B.weight [out, r]. */
export function exportLora(set: LoraSet): [string, SafeTensor][] {
  const out: [string, SafeTensor][] = [];
  for (const [path, m] of set) {
    const a = tf.tidy(() => tf.transpose(m.a)), b = tf.tidy(() => tf.transpose(m.b));
    out.push([`${PEFT_PREFIX}${path}.lora_A.weight`, fromFloat32(a.dataSync() as Float32Array, a.shape)]);
    out.push([`${PEFT_PREFIX}${path}.lora_B.weight`, fromFloat32(b.dataSync() as Float32Array, b.shape)]);
    a.dispose(); b.dispose();
  }
  return out;
}

export interface LoadedLora { id: string; set: LoraSet; adapterConfig: Record<string, unknown>; file: string }

/** Reads a PEFT adapter: a folder with adapter_model.safetensors (+ adapter_config.json), or that one file. */
export function readLora(config: ModelConfig, adapterPath: string): LoadedLora {
  const file = existsSync(adapterPath) && statSync(adapterPath).isDirectory() ? join(adapterPath, "adapter_model.safetensors") : adapterPath;
  if (!existsSync(file)) throw new Error(`no adapter_model.safetensors at ${adapterPath}`);
  const bytes = new Uint8Array(readFileSync(file));
  const parsed = parseSafetensors(bytes);
  let cfgText = parsed.metadata.adapter_config;
  const beside = join(file, "..", "adapter_config.json");
  if (!cfgText && existsSync(beside)) cfgText = readFileSync(beside, "utf8");
  if (!cfgText) throw new Error(`adapter ${file} has no adapter_config (neither in its safetensors metadata nor beside it)`);
  const adapterConfig = JSON.parse(cfgText) as Record<string, unknown>;
  if (adapterConfig.peft_type !== "LORA") throw new Error(`adapter peft_type is ${String(adapterConfig.peft_type)}; only LORA is supported`);
  if (adapterConfig.use_dora) throw new Error("adapter uses DoRA (use_dora: true), which this engine does not apply; only plain LoRA adapters load");
  const r = Number(adapterConfig.r), alpha = Number(adapterConfig.lora_alpha ?? r);
  const scale = adapterConfig.use_rslora ? alpha / Math.sqrt(r) : alpha / r;
  const specs = new Map(linearSpecs(config).map((l) => [l.path, l]));
  const set: LoraSet = new Map();
  for (const [name, t] of parsed.tensors) {
    const m = /^base_model\.model\.(.+)\.lora_A(?:\.default)?\.weight$/.exec(name);
    if (!m) continue;
    let path = m[1]!;
    const prefix = config.arch.names.optionalPrefix;
    if (prefix && !path.startsWith(prefix)) path = `${prefix}${path}`;
    const spec = specs.get(path);
    if (!spec) throw new Error(`adapter tensor ${name} targets ${path}, which this model does not have`);
    const bName = name.replace("lora_A", "lora_B");
    const bt = parsed.tensors.get(bName);
    if (!bt) throw new Error(`adapter has ${name} but no ${bName}`);
    if (t.shape[0] !== r || t.shape[1] !== spec.inFeatures || bt.shape[0] !== spec.outFeatures || bt.shape[1] !== r) {
      throw new Error(`adapter tensors for ${path} have shapes ${JSON.stringify(t.shape)}/${JSON.stringify(bt.shape)}, expected [${r}, ${spec.inFeatures}]/[${spec.outFeatures}, ${r}]`);
    }
    set.set(path, {
      a: tf.tidy(() => tf.transpose(tf.tensor2d(toFloat32(t), t.shape as [number, number]))),
      b: tf.tidy(() => tf.transpose(tf.tensor2d(toFloat32(bt), bt.shape as [number, number]))),
      scale, dropout: 0,
    });
  }
  if (set.size === 0) throw new Error(`adapter ${file} holds no lora_A/lora_B tensors`);
  return { id: createHash("sha256").update(bytes).digest("hex"), set, adapterConfig, file };
}

export function disposeLora(set: LoraSet): void {
  for (const m of set.values()) { m.a.dispose(); m.b.dispose(); }
  set.clear();
}
