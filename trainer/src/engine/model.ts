// A decoder-only transformer configured from a Hugging Face config.json, in two layouts:
// Llama (LLaMA, Mistral, Qwen2, DeepSeek dense: RMSNorm, RoPE, SwiGLU, grouped-query attention,
// optional q/k/v bias) and GPT-2 (LayerNorm, learned positions, GELU, fused qkv Conv1D).
// Weights are held by their Hugging Face names; linear weights in "compute layout" [in, out] so every
// projection is one plain 2-D matmul (Llama's nn.Linear [out, in] is transposed once at load).
import { tf } from "./backend.ts";
import { dequantizeNf4, quantizeNf4, nf4Bytes, type Nf4Tensor } from "./nf4.ts";
import { toFloat32, fromFloat32, type SafeTensor } from "./safetensors.ts";

export type Family = "llama" | "gpt2" | "bloom";

export interface ModelConfig {
  family: Family; modelType: string;
  vocabSize: number; hiddenSize: number; numLayers: number; numHeads: number; numKvHeads: number; headDim: number;
  intermediateSize: number; maxPositions: number; ropeTheta: number; normEps: number; tieEmbeddings: boolean;
  hiddenAct: string; ropeInvFreq?: number[];
  /** Qwen3: RMSNorm of every query and key head (q_norm, k_norm) before RoPE. */
  qkNorm?: boolean;
  /** Gemma: RMSNorm scales by (1 + w), and embeddings are multiplied by √hidden. */
  normOffset?: number; embedScale?: number;
  /** Phi-3: one qkv_proj and one gate_up_proj instead of q/k/v and gate/up. */
  fusedProjections?: boolean;
  /** Mistral: a key more than this many positions back is masked. */
  slidingWindow?: number;
  /** Gemma 2: which layers use the sliding window (the others see everything). */
  slidingLayers?: boolean[];
  /** Gemma 2: query scale (query_pre_attn_scalar^-½), tanh soft-caps of attention scores and final logits,
   *  and norms after attention and around the MLP. */
  attnScale?: number; attnSoftcap?: number; finalSoftcap?: number; sandwichNorms?: boolean;
  /** BLOOM: the residual is taken after the layer norm instead of before it. */
  residualPostNorm?: boolean;
}

export const LOADABLE = "llama, mistral, qwen2, qwen3 (dense), gemma, gemma2, phi3, deepseek (dense, llama layout), gpt2, bloom";
const LLAMA_TYPES = new Set(["llama", "mistral", "qwen2", "qwen3", "gemma", "gemma2", "phi3", "deepseek", "yi"]);
const NOT_YET: Record<string, string> = {
  chatglm: "ChatGLM (its tokenizer ships only as a SentencePiece tokenizer.model; GLM blocks with rotary on half of each head in interleaved pairs, multi-query fused query_key_value, fused gate/up dense_h_to_4h) does not load yet",
  mixtral: "Mixtral (mixture of experts) does not load yet",
  qwen2_moe: "Qwen2-MoE (mixture of experts) does not load yet",
  deepseek_v2: "DeepSeek-V2/V3 (MLA attention, mixture of experts) does not load yet",
  deepseek_v3: "DeepSeek-V2/V3 (MLA attention, mixture of experts) does not load yet",
  gemma3_text: "Gemma 3 (q/k norms, local/global attention layers) does not load yet",
};

type Json = Record<string, unknown>;
const num = (v: unknown, fallback?: number): number => {
  if (typeof v === "number") return v;
  if (fallback === undefined) throw new Error(`config.json lacks a required number (got ${JSON.stringify(v)})`);
  return fallback;
};

