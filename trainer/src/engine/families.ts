// The model families the engine loads, each described by a small declarative spec: which tensors it
// has and under which names, which norm, attention, positions and MLP it uses. The one forward pass in
// forward.ts reads the spec; it never asks which family a model is. See README.md, "Adding a family".

/** The tensor naming scheme, also reported as BaseModel.family. */
export type Layout = "llama" | "gpt2" | "bloom";

/** Module paths of the *ForCausalLM model (".weight" / ".bias" are appended). Per-layer names are relative to `${layers}.${i}`. */
export interface TensorNames {
  embed: string;
  /** Learned absolute position embeddings (GPT-2's wpe). */
  positions?: string;
  /** A norm right after the embedding (BLOOM). */
  embedNorm?: string;
  layers: string;
  inputNorm: string;
  /** Before the MLP; with sandwich norms, after attention. */
  postAttentionNorm: string;
  /** Sandwich norms only: before and after the MLP. */
  preMlpNorm?: string; postMlpNorm?: string;
  /** RMSNorm of every query and key head before RoPE (Qwen3). */
  qNorm?: string; kNorm?: string;
  /** q, k and v projections, or one fused projection (see Architecture.attention.qkv). */
  qkv: readonly string[];
  out: string;
  /** gate and up projections, one fused gate_up projection, or the single up projection of a plain MLP. */
  up: readonly string[];
  down: string;
  finalNorm: string;
  /** Used only when the embeddings are not tied. */
  lmHead: string;
  /** A prefix that checkpoints may omit ("transformer." for GPT-2 and BLOOM). */
  optionalPrefix?: string;
}

/** What the forward pass does; pure data. */
export interface Architecture {
  layout: Layout;
  names: TensorNames;
  /** "linear": nn.Linear [out, in], transposed once at load. "conv1d": GPT-2's Conv1D [in, out], used as stored. */
  linear: "linear" | "conv1d";
  /** "optional": a projection's bias is used when the checkpoint has it. "all": every projection has one. */
  bias: "optional" | "all";
  /** RMSNorm (weight only, scaled by offset + w) or LayerNorm (weight and bias). */
  norm: { kind: "rms" | "layer"; offset: 0 | 1 };
  attention: {
    /** "separate": q, k, v. "fused": one projection, columns q | k | v. "fused-per-head": one projection viewed as [heads, q | k | v, head_dim] (BLOOM). */
    qkv: "separate" | "fused" | "fused-per-head";
    /** "rope": rotary embeddings. "learned": a position table added to the embeddings. "alibi": per-head linear score biases. */
    positions: "rope" | "learned" | "alibi";
    /** Rotary pairs: "half" pairs dim i with i + r/2 (HF's rotate_half); "interleaved" pairs 2i with 2i + 1 (GLM).
     *  `fraction` of each head's dims rotate; the rest pass through. */
    rotary?: { style: "half" | "interleaved"; fraction: number };
  };
  /** "gated": down(act(gate) · up), with gate and up fused when names.up has one entry. "plain": down(act(up)). */
  mlp: "gated" | "plain";
  /** Embeddings are multiplied by √hidden (Gemma). */
  embedScale: boolean;
  /** Gemma 2: x += norm(attn(norm(x))); x += norm(mlp(norm(x))). */
  sandwichNorms: boolean;
}

/** Hyperparameters read from config.json (resolved numbers). */
export interface Hyperparameters {
  vocabSize: number; hiddenSize: number; numLayers: number; numHeads: number; numKvHeads: number; headDim: number;
  intermediateSize: number; maxPositions: number; ropeTheta: number; normEps: number; tieEmbeddings: boolean; hiddenAct: string;
  ropeInvFreq?: number[];
  /** A key more than this many positions back is masked (on the layers slidingLayers marks, or on every layer). */
  slidingWindow?: number; slidingLayers?: boolean[];
  /** Query scale (default head_dim^-½) and tanh soft-caps of attention scores and final logits (Gemma 2). */
  attnScale?: number; attnSoftcap?: number; finalSoftcap?: number;
  /** BLOOM: the residual is taken after the layer norm instead of before it. */
  residualPostNorm?: boolean;
}

export type Json = Record<string, unknown>;

