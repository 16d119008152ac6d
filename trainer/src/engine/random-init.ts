// Randomly initialised checkpoints in Hugging Face layout (for tests, benchmarks and the base-model script).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expectedTensors, linearSpecs, parseConfig, transposedTensors } from "./model.ts";
import { Rng } from "./rng.ts";
import { fromFloat32, writeSafetensors, writeShardedCheckpoint, type SafeTensor } from "./safetensors.ts";
import { bytesToUnicode } from "./tokenizer.ts";

export interface RandomInitOptions { seed?: number; std?: number; dtype?: "F32" | "F16" | "BF16"; withBias?: boolean; gpt2Prefix?: boolean }

/** Tensors with the names and [out, in] / Conv1D layouts a Hugging Face checkpoint has. */
export function randomCheckpoint(hfConfig: Record<string, unknown>, opts: RandomInitOptions = {}): [string, SafeTensor][] {
  const c = parseConfig(hfConfig);
  const rng = new Rng(opts.seed ?? 1);
  const std = opts.std ?? 0.02;
  const withBias = opts.withBias ?? (c.modelType === "qwen2");
  const biasFor = new Set<string>();
  if (c.arch.bias === "optional" && withBias) for (const l of linearSpecs(c)) if (/\.(q|k|v)_proj$/.test(l.path)) biasFor.add(`${l.path}.bias`);
  const expected = expectedTensors(c, (n) => biasFor.has(n));
  const transposed = transposedTensors(c);
  const out: [string, SafeTensor][] = [];
  for (const [name, shape] of expected) {
    const hfShape = transposed.has(name) ? [shape[1]!, shape[0]!] : shape;
    const n = hfShape.reduce((a, b) => a * b, 1);
    const v = new Float32Array(n);
    const isNorm = /(layernorm|norm|ln_\d|ln_f)\.weight$/.test(name);
    if (isNorm) v.fill(1);
    else if (name.endsWith(".bias")) { if (c.family !== "gpt2") for (let i = 0; i < n; i++) v[i] = rng.normal() * std; }
    else for (let i = 0; i < n; i++) v[i] = rng.normal() * std;
    const prefix = c.arch.names.optionalPrefix;
    const outName = prefix && opts.gpt2Prefix === false && name.startsWith(prefix) ? name.slice(prefix.length) : name;
    out.push([outName, fromFloat32(v, hfShape, opts.dtype ?? "F32")]);
  }
  return out;
}

/** A tokenizer.json with the 256 byte tokens of GPT-2's byte-level alphabet, optional merges, and added tokens. */
export function byteLevelTokenizerJson(merges: [string, string][] = [], special: string[] = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]): Record<string, unknown> {
  const vocab: Record<string, number> = {};
  bytesToUnicode().forEach((ch, i) => { vocab[ch] = i; });
  let next = 256;
  for (const [a, b] of merges) if (vocab[a + b] === undefined) vocab[a + b] = next++;
  const added = special.map((content) => ({ id: next++, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
  return {
    version: "1.0", truncation: null, padding: null, added_tokens: added, normalizer: null,
    pre_tokenizer: { type: "ByteLevel", add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null, decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: "BPE", dropout: null, unk_token: null, continuing_subword_prefix: "", end_of_word_suffix: "", fuse_unk: false, byte_fallback: false, vocab, merges: merges.map(([a, b]) => `${a} ${b}`) },
  };
}

export const CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

export function writeModelFolder(dir: string, hfConfig: Record<string, unknown>, tensors: [string, SafeTensor][], tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>, shardBytes?: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "config.json"), JSON.stringify(hfConfig, null, 2));
  if (shardBytes) writeShardedCheckpoint(dir, tensors, shardBytes);
  else writeSafetensors(join(dir, "model.safetensors"), tensors, { format: "pt" });
  writeFileSync(join(dir, "tokenizer.json"), JSON.stringify(tokenizerJson));
  writeFileSync(join(dir, "tokenizer_config.json"), JSON.stringify(tokenizerConfig, null, 2));
}

export function tinyLlamaConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["LlamaForCausalLM"], model_type: "llama", vocab_size: 259, hidden_size: 32, intermediate_size: 64,
    num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 256, rms_norm_eps: 1e-5,
    rope_theta: 10000, hidden_act: "silu", tie_word_embeddings: false, torch_dtype: "float32", ...over,
  };
}

export function tinyBloomConfig(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["BloomForCausalLM"], model_type: "bloom", vocab_size: 259, hidden_size: 32, n_layer: 2, n_head: 4,
    layer_norm_epsilon: 1e-5, apply_residual_connection_post_layernorm: false, tie_word_embeddings: true, ...over,
  };
}

export function tinyGpt2Config(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ["GPT2LMHeadModel"], model_type: "gpt2", vocab_size: 259, n_embd: 32, n_layer: 2, n_head: 4, n_positions: 128,
    n_inner: null, activation_function: "gelu_new", layer_norm_epsilon: 1e-5, tie_word_embeddings: true, ...over,
  };
}