export function parseConfig(cfg: Json): ModelConfig {
  const modelType = String(cfg.model_type ?? "");
  if (NOT_YET[modelType]) throw new Error(`model_type "${modelType}": ${NOT_YET[modelType]}. Loadable: ${LOADABLE}.`);
  if (modelType === "bloom") {
    const hidden = num(cfg.hidden_size ?? cfg.n_embed);
    const heads = num(cfg.n_head ?? cfg.num_attention_heads);
    if (num(cfg.pretraining_tp, 1) !== 1 && cfg.slow_but_exact === true) throw new Error("BLOOM with slow_but_exact tensor-parallel emulation is not supported");
    return {
      family: "bloom", modelType, vocabSize: num(cfg.vocab_size), hiddenSize: hidden, numLayers: num(cfg.n_layer ?? cfg.num_hidden_layers),
      numHeads: heads, numKvHeads: heads, headDim: hidden / heads, intermediateSize: 4 * hidden, maxPositions: num(cfg.seq_length ?? cfg.max_position_embeddings, 2048),
      ropeTheta: 0, normEps: num(cfg.layer_norm_epsilon, 1e-5), tieEmbeddings: cfg.tie_word_embeddings !== false, hiddenAct: "gelu_new",
      residualPostNorm: cfg.apply_residual_connection_post_layernorm === true,
    };
  }
  if (modelType === "gpt2") {
    const hidden = num(cfg.n_embd ?? cfg.hidden_size);
    const heads = num(cfg.n_head ?? cfg.num_attention_heads);
    return {
      family: "gpt2", modelType, vocabSize: num(cfg.vocab_size), hiddenSize: hidden, numLayers: num(cfg.n_layer ?? cfg.num_hidden_layers),
      numHeads: heads, numKvHeads: heads, headDim: hidden / heads, intermediateSize: num(cfg.n_inner, 4 * hidden),
      maxPositions: num(cfg.n_positions ?? cfg.max_position_embeddings, 1024), ropeTheta: 0, normEps: num(cfg.layer_norm_epsilon, 1e-5),
      tieEmbeddings: cfg.tie_word_embeddings !== false, hiddenAct: String(cfg.activation_function ?? "gelu_new"),
    };
  }
  if (!LLAMA_TYPES.has(modelType)) throw new Error(`model_type "${modelType}" is not supported. Loadable: ${LOADABLE}.`);
  const hidden = num(cfg.hidden_size);
  const heads = num(cfg.num_attention_heads);
  const headDim = num(cfg.head_dim, hidden / heads);
  const c: ModelConfig = {
    family: "llama", modelType, vocabSize: num(cfg.vocab_size), hiddenSize: hidden, numLayers: num(cfg.num_hidden_layers),
    numHeads: heads, numKvHeads: num(cfg.num_key_value_heads, heads), headDim, intermediateSize: num(cfg.intermediate_size),
    maxPositions: num(cfg.max_position_embeddings, 2048), ropeTheta: num(cfg.rope_theta, 10000), normEps: num(cfg.rms_norm_eps, 1e-6),
    tieEmbeddings: cfg.tie_word_embeddings === true, hiddenAct: String(cfg.hidden_act ?? "silu"),
  };
  c.ropeInvFreq = ropeInvFreq(headDim, c.ropeTheta, cfg.rope_scaling as Json | null | undefined);
  if (modelType === "qwen3") c.qkNorm = true;
  if (modelType === "phi3") {
    c.fusedProjections = true;
    if (typeof cfg.sliding_window === "number" && cfg.sliding_window < c.maxPositions) c.slidingWindow = cfg.sliding_window;
    if (cfg.partial_rotary_factor !== undefined && cfg.partial_rotary_factor !== 1) throw new Error("phi3 with partial_rotary_factor ≠ 1 is not supported");
  }
  if (modelType === "gemma2") {
    c.normOffset = 1; c.embedScale = Math.sqrt(hidden); c.tieEmbeddings = cfg.tie_word_embeddings !== false; c.sandwichNorms = true;
    c.hiddenAct = String(cfg.hidden_activation ?? "gelu_pytorch_tanh");
    c.attnScale = Math.pow(num(cfg.query_pre_attn_scalar, headDim), -0.5);
    if (typeof cfg.attn_logit_softcapping === "number") c.attnSoftcap = cfg.attn_logit_softcapping;
    if (typeof cfg.final_logit_softcapping === "number") c.finalSoftcap = cfg.final_logit_softcapping;
    if (typeof cfg.sliding_window === "number") {
      c.slidingWindow = cfg.sliding_window;
      const types = cfg.layer_types as string[] | undefined;
      c.slidingLayers = Array.from({ length: c.numLayers }, (_, i) => (types ? types[i] === "sliding_attention" : i % 2 === 0));
    }
  }
  if (modelType === "gemma") {
    c.normOffset = 1; c.embedScale = Math.sqrt(hidden); c.tieEmbeddings = cfg.tie_word_embeddings !== false;
    c.hiddenAct = String(cfg.hidden_activation ?? "gelu_pytorch_tanh"); // HF runs Gemma with the tanh approximation
  }
  if (modelType === "mistral" && typeof cfg.sliding_window === "number" && cfg.use_sliding_window !== false) c.slidingWindow = cfg.sliding_window;
  if (modelType === "qwen2" && cfg.use_sliding_window === true) throw new Error("qwen2 with use_sliding_window: true (per-layer windows) is not supported");
  return c;
}

function ropeInvFreq(dim: number, theta: number, scaling: Json | null | undefined): number[] {
  const inv = Array.from({ length: dim / 2 }, (_, i) => 1 / Math.pow(theta, (2 * i) / dim));
  if (!scaling) return inv;
  const type = String(scaling.rope_type ?? scaling.type ?? "default");
  if (type === "default") return inv;
  const factor = num(scaling.factor, 1);
  if (type === "linear") return inv.map((f) => f / factor);
  if (type === "llama3") {
    const low = num(scaling.low_freq_factor, 1), high = num(scaling.high_freq_factor, 4), old = num(scaling.original_max_position_embeddings, 8192);
    const lowWave = old / low, highWave = old / high;
    return inv.map((f) => {
      const wave = (2 * Math.PI) / f;
      if (wave < highWave) return f;
      if (wave > lowWave) return f / factor;
      const s = (old / wave - low) / (high - low);
      return (1 - s) * (f / factor) + s * f;
    });
  }
  throw new Error(`rope_scaling type "${type}" is not supported (default, linear, llama3)`);
}