export interface FamilySpec {
  /** config.json model_type values this spec loads. */
  modelTypes: readonly string[];
  arch: Architecture;
  /** Reads the hyperparameters from config.json (keys differ between families); refuses unsupported variants. */
  read(cfg: Json, modelType: string): Hyperparameters;
}

export const num = (v: unknown, fallback?: number): number => {
  if (typeof v === "number") return v;
  if (fallback === undefined) throw new Error(`config.json lacks a required number (got ${JSON.stringify(v)})`);
  return fallback;
};

const LLAMA_NAMES: TensorNames = {
  embed: "model.embed_tokens", layers: "model.layers", inputNorm: "input_layernorm", postAttentionNorm: "post_attention_layernorm",
  qkv: ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj"], out: "self_attn.o_proj",
  up: ["mlp.gate_proj", "mlp.up_proj"], down: "mlp.down_proj", finalNorm: "model.norm", lmHead: "lm_head",
};

const LLAMA: Architecture = {
  layout: "llama", names: LLAMA_NAMES, linear: "linear", bias: "optional", norm: { kind: "rms", offset: 0 },
  attention: { qkv: "separate", positions: "rope", rotary: { style: "half", fraction: 1 } }, mlp: "gated", embedScale: false, sandwichNorms: false,
};

interface LlamaKeyOptions {
  /** The config key of the activation and its default (Llama: hidden_act, silu). */
  act?: { key: string; fallback: string };
  /** Whether a config without tie_word_embeddings ties them (Gemma). */
  tieByDefault?: boolean;
  /** The share of each head's dims that rotate (the rotary frequencies are computed for those dims). */
  rotaryFraction?: number;
  /** rms_norm_eps when config.json has none. */
  epsFallback?: number;
}

/** Hyperparameters under Llama's config.json keys (also Mistral, Qwen, Gemma, Phi-3, GLM). */
export function readLlamaKeys(cfg: Json, o: LlamaKeyOptions = {}): Hyperparameters {
  const act = o.act ?? { key: "hidden_act", fallback: "silu" };
  const hidden = num(cfg.hidden_size);
  const heads = num(cfg.num_attention_heads);
  const headDim = num(cfg.head_dim, hidden / heads);
  const ropeTheta = num(cfg.rope_theta, 10000);
  return {
    vocabSize: num(cfg.vocab_size), hiddenSize: hidden, numLayers: num(cfg.num_hidden_layers),
    numHeads: heads, numKvHeads: num(cfg.num_key_value_heads, heads), headDim, intermediateSize: num(cfg.intermediate_size),
    maxPositions: num(cfg.max_position_embeddings, 2048), ropeTheta, normEps: num(cfg.rms_norm_eps, o.epsFallback ?? 1e-6),
    tieEmbeddings: o.tieByDefault ? cfg.tie_word_embeddings !== false : cfg.tie_word_embeddings === true,
    hiddenAct: String(cfg[act.key] ?? act.fallback),
    ropeInvFreq: ropeInvFreq(headDim * (o.rotaryFraction ?? 1), ropeTheta, cfg.rope_scaling as Json | null | undefined),
  };
}

