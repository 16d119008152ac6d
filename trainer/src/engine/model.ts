// A decoder-only transformer configured from a Hugging Face config.json and its family's spec
// (families.ts): the tensors it expects, loading, NF4 quantisation and export. The forward pass is in
// forward.ts. Weights are held by their Hugging Face names; linear weights in "compute layout"
// [in, out] so every projection is one plain 2-D matmul (nn.Linear's [out, in] is transposed once at load).
import { tf } from "./backend.ts";
import { familyOf, LOADABLE, type Architecture, type Hyperparameters, type Json, type Layout } from "./families.ts";
import { runForward, alibiSlopes } from "./forward.ts";
import { dequantizeNf4, quantizeNf4, nf4Bytes, type Nf4Tensor } from "./nf4.ts";
import { toFloat32, fromFloat32, type SafeTensor } from "./safetensors.ts";

export type Family = Layout;

/** A loaded model's resolved configuration: the family's architecture plus the numbers from config.json. */
export interface ModelConfig extends Hyperparameters {
  /** The tensor naming scheme (arch.layout). */
  family: Family;
  modelType: string;
  arch: Architecture;
}

export { LOADABLE, alibiSlopes };

export function parseConfig(cfg: Json): ModelConfig {
  const modelType = String(cfg.model_type ?? "");
  const spec = familyOf(modelType);
  return { family: spec.arch.layout, modelType, arch: spec.arch, ...spec.read(cfg, modelType) };
}

/** One linear projection, named by its module path in the *ForCausalLM model (as PEFT names it). */
export interface LinearSpec { path: string; module: string; inFeatures: number; outFeatures: number; hfTransposed: boolean }

export function linearSpecs(c: ModelConfig): LinearSpec[] {
  const out: LinearSpec[] = [];
  const { names, attention, mlp, linear } = c.arch;
  const D = c.hiddenSize, q = c.numHeads * c.headDim, kv = c.numKvHeads * c.headDim, F = c.intermediateSize;
  const qkvOut = names.qkv.length === 1 ? [q + 2 * kv] : [q, kv, kv];
  const upOut = mlp === "gated" && names.up.length === 1 ? [2 * F] : names.up.map(() => F);
  if (attention.qkv !== "separate" && names.qkv.length !== 1) throw new Error(`a fused qkv layout names one projection (got ${names.qkv.join(", ")})`);
  for (let i = 0; i < c.numLayers; i++) {
    const add = (rel: string, inF: number, outF: number) => {
      const path = `${names.layers}.${i}.${rel}`;
      out.push({ path, module: rel.slice(rel.lastIndexOf(".") + 1), inFeatures: inF, outFeatures: outF, hfTransposed: linear === "linear" });
    };
    names.qkv.forEach((m, k) => add(m, D, qkvOut[k]!));
    add(names.out, q, D);
    names.up.forEach((m, k) => add(m, D, upOut[k]!));
    add(names.down, F, D);
  }
  return out;
}

/** Names of the tensors that are transposed between the checkpoint ([out, in]) and compute layout. */
export function transposedTensors(c: ModelConfig): Set<string> {
  const t = new Set(linearSpecs(c).filter((l) => l.hfTransposed).map((l) => `${l.path}.weight`));
  if (!c.tieEmbeddings) t.add(`${c.arch.names.lmHead}.weight`);
  return t;
}