/** One linear projection, named by its module path in the *ForCausalLM model (as PEFT names it). */
export interface LinearSpec { path: string; module: string; inFeatures: number; outFeatures: number; hfTransposed: boolean }

export function linearSpecs(c: ModelConfig): LinearSpec[] {
  const out: LinearSpec[] = [];
  const D = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim, F = c.intermediateSize;
  for (let i = 0; i < c.numLayers; i++) {
    if (c.family === "llama") {
      const p = `model.layers.${i}`;
      const add = (m: string, mod: string, inF: number, outF: number) => out.push({ path: `${p}.${m}.${mod}`, module: mod, inFeatures: inF, outFeatures: outF, hfTransposed: true });
      if (c.fusedProjections) {
        add("self_attn", "qkv_proj", D, q + 2 * kv); add("self_attn", "o_proj", q, D);
        add("mlp", "gate_up_proj", D, 2 * F); add("mlp", "down_proj", F, D);
      } else {
        add("self_attn", "q_proj", D, q); add("self_attn", "k_proj", D, kv); add("self_attn", "v_proj", D, kv); add("self_attn", "o_proj", q, D);
        add("mlp", "gate_proj", D, F); add("mlp", "up_proj", D, F); add("mlp", "down_proj", F, D);
      }
    } else if (c.family === "bloom") {
      const p = `transformer.h.${i}`;
      const add = (m: string, mod: string, inF: number, outF: number) => out.push({ path: `${p}.${m}.${mod}`, module: mod, inFeatures: inF, outFeatures: outF, hfTransposed: true });
      add("self_attention", "query_key_value", D, 3 * D); add("self_attention", "dense", D, D);
      add("mlp", "dense_h_to_4h", D, F); add("mlp", "dense_4h_to_h", F, D);
    } else {
      const p = `transformer.h.${i}`;
      const add = (m: string, mod: string, inF: number, outF: number) => out.push({ path: `${p}.${m}.${mod}`, module: mod, inFeatures: inF, outFeatures: outF, hfTransposed: false });
      add("attn", "c_attn", D, 3 * D); add("attn", "c_proj", D, D); add("mlp", "c_fc", D, F); add("mlp", "c_proj", F, D);
    }
  }
  return out;
}

/** Every tensor the model uses: canonical name → shape in compute layout. Bias tensors are listed when optional. */
export function expectedTensors(c: ModelConfig, hasTensor: (name: string) => boolean): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const D = c.hiddenSize;
  if (c.family === "llama") {
    m.set("model.embed_tokens.weight", [c.vocabSize, D]);
    for (let i = 0; i < c.numLayers; i++) {
      m.set(`model.layers.${i}.input_layernorm.weight`, [D]);
      m.set(`model.layers.${i}.post_attention_layernorm.weight`, [D]);
      if (c.sandwichNorms) { m.set(`model.layers.${i}.pre_feedforward_layernorm.weight`, [D]); m.set(`model.layers.${i}.post_feedforward_layernorm.weight`, [D]); }
      if (c.qkNorm) { m.set(`model.layers.${i}.self_attn.q_norm.weight`, [c.headDim]); m.set(`model.layers.${i}.self_attn.k_norm.weight`, [c.headDim]); }
    }
    m.set("model.norm.weight", [D]);
    if (!c.tieEmbeddings) m.set("lm_head.weight", [D, c.vocabSize]);
  } else if (c.family === "bloom") {
    m.set("transformer.word_embeddings.weight", [c.vocabSize, D]);
    m.set("transformer.word_embeddings_layernorm.weight", [D]); m.set("transformer.word_embeddings_layernorm.bias", [D]);
    for (let i = 0; i < c.numLayers; i++) for (const ln of ["input_layernorm", "post_attention_layernorm"]) {
      m.set(`transformer.h.${i}.${ln}.weight`, [D]); m.set(`transformer.h.${i}.${ln}.bias`, [D]);
    }
    m.set("transformer.ln_f.weight", [D]); m.set("transformer.ln_f.bias", [D]);
  } else {
    m.set("transformer.wte.weight", [c.vocabSize, D]);
    m.set("transformer.wpe.weight", [c.maxPositions, D]);
    for (let i = 0; i < c.numLayers; i++) for (const ln of ["ln_1", "ln_2"]) {
      m.set(`transformer.h.${i}.${ln}.weight`, [D]); m.set(`transformer.h.${i}.${ln}.bias`, [D]);
    }
    m.set("transformer.ln_f.weight", [D]); m.set("transformer.ln_f.bias", [D]);
  }
  for (const l of linearSpecs(c)) {
    m.set(`${l.path}.weight`, [l.inFeatures, l.outFeatures]);
    if (c.family !== "llama" || hasTensor(`${l.path}.bias`)) m.set(`${l.path}.bias`, [l.outFeatures]);
  }
  return m;
}