export function ropeInvFreq(dim: number, theta: number, scaling: Json | null | undefined): number[] {
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

/** GLM (HF-native glm, glm4): Llama with a fused gate_up_proj and rotary on the first half of each head in interleaved pairs. */
const GLM: Architecture = {
  ...LLAMA, names: { ...LLAMA_NAMES, up: ["mlp.gate_up_proj"] }, attention: { ...LLAMA.attention, rotary: { style: "interleaved", fraction: 0.5 } },
};

function readGlmKeys(cfg: Json, modelType: string): Hyperparameters {
  if (cfg.partial_rotary_factor !== undefined && cfg.partial_rotary_factor !== 0.5) throw new Error(`${modelType} with partial_rotary_factor ≠ 0.5 is not supported`);
  return readLlamaKeys(cfg, { rotaryFraction: 0.5, epsFallback: 1.5625e-7 });
}

const GEMMA_ACT = { key: "hidden_activation", fallback: "gelu_pytorch_tanh" }; // HF runs Gemma with the tanh approximation

export const FAMILIES: readonly FamilySpec[] = [
  { modelTypes: ["llama", "deepseek", "yi"], arch: LLAMA, read: (cfg) => readLlamaKeys(cfg) },
  { modelTypes: ["qwen2"], arch: LLAMA, read: (cfg) => {
    if (cfg.use_sliding_window === true) throw new Error("qwen2 with use_sliding_window: true (per-layer windows) is not supported");
    return readLlamaKeys(cfg);
  } },
  { modelTypes: ["mistral"], arch: LLAMA, read: (cfg) => {
    const h = readLlamaKeys(cfg);
    if (typeof cfg.sliding_window === "number" && cfg.use_sliding_window !== false) h.slidingWindow = cfg.sliding_window;
    return h;
  } },
  { modelTypes: ["qwen3"], arch: { ...LLAMA, names: { ...LLAMA_NAMES, qNorm: "self_attn.q_norm", kNorm: "self_attn.k_norm" } }, read: (cfg) => readLlamaKeys(cfg) },
  { modelTypes: ["phi3"], arch: { ...LLAMA, names: { ...LLAMA_NAMES, qkv: ["self_attn.qkv_proj"], up: ["mlp.gate_up_proj"] }, attention: { ...LLAMA.attention, qkv: "fused" } },
    read: (cfg) => {
      const h = readLlamaKeys(cfg);
      if (typeof cfg.sliding_window === "number" && cfg.sliding_window < h.maxPositions) h.slidingWindow = cfg.sliding_window;
      if (cfg.partial_rotary_factor !== undefined && cfg.partial_rotary_factor !== 1) throw new Error("phi3 with partial_rotary_factor ≠ 1 is not supported");
      return h;
    } },
  { modelTypes: ["gemma"], arch: { ...LLAMA, norm: { kind: "rms", offset: 1 }, embedScale: true }, read: (cfg) => readLlamaKeys(cfg, { act: GEMMA_ACT, tieByDefault: true }) },
  { modelTypes: ["gemma2"], arch: {
    ...LLAMA, norm: { kind: "rms", offset: 1 }, embedScale: true, sandwichNorms: true,
    names: { ...LLAMA_NAMES, preMlpNorm: "pre_feedforward_layernorm", postMlpNorm: "post_feedforward_layernorm" },
  }, read: (cfg) => {
    const h = readLlamaKeys(cfg, { act: GEMMA_ACT, tieByDefault: true });
    h.attnScale = Math.pow(num(cfg.query_pre_attn_scalar, h.headDim), -0.5);
    if (typeof cfg.attn_logit_softcapping === "number") h.attnSoftcap = cfg.attn_logit_softcapping;
    if (typeof cfg.final_logit_softcapping === "number") h.finalSoftcap = cfg.final_logit_softcapping;
    if (typeof cfg.sliding_window === "number") {
      h.slidingWindow = cfg.sliding_window;
      const types = cfg.layer_types as string[] | undefined;
      h.slidingLayers = Array.from({ length: h.numLayers }, (_, i) => (types ? types[i] === "sliding_attention" : i % 2 === 0));
    }
    return h;
  } },
  { modelTypes: ["glm"], arch: GLM, read: readGlmKeys },
  { modelTypes: ["glm4"], arch: {
    ...GLM, sandwichNorms: true,
    // GLM-4 norms the attention output (post_self_attn_layernorm) and the MLP output (post_mlp_layernorm);
    // post_attention_layernorm is the norm before the MLP
    names: { ...GLM.names, postAttentionNorm: "post_self_attn_layernorm", preMlpNorm: "post_attention_layernorm", postMlpNorm: "post_mlp_layernorm" },
  }, read: readGlmKeys },
  { modelTypes: ["gpt2"], arch: {
    layout: "gpt2", linear: "conv1d", bias: "all", norm: { kind: "layer", offset: 0 }, attention: { qkv: "fused", positions: "learned" },
    mlp: "plain", embedScale: false, sandwichNorms: false,
    names: {
      embed: "transformer.wte", positions: "transformer.wpe", layers: "transformer.h", inputNorm: "ln_1", postAttentionNorm: "ln_2",
      qkv: ["attn.c_attn"], out: "attn.c_proj", up: ["mlp.c_fc"], down: "mlp.c_proj", finalNorm: "transformer.ln_f", lmHead: "lm_head",
      optionalPrefix: "transformer.",
    },
  }, read: (cfg) => {
    const hidden = num(cfg.n_embd ?? cfg.hidden_size);
    const heads = num(cfg.n_head ?? cfg.num_attention_heads);
    return {
      vocabSize: num(cfg.vocab_size), hiddenSize: hidden, numLayers: num(cfg.n_layer ?? cfg.num_hidden_layers),
      numHeads: heads, numKvHeads: heads, headDim: hidden / heads, intermediateSize: num(cfg.n_inner, 4 * hidden),
      maxPositions: num(cfg.n_positions ?? cfg.max_position_embeddings, 1024), ropeTheta: 0, normEps: num(cfg.layer_norm_epsilon, 1e-5),
      tieEmbeddings: cfg.tie_word_embeddings !== false, hiddenAct: String(cfg.activation_function ?? "gelu_new"),
    };
  } },
  { modelTypes: ["bloom"], arch: {
    layout: "bloom", linear: "linear", bias: "all", norm: { kind: "layer", offset: 0 }, attention: { qkv: "fused-per-head", positions: "alibi" },
    mlp: "plain", embedScale: false, sandwichNorms: false,
    names: {
      embed: "transformer.word_embeddings", embedNorm: "transformer.word_embeddings_layernorm", layers: "transformer.h",
      inputNorm: "input_layernorm", postAttentionNorm: "post_attention_layernorm",
      qkv: ["self_attention.query_key_value"], out: "self_attention.dense", up: ["mlp.dense_h_to_4h"], down: "mlp.dense_4h_to_h",
      finalNorm: "transformer.ln_f", lmHead: "lm_head", optionalPrefix: "transformer.",
    },
  }, read: (cfg) => {
    const hidden = num(cfg.hidden_size ?? cfg.n_embed);
    const heads = num(cfg.n_head ?? cfg.num_attention_heads);
    if (num(cfg.pretraining_tp, 1) !== 1 && cfg.slow_but_exact === true) throw new Error("BLOOM with slow_but_exact tensor-parallel emulation is not supported");
    return {
      vocabSize: num(cfg.vocab_size), hiddenSize: hidden, numLayers: num(cfg.n_layer ?? cfg.num_hidden_layers),
      numHeads: heads, numKvHeads: heads, headDim: hidden / heads, intermediateSize: 4 * hidden, maxPositions: num(cfg.seq_length ?? cfg.max_position_embeddings, 2048),
      ropeTheta: 0, normEps: num(cfg.layer_norm_epsilon, 1e-5), tieEmbeddings: cfg.tie_word_embeddings !== false, hiddenAct: "gelu_new",
      residualPostNorm: cfg.apply_residual_connection_post_layernorm === true,
    };
  } },
];

export const LOADABLE = "llama, mistral, qwen2, qwen3 (dense), gemma, gemma2, phi3, glm, glm4, deepseek (dense, llama layout), gpt2, bloom";

export const NOT_YET: Record<string, string> = {
  chatglm: "ChatGLM (its tokenizer ships only as a SentencePiece tokenizer.model; GLM blocks with rotary on half of each head in interleaved pairs, multi-query fused query_key_value, fused gate/up dense_h_to_4h) does not load yet",
  mixtral: "Mixtral (mixture of experts) does not load yet",
  qwen2_moe: "Qwen2-MoE (mixture of experts) does not load yet",
  deepseek_v2: "DeepSeek-V2/V3 (MLA attention, mixture of experts) does not load yet",
  deepseek_v3: "DeepSeek-V2/V3 (MLA attention, mixture of experts) does not load yet",
  gemma3_text: "Gemma 3 (q/k norms, local/global attention layers) does not load yet",
};

export function familyOf(modelType: string): FamilySpec {
  if (NOT_YET[modelType]) throw new Error(`model_type "${modelType}": ${NOT_YET[modelType]}. Loadable: ${LOADABLE}.`);
  const spec = FAMILIES.find((f) => f.modelTypes.includes(modelType));
  if (!spec) throw new Error(`model_type "${modelType}" is not supported. Loadable: ${LOADABLE}.`);
  return spec;
}