/** Every tensor the model uses: canonical name → shape in compute layout. Bias tensors are listed when optional. */
export function expectedTensors(c: ModelConfig, hasTensor: (name: string) => boolean): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const { names, norm } = c.arch;
  const D = c.hiddenSize;
  const addNorm = (path: string, size = D) => {
    m.set(`${path}.weight`, [size]);
    if (norm.kind === "layer") m.set(`${path}.bias`, [size]);
  };
  m.set(`${names.embed}.weight`, [c.vocabSize, D]);
  if (names.positions) m.set(`${names.positions}.weight`, [c.maxPositions, D]);
  if (names.embedNorm) addNorm(names.embedNorm);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `${names.layers}.${i}`;
    for (const n of [names.inputNorm, names.postAttentionNorm, names.preMlpNorm, names.postMlpNorm]) if (n) addNorm(`${p}.${n}`);
    for (const n of [names.qNorm, names.kNorm]) if (n) addNorm(`${p}.${n}`, c.headDim);
  }
  addNorm(names.finalNorm);
  if (!c.tieEmbeddings) m.set(`${names.lmHead}.weight`, [D, c.vocabSize]);
  for (const l of linearSpecs(c)) {
    m.set(`${l.path}.weight`, [l.inFeatures, l.outFeatures]);
    if (c.arch.bias === "all" || hasTensor(`${l.path}.bias`)) m.set(`${l.path}.bias`, [l.outFeatures]);
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
    const prefix = config.arch.names.optionalPrefix;
    for (const name of tensors.keys()) {
      let c = name;
      if (prefix && !name.startsWith(prefix) && !name.startsWith(`${config.arch.names.lmHead}.`)) c = `${prefix}${name}`;
      canonical.set(c, name);
    }
    const expected = expectedTensors(config, (n) => canonical.has(n));
    const linearNames = new Set(linearSpecs(config).map((l) => `${l.path}.weight`));
    const transposed = transposedTensors(config);
    const lmHead = `${config.arch.names.lmHead}.weight`;
    if (!config.tieEmbeddings && !canonical.has(lmHead)) {
      throw new Error(`config says tie_word_embeddings=false but the checkpoint has no ${lmHead}`);
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
    const transposed = transposedTensors(this.config);
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
    this.rotationMatrix?.dispose();
    this.rotationMatrix = null;
  }

  private rotationMatrix: tf.Tensor2D | null = null;
  /** The rotary pairs (a, b) of one head: dim a_i pairs with b_i; dims in no pair pass through. */
  private rotaryPairs(): { a: number[]; b: number[] } {
    const d = this.config.headDim, rot = this.config.arch.attention.rotary ?? { style: "half", fraction: 1 };
    const r = Math.round(d * rot.fraction), h = r / 2;
    const a = Array.from({ length: h }, (_, i) => (rot.style === "half" ? i : 2 * i));
    return { a, b: a.map((x) => (rot.style === "half" ? x + h : x + 1)) };
  }

  /** The rotation of RoPE as a fixed signed permutation (HF's rotate_half for "half"): out[a] = -in[b], out[b] = in[a]. */
  rotation(): tf.Tensor2D {
    if (!this.rotationMatrix) {
      const d = this.config.headDim, { a, b } = this.rotaryPairs();
      const m = new Float32Array(d * d); // row = input index, column = output index
      a.forEach((ai, i) => { const bi = b[i]!; m[bi * d + ai] = -1; m[ai * d + bi] = 1; });
      this.rotationMatrix = tf.keep(tf.tensor2d(m, [d, d]));
    }
    return this.rotationMatrix;
  }

  /** cos and sin tables [positions, head_dim] for RoPE; dims that do not rotate have cos 1, sin 0. */
  rope(len: number): { cos: tf.Tensor; sin: tf.Tensor } {
    if (!this.ropeCache || this.ropeCache.len < len) {
      this.ropeCache?.cos.dispose(); this.ropeCache?.sin.dispose();
      const n = Math.max(len, 64);
      const inv = this.config.ropeInvFreq!;
      const d = this.config.headDim, { a, b } = this.rotaryPairs();
      const cos = new Float32Array(n * d).fill(1), sin = new Float32Array(n * d);
      for (let p = 0; p < n; p++) for (let i = 0; i < a.length; i++) {
        const angle = p * inv[i]!;
        cos[p * d + a[i]!] = cos[p * d + b[i]!] = Math.cos(angle);
        sin[p * d + a[i]!] = sin[p * d + b[i]!] = Math.sin(angle);
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
    return runForward(this, ids, opts);
  }

  /** A weight held only in NF4, dequantised into a new tensor. */
  quantizedWeight(name: string): tf.Tensor {
    const q = this.quantized.get(name);
    if (!q) throw new Error(`no weight ${name}`);
    return tf.tensor(dequantizeNf4(q), q.shape);
  }
}

function transpose2d(v: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(v.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = v[r * cols + c]!;
  return out;
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