/** LoRA weights of one module in compute layout: A is [in, r] (PEFT's lora_A.weight transposed), B is [r, out]. */
export interface LoraModule { a: tf.Tensor; b: tf.Tensor; scale: number; dropout: number }
export type LoraSet = Map<string, LoraModule>;

export interface KvCache { k: (tf.Tensor | null)[]; v: (tf.Tensor | null)[]; length: number }

export interface ForwardOptions {
  lora?: LoraSet | null;
  /** Tensors that replace the stored ones by name (full fine-tuning passes its variables here). */
  override?: Map<string, tf.Tensor>;
  cache?: KvCache;
  /** When set, LoRA dropout is active, seeded from this number. */
  dropoutSeed?: number;
}

export class Transformer {
  readonly config: ModelConfig;
  readonly params = new Map<string, tf.Tensor>();
  readonly quantized = new Map<string, Nf4Tensor>();
  /** Names as the checkpoint spelled them (GPT-2 checkpoints may omit "transformer."), for merged exports. */
  readonly sourceNames = new Map<string, string>();
  readonly sourceDtypes = new Map<string, string>();
  private ropeCache: { len: number; cos: tf.Tensor; sin: tf.Tensor } | null = null;

  constructor(config: ModelConfig) { this.config = config; }

  /** Builds the model from checkpoint tensors (Hugging Face names and layouts). */
  static fromTensors(config: ModelConfig, tensors: Map<string, SafeTensor>, options: { quantizeLinears?: boolean } = {}): Transformer {
    const model = new Transformer(config);
    const canonical = new Map<string, string>();
    for (const name of tensors.keys()) {
      let c = name;
      if (config.family !== "llama" && !name.startsWith("transformer.") && !name.startsWith("lm_head.")) c = `transformer.${name}`;
      canonical.set(c, name);
    }
    const expected = expectedTensors(config, (n) => canonical.has(n));
    const linearNames = new Set(linearSpecs(config).map((l) => `${l.path}.weight`));
    const transposed = new Set(linearSpecs(config).filter((l) => l.hfTransposed).map((l) => `${l.path}.weight`));
    if (config.family === "llama" && !config.tieEmbeddings) transposed.add("lm_head.weight");
    if (config.family === "llama" && config.tieEmbeddings === false && !canonical.has("lm_head.weight")) {
      throw new Error("config says tie_word_embeddings=false but the checkpoint has no lm_head.weight");
    }
    for (const [name, shape] of expected) {
      const src = canonical.get(name);
      if (!src) throw new Error(`checkpoint lacks tensor ${name} (expected shape ${JSON.stringify(transposed.has(name) ? [shape[1], shape[0]] : shape)})`);
      const t = tensors.get(src)!;
      const hfShape = transposed.has(name) ? [shape[1]!, shape[0]!] : shape;
      if (JSON.stringify(t.shape) !== JSON.stringify(hfShape)) throw new Error(`tensor ${src} has shape ${JSON.stringify(t.shape)}, config.json implies ${JSON.stringify(hfShape)}`);
      const values = toFloat32(t);
      model.sourceNames.set(name, src);
      model.sourceDtypes.set(name, t.dtype);
      if (options.quantizeLinears && linearNames.has(name)) {
        // straight from the checkpoint to NF4: the float copy never reaches the tensor heap
        const v = transposed.has(name) ? transpose2d(values, hfShape[0]!, hfShape[1]!) : values;
        model.quantized.set(name, quantizeNf4(v, shape));
        continue;
      }
      const tensor = transposed.has(name) ? tf.tidy(() => tf.transpose(tf.tensor(values, hfShape))) : tf.tensor(values, shape);
      model.params.set(name, tensor);
    }
    return model;
  }

  /** The weights as a Hugging Face checkpoint would hold them (original names, [out, in] for nn.Linear). */
  exportTensors(dtype: "F32" | "F16" | "BF16" = "F32", override?: Map<string, tf.Tensor>): [string, SafeTensor][] {
    const transposed = new Set(linearSpecs(this.config).filter((l) => l.hfTransposed).map((l) => `${l.path}.weight`));
    if (this.config.family === "llama" && !this.config.tieEmbeddings) transposed.add("lm_head.weight");
    const out: [string, SafeTensor][] = [];
    for (const name of this.tensorNames()) {
      const t = override?.get(name) ?? this.weight(name);
      const hf = transposed.has(name) ? tf.tidy(() => tf.transpose(t)) : t;
      out.push([this.sourceNames.get(name) ?? name, fromFloat32(hf.dataSync() as Float32Array, hf.shape, dtype)]);
      if (hf !== t) hf.dispose();
      if (t !== override?.get(name) && t !== this.params.get(name)) t.dispose();
    }
    return out;
  }

  /** A stored weight as a float tensor (dequantised when held in NF4; the caller disposes that copy). */
  weight(name: string): tf.Tensor {
    const p = this.params.get(name);
    if (p && !p.isDisposed) return p;
    const q = this.quantized.get(name);
    if (q) return tf.tensor(dequantizeNf4(q), q.shape);
    throw new Error(`no weight ${name}`);
  }

  /** Replaces the frozen linear weights by NF4 copies (QLoRA); returns float bytes freed and NF4 bytes held. */
  quantizeLinears(): { floatBytes: number; nf4Bytes: number } {
    let floatBytes = 0, qBytes = 0;
    for (const l of linearSpecs(this.config)) {
      const name = `${l.path}.weight`;
      const t = this.params.get(name);
      if (!t) continue;
      const q = quantizeNf4(t.dataSync() as Float32Array, t.shape);
      floatBytes += t.size * 4; qBytes += nf4Bytes(q);
      this.quantized.set(name, q);
      t.dispose();
      this.params.delete(name);
    }
    return { floatBytes, nf4Bytes: qBytes };
  }

  /** Names of every stored tensor (float or NF4). */
  tensorNames(): string[] { return [...new Set([...this.params.keys(), ...this.quantized.keys()])]; }

  paramCount(): number {
    let n = 0;
    for (const t of this.params.values()) n += t.size;
    for (const q of this.quantized.values()) n += q.length;
    return n;
  }

  dispose(): void {
    for (const t of this.params.values()) t.dispose();
    this.params.clear();
    this.quantized.clear();
    this.ropeCache?.cos.dispose(); this.ropeCache?.sin.dispose();
    this.ropeCache = null;
    this.rotateHalfMatrix?.dispose();
    this.rotateHalfMatrix = null;
  }

  private rotateHalfMatrix: tf.Tensor2D | null = null;
  private rotateHalf(): tf.Tensor2D {
    if (!this.rotateHalfMatrix) {
      const d = this.config.headDim, h = d / 2;
      const m = new Float32Array(d * d);
      // out[j] = -in[j + h] for j < h; out[j] = in[j - h] for j ≥ h   (row = input index, column = output index)
      for (let j = 0; j < h; j++) { m[(j + h) * d + j] = -1; m[j * d + j + h] = 1; }
      this.rotateHalfMatrix = tf.keep(tf.tensor2d(m, [d, d]));
    }
    return this.rotateHalfMatrix;
  }

  private rope(len: number): { cos: tf.Tensor; sin: tf.Tensor } {
    if (!this.ropeCache || this.ropeCache.len < len) {
      this.ropeCache?.cos.dispose(); this.ropeCache?.sin.dispose();
      const n = Math.max(len, 64);
      const inv = this.config.ropeInvFreq!;
      const d = this.config.headDim;
      const cos = new Float32Array(n * d), sin = new Float32Array(n * d);
      for (let p = 0; p < n; p++) for (let i = 0; i < d / 2; i++) {
        const a = p * inv[i]!;
        cos[p * d + i] = cos[p * d + i + d / 2] = Math.cos(a);
        sin[p * d + i] = sin[p * d + i + d / 2] = Math.sin(a);
      }
      this.ropeCache = { len: n, cos: tf.keep(tf.tensor2d(cos, [n, d])), sin: tf.keep(tf.tensor2d(sin, [n, d])) };
    }
    return this.ropeCache;
  }

  /**
   * Logits [batch*seq, vocab] for token ids [batch][seq] (equal lengths). With a cache, the ids are the
   * new tokens after cache.length earlier ones and the cache is extended (its tensors are kept).
   */
  forward(ids: number[][], opts: ForwardOptions = {}): tf.Tensor2D {
    const c = this.config;
    const B = ids.length, T = ids[0]!.length;
    const past = opts.cache?.length ?? 0;
    const D = c.hiddenSize, H = c.numHeads, KV = c.numKvHeads, hd = c.headDim;
    let dropoutCounter = 0;
    const get = (name: string): tf.Tensor => opts.override?.get(name) ?? this.params.get(name) ?? this.quantizedWeight(name);
    const linear = (x: tf.Tensor2D, path: string): tf.Tensor2D => {
      const name = `${path}.weight`;
      let y: tf.Tensor2D;
      const q = opts.override?.has(name) ? undefined : this.params.has(name) ? undefined : this.quantized.get(name);
      y = q ? quantLinear(x, q) : tf.matMul(x, get(name) as tf.Tensor2D);
      const bias = opts.override?.get(`${path}.bias`) ?? this.params.get(`${path}.bias`);
      if (bias) y = tf.add(y, bias);
      const l = opts.lora?.get(path);
      if (l) {
        let xin: tf.Tensor2D = x;
        dropoutCounter++;
        if (opts.dropoutSeed !== undefined && l.dropout > 0) xin = tf.dropout(x, l.dropout, undefined, (opts.dropoutSeed + dropoutCounter * 7919) % 2147483647) as tf.Tensor2D;
        // scale B ([r, out]) rather than the [tokens, out] product
        y = tf.add(y, tf.matMul(tf.matMul(xin, l.a as tf.Tensor2D), tf.mul(l.b, l.scale) as tf.Tensor2D));
      }
      return y;
    };
    const flatIds = tf.tensor1d(ids.flat(), "int32");
    const embName = c.family === "llama" ? "model.embed_tokens.weight" : c.family === "bloom" ? "transformer.word_embeddings.weight" : "transformer.wte.weight";
    let x = tf.gather(get(embName), flatIds) as tf.Tensor2D; // [B*T, D]
    if (c.embedScale) x = tf.mul(x, c.embedScale);
    flatIds.dispose();
    if (c.family === "bloom") x = layerNorm(x, get("transformer.word_embeddings_layernorm.weight"), get("transformer.word_embeddings_layernorm.bias"), c.normEps);
    if (c.family === "gpt2") {
      const pos = tf.tensor1d(Array.from({ length: B * T }, (_, i) => past + (i % T)), "int32");
      x = tf.add(x, tf.gather(get("transformer.wpe.weight"), pos));
    }
    // causal mask over [T, past+T]
    // Grouped-query attention without repeating K/V: the rep = H/KV query heads that share a KV head
    // are stacked along the sequence axis, so scores for a group are one [rep·T, hd]·[hd, Tk] product.
    const Tk = past + T;
    const rep = H / KV;
    let mask: tf.Tensor;
    let slidingMask: tf.Tensor | null = null; // Gemma 2's windowed layers
    if (c.family === "bloom") {
      // ALiBi: head h adds slope_h · j to the score of key j (HF's build_alibi_tensor), with the causal mask
      const slopes = alibiSlopes(H);
      const data = new Float32Array(H * T * Tk);
      for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < Tk; j++) data[(h * T + i) * Tk + j] = j > past + i ? -1e9 : slopes[h]! * j;
      mask = tf.tensor3d(data, [H, T, Tk]);
    } else {
      const build = (window: number | undefined) => {
        const maskData = new Float32Array(rep * T * Tk);
        for (let r = 0; r < rep; r++) for (let i = 0; i < T; i++) for (let j = 0; j < Tk; j++) {
          const visible = j <= past + i && (window === undefined || past + i - j < window);
          if (!visible) maskData[(r * T + i) * Tk + j] = -1e9;
        }
        return tf.tensor2d(maskData, [rep * T, Tk]);
      };
      mask = build(c.slidingLayers ? undefined : c.slidingWindow);
      if (c.slidingLayers) slidingMask = build(c.slidingWindow);
    }
    let cos: tf.Tensor | null = null, sin: tf.Tensor | null = null;
    if (c.family === "llama") {
      const r = this.rope(Tk);
      cos = tf.slice(r.cos, [past, 0], [T, hd]).reshape([1, 1, T, hd]);
      sin = tf.slice(r.sin, [past, 0], [T, hd]).reshape([1, 1, T, hd]);
    }
    // HF's rotate_half(t) = cat(-t2, t1) is a fixed signed permutation: one plain product with it
    const applyRope = (t: tf.Tensor): tf.Tensor => {
      const rotated = tf.reshape(tf.matMul(tf.reshape(t, [-1, hd]) as tf.Tensor2D, this.rotateHalf()), t.shape);
      return tf.add(tf.mul(t, cos!), tf.mul(rotated, sin!));
    };
    const heads = (t: tf.Tensor, n: number): tf.Tensor => tf.transpose(tf.reshape(t, [B, T, n, hd]), [0, 2, 1, 3]);

    for (let i = 0; i < c.numLayers; i++) {
      const p = c.family === "llama" ? `model.layers.${i}` : `transformer.h.${i}`;
      let q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, h: tf.Tensor2D;
      let residual: tf.Tensor2D = x;
      if (c.family === "llama") {
        h = rmsNorm(x, get(`${p}.input_layernorm.weight`), c.normEps, c.normOffset);
        if (c.fusedProjections) {
          const [qq, kk, vv] = tf.split(linear(h, `${p}.self_attn.qkv_proj`), [H * hd, KV * hd, KV * hd], 1);
          q = heads(qq!, H); k = heads(kk!, KV); v = heads(vv!, KV);
        } else {
          q = heads(linear(h, `${p}.self_attn.q_proj`), H);
          k = heads(linear(h, `${p}.self_attn.k_proj`), KV);
          v = heads(linear(h, `${p}.self_attn.v_proj`), KV);
        }
        if (c.qkNorm) { q = rmsNorm(q as tf.Tensor2D, get(`${p}.self_attn.q_norm.weight`), c.normEps); k = rmsNorm(k as tf.Tensor2D, get(`${p}.self_attn.k_norm.weight`), c.normEps); }
        q = applyRope(q); k = applyRope(k);
      } else if (c.family === "bloom") {
        h = layerNorm(x, get(`${p}.input_layernorm.weight`), get(`${p}.input_layernorm.bias`), c.normEps);
        if (c.residualPostNorm) residual = h;
        // fused per head: [B, T, H, (q | k | v), hd]
        const qkv = tf.reshape(linear(h, `${p}.self_attention.query_key_value`), [B, T, H, 3 * hd]);
        const part = (n: number) => tf.transpose(tf.slice(qkv, [0, 0, 0, n * hd], [-1, -1, -1, hd]), [0, 2, 1, 3]);
        q = part(0); k = part(1); v = part(2);
      } else {
        h = layerNorm(x, get(`${p}.ln_1.weight`), get(`${p}.ln_1.bias`), c.normEps);
        const qkv = linear(h, `${p}.attn.c_attn`);
        const [qq, kk, vv] = tf.split(qkv, 3, 1);
        q = heads(qq!, H); k = heads(kk!, H); v = heads(vv!, H);
      }
      if (opts.cache) {
        const pk = opts.cache.k[i], pv = opts.cache.v[i];
        if (pk && pv) { k = tf.concat([pk, k], 2); v = tf.concat([pv, v], 2); }
        opts.cache.k[i] = tf.keep(k); opts.cache.v[i] = tf.keep(v);
        if (pk && pv) { pk.dispose(); pv.dispose(); }
      }
      // as HF's repeat_kv: query head h reads KV head floor(h / rep)
      const qg = tf.reshape(tf.mul(q, c.attnScale ?? 1 / Math.sqrt(hd)), [B, KV, rep * T, hd]);
      let raw = tf.matMul(qg, k, false, true); // [B, KV, rep·T, Tk]
      if (c.attnSoftcap) raw = tf.mul(tf.tanh(tf.div(raw, c.attnSoftcap)), c.attnSoftcap);
      const windowed = c.slidingLayers ? c.slidingLayers[i] === true : c.slidingWindow !== undefined;
      const layerMask = windowed && slidingMask ? slidingMask : mask;
      const needsMask = T > 1 || c.family === "bloom" || (windowed && Tk > c.slidingWindow!);
      const scores = needsMask ? tf.add(raw, layerMask) : raw; // one new token sees every cached position
      const attn = tf.reshape(tf.matMul(tf.softmax(scores), v), [B, H, T, hd]);
      const merged = tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
      if (c.family === "llama" && c.sandwichNorms) {
        // Gemma 2: x += norm(attn); x += norm(mlp(norm(x)))
        x = tf.add(x, rmsNorm(linear(merged, `${p}.self_attn.o_proj`), get(`${p}.post_attention_layernorm.weight`), c.normEps, c.normOffset));
        const h2 = rmsNorm(x, get(`${p}.pre_feedforward_layernorm.weight`), c.normEps, c.normOffset);
        const mlp = linear(tf.mul(activation(linear(h2, `${p}.mlp.gate_proj`), c.hiddenAct), linear(h2, `${p}.mlp.up_proj`)), `${p}.mlp.down_proj`);
        x = tf.add(x, rmsNorm(mlp, get(`${p}.post_feedforward_layernorm.weight`), c.normEps, c.normOffset));
      } else if (c.family === "llama") {
        x = tf.add(x, linear(merged, `${p}.self_attn.o_proj`));
        const h2 = rmsNorm(x, get(`${p}.post_attention_layernorm.weight`), c.normEps, c.normOffset);
        let gate: tf.Tensor2D, up: tf.Tensor2D;
        if (c.fusedProjections) [gate, up] = tf.split(linear(h2, `${p}.mlp.gate_up_proj`), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
        else { gate = linear(h2, `${p}.mlp.gate_proj`); up = linear(h2, `${p}.mlp.up_proj`); }
        x = tf.add(x, linear(tf.mul(activation(gate, c.hiddenAct), up), `${p}.mlp.down_proj`));
      } else if (c.family === "bloom") {
        x = tf.add(residual, linear(merged, `${p}.self_attention.dense`));
        const h2 = layerNorm(x, get(`${p}.post_attention_layernorm.weight`), get(`${p}.post_attention_layernorm.bias`), c.normEps);
        const res2 = c.residualPostNorm ? h2 : x;
        x = tf.add(res2, linear(activation(linear(h2, `${p}.mlp.dense_h_to_4h`), c.hiddenAct), `${p}.mlp.dense_4h_to_h`));
      } else {
        x = tf.add(x, linear(merged, `${p}.attn.c_proj`));
        const h2 = layerNorm(x, get(`${p}.ln_2.weight`), get(`${p}.ln_2.bias`), c.normEps);
        x = tf.add(x, linear(activation(linear(h2, `${p}.mlp.c_fc`), c.hiddenAct), `${p}.mlp.c_proj`));
      }
    }
    if (opts.cache) opts.cache.length = Tk;
    x = c.family === "llama" ? rmsNorm(x, get("model.norm.weight"), c.normEps, c.normOffset) : layerNorm(x, get("transformer.ln_f.weight"), get("transformer.ln_f.bias"), c.normEps);
    const logits = (c.tieEmbeddings ? tf.matMul(x, get(embName) as tf.Tensor2D, false, true) : tf.matMul(x, get("lm_head.weight") as tf.Tensor2D)) as tf.Tensor2D;
    if (!c.finalSoftcap) return logits;
    const capped: tf.Tensor = tf.mul(tf.tanh(tf.div(logits, c.finalSoftcap)), c.finalSoftcap);
    return capped as tf.Tensor2D;
  }

  private quantizedWeight(name: string): tf.Tensor {
    const q = this.quantized.get(name);
    if (!q) throw new Error(`no weight ${name}`);
    return tf.tensor(dequantizeNf4(q), q.shape);
  }
}

/** BLOOM's ALiBi slopes (HF build_alibi_tensor), including head counts that are not a power of two. */
export function alibiSlopes(heads: number): number[] {
  const closest = 2 ** Math.floor(Math.log2(heads));
  const base = 2 ** -(2 ** -(Math.log2(closest) - 3));
  const slopes = Array.from({ length: closest }, (_, i) => base ** (i + 1));
  if (closest !== heads) {
    const extraBase = 2 ** -(2 ** -(Math.log2(2 * closest) - 3));
    const remaining = Math.min(closest, heads - closest);
    for (let i = 0; i < remaining; i++) slopes.push(extraBase ** (2 * i + 1));
  }
  return slopes;
}

function transpose2d(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c]!;
  return out;
}

// One reusable JS buffer per weight size, so dequantising does not allocate every call.
const scratch = new Map<number, Float32Array>();
function dequantized(q: Nf4Tensor): tf.Tensor2D {
  let buf = scratch.get(q.length);
  if (!buf) { buf = new Float32Array(q.length); scratch.set(q.length, buf); }
  return tf.tensor2d(dequantizeNf4(q, buf), q.shape as [number, number]); // copies into the tensor heap
}

/** y = x·W with W held in NF4: dequantised for the product and again for the backward pass, never kept. */
function quantLinear(x: tf.Tensor2D, q: Nf4Tensor): tf.Tensor2D {
  const f = tf.customGrad(((input: tf.Tensor) => {
    const w = dequantized(q);
    const y = tf.matMul(input as tf.Tensor2D, w);
    w.dispose();
    return {
      value: y,
      gradFunc: (dy: tf.Tensor) => {
        const w2 = dequantized(q);
        const dx = tf.matMul(dy as tf.Tensor2D, w2, false, true);
        w2.dispose();
        return [dx];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as tf.Tensor2D;
}

function rmsNorm(x: tf.Tensor2D, w: tf.Tensor, eps: number, offset = 0): tf.Tensor2D {
  const ms = tf.mean(tf.square(x), -1, true);
  return tf.mul(tf.mul(x, tf.rsqrt(tf.add(ms, eps))), offset ? tf.add(w, offset) : w);
}

function layerNorm(x: tf.Tensor2D, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor2D {
  const mean = tf.mean(x, -1, true);
  const centered = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centered), -1, true);
  return tf.add(tf.mul(tf.mul(centered, tf.rsqrt(tf.add(variance, eps))), w), b);
}

function activation<T extends tf.Tensor>(x: T, act: string): T {
  switch (act) {
    case "silu": case "swish": return tf.mul(x, tf.sigmoid(x));
    case "gelu_new": case "gelu_pytorch_tanh": case "gelu_fast": {
      const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
      return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
    }
    case "gelu": return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));
    case "relu": return tf.relu(x);
    default: throw new Error(`activation ${act} is not supported (silu, gelu, gelu_new, relu)`);
  }
}

/** Mean cross-entropy over positions whose weight is 1. logits [N, V]; targets and weights of length N. */
export function maskedCrossEntropy(logits: tf.Tensor2D, targets: number[], weights: number[], denominator?: number): tf.Scalar {
  const V = logits.shape[1];
  const logp = tf.logSoftmax(logits);
  // pick each row's target log-probability by a flat gather: no [N, V] one-hot (151k columns for Qwen2)
  const picked = tf.gather(tf.reshape(logp, [-1]), tf.tensor1d(targets.map((t, i) => i * V + t), "int32"));
  const w = tf.tensor1d(weights);
  const total = denominator ?? weights.reduce((a, b) => a + b, 0);
  return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), Math.max(total, 1)) as tf.Scalar;
}
