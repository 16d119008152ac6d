// The one forward pass of every family: it reads the model's architecture (families.ts) and never
// branches on a family's name. Grouped-query attention stacks the rep = H/KV query heads that share a
// KV head along the sequence axis, so the scores of a group are one [rep·T, hd]·[hd, Tk] product.
import { tf } from "./backend.ts";
import { dequantizeNf4, type Nf4Tensor } from "./nf4.ts";
import type { ForwardOptions, ModelConfig, Transformer } from "./model.ts";

export function runForward(model: Transformer, ids: number[][], opts: ForwardOptions): tf.Tensor2D {
  const pass = new ForwardPass(model, ids, opts);
  let x = pass.embed(ids);
  for (let i = 0; i < model.config.numLayers; i++) x = pass.layer(x, i);
  if (opts.cache) opts.cache.length = pass.Tk;
  return pass.head(x);
}

class ForwardPass {
  readonly c: ModelConfig;
  readonly B: number; readonly T: number; readonly past: number; readonly Tk: number; readonly rep: number;
  private dropoutCounter = 0;
  private mask: tf.Tensor;
  /** The windowed layers' mask, when only some layers are windowed. */
  private slidingMask: tf.Tensor | null = null;
  private cos: tf.Tensor | null = null; private sin: tf.Tensor | null = null;

  private readonly model: Transformer;
  private readonly opts: ForwardOptions;

  constructor(model: Transformer, ids: number[][], opts: ForwardOptions) {
    this.model = model; this.opts = opts;
    const c = (this.c = model.config);
    this.B = ids.length; this.T = ids[0]!.length;
    this.past = opts.cache?.length ?? 0;
    this.Tk = this.past + this.T;
    this.rep = c.numHeads / c.numKvHeads;
    if (c.arch.attention.positions === "alibi") this.mask = this.alibiMask();
    else {
      this.mask = this.causalMask(c.slidingLayers ? undefined : c.slidingWindow);
      if (c.slidingLayers) this.slidingMask = this.causalMask(c.slidingWindow);
    }
    if (c.arch.attention.positions === "rope") {
      const r = model.rope(this.Tk), hd = c.headDim;
      this.cos = tf.slice(r.cos, [this.past, 0], [this.T, hd]).reshape([1, 1, this.T, hd]);
      this.sin = tf.slice(r.sin, [this.past, 0], [this.T, hd]).reshape([1, 1, this.T, hd]);
    }
  }

  private get(name: string): tf.Tensor {
    return this.opts.override?.get(name) ?? this.model.params.get(name) ?? this.model.quantizedWeight(name);
  }

  /** x·W (+ b) (+ LoRA) for the projection at `path`; W may be held in NF4. */
  private linear(x: tf.Tensor2D, path: string): tf.Tensor2D {
    const { opts, model } = this;
    const name = `${path}.weight`;
    const q = opts.override?.has(name) ? undefined : model.params.has(name) ? undefined : model.quantized.get(name);
    let y: tf.Tensor2D = q ? quantLinear(x, q) : tf.matMul(x, this.get(name) as tf.Tensor2D);
    const bias = opts.override?.get(`${path}.bias`) ?? model.params.get(`${path}.bias`);
    if (bias) y = tf.add(y, bias);
    const l = opts.lora?.get(path);
    if (l) {
      let xin: tf.Tensor2D = x;
      this.dropoutCounter++;
      if (opts.dropoutSeed !== undefined && l.dropout > 0) xin = tf.dropout(x, l.dropout, undefined, (opts.dropoutSeed + this.dropoutCounter * 7919) % 2147483647) as tf.Tensor2D;
      // scale B ([r, out]) rather than the [tokens, out] product
      y = tf.add(y, tf.matMul(tf.matMul(xin, l.a as tf.Tensor2D), tf.mul(l.b, l.scale) as tf.Tensor2D));
    }
    return y;
  }

  /** The family's norm at module path `path`. */
  private norm(x: tf.Tensor2D, path: string): tf.Tensor2D {
    const { norm } = this.c.arch;
    if (norm.kind === "rms") return rmsNorm(x, this.get(`${path}.weight`), this.c.normEps, norm.offset);
    return layerNorm(x, this.get(`${path}.weight`), this.get(`${path}.bias`), this.c.normEps);
  }

  embed(ids: number[][]): tf.Tensor2D {
    const { c, B, T, past } = this;
    const names = c.arch.names;
    const flatIds = tf.tensor1d(ids.flat(), "int32");
    let x = tf.gather(this.get(`${names.embed}.weight`), flatIds) as tf.Tensor2D; // [B*T, D]
    if (c.arch.embedScale) x = tf.mul(x, Math.sqrt(c.hiddenSize));
    flatIds.dispose();
    if (names.embedNorm) x = this.norm(x, names.embedNorm);
    if (names.positions) {
      const pos = tf.tensor1d(Array.from({ length: B * T }, (_, i) => past + (i % T)), "int32");
      x = tf.add(x, tf.gather(this.get(`${names.positions}.weight`), pos));
    }
    return x;
  }

  /** Causal mask [rep·T, Tk] (0 visible, -1e9 hidden), optionally limited to a window of keys. */
  private causalMask(window: number | undefined): tf.Tensor {
    const { rep, T, Tk, past } = this;
    const maskData = new Float32Array(rep * T * Tk);
    for (let r = 0; r < rep; r++) for (let i = 0; i < T; i++) for (let j = 0; j < Tk; j++) {
      const visible = j <= past + i && (window === undefined || past + i - j < window);
      if (!visible) maskData[(r * T + i) * Tk + j] = -1e9;
    }
    return tf.tensor2d(maskData, [rep * T, Tk]);
  }

  /** ALiBi: head h adds slope_h · j to the score of key j (HF's build_alibi_tensor), with the causal mask. */
  private alibiMask(): tf.Tensor {
    const { T, Tk, past } = this, H = this.c.numHeads;
    const slopes = alibiSlopes(H);
    const data = new Float32Array(H * T * Tk);
    for (let h = 0; h < H; h++) for (let i = 0; i < T; i++) for (let j = 0; j < Tk; j++) data[(h * T + i) * Tk + j] = j > past + i ? -1e9 : slopes[h]! * j;
    return tf.tensor3d(data, [H, T, Tk]);
  }

  /** [B*T, n·hd] → [B, n, T, hd] */
  private heads(t: tf.Tensor, n: number): tf.Tensor {
    return tf.transpose(tf.reshape(t, [this.B, this.T, n, this.c.headDim]), [0, 2, 1, 3]);
  }

  /** RoPE: t·cos + rotate(t)·sin, the rotation being one plain product with a signed permutation. */
  private applyRope(t: tf.Tensor): tf.Tensor {
    const hd = this.c.headDim;
    const rotated = tf.reshape(tf.matMul(tf.reshape(t, [-1, hd]) as tf.Tensor2D, this.model.rotation()), t.shape);
    return tf.add(tf.mul(t, this.cos!), tf.mul(rotated, this.sin!));
  }

  /** q, k, v as [B, heads, T, hd] from the layer's normed input. */
  private projectQkv(h: tf.Tensor2D, p: string): [tf.Tensor, tf.Tensor, tf.Tensor] {
    const { c, B, T } = this, { names, attention } = c.arch;
    const H = c.numHeads, KV = c.numKvHeads, hd = c.headDim;
    let q: tf.Tensor, k: tf.Tensor, v: tf.Tensor;
    if (attention.qkv === "separate") {
      q = this.heads(this.linear(h, `${p}.${names.qkv[0]}`), H);
      k = this.heads(this.linear(h, `${p}.${names.qkv[1]}`), KV);
      v = this.heads(this.linear(h, `${p}.${names.qkv[2]}`), KV);
    } else if (attention.qkv === "fused") {
      const [qq, kk, vv] = tf.split(this.linear(h, `${p}.${names.qkv[0]}`), [H * hd, KV * hd, KV * hd], 1);
      q = this.heads(qq!, H); k = this.heads(kk!, KV); v = this.heads(vv!, KV);
    } else {
      // fused per head: [B, T, H, (q | k | v), hd]
      const qkv = tf.reshape(this.linear(h, `${p}.${names.qkv[0]}`), [B, T, H, 3 * hd]);
      const part = (n: number) => tf.transpose(tf.slice(qkv, [0, 0, 0, n * hd], [-1, -1, -1, hd]), [0, 2, 1, 3]);
      q = part(0); k = part(1); v = part(2);
    }
    if (names.qNorm && names.kNorm) { q = this.rmsHeads(q, `${p}.${names.qNorm}`); k = this.rmsHeads(k, `${p}.${names.kNorm}`); }
    if (attention.positions === "rope") { q = this.applyRope(q); k = this.applyRope(k); }
    return [q, k, v];
  }

  /** RMSNorm over each head's hd values (Qwen3's q_norm / k_norm). */
  private rmsHeads(t: tf.Tensor, path: string): tf.Tensor {
    return rmsNorm(t as tf.Tensor2D, this.get(`${path}.weight`), this.c.normEps, this.c.arch.norm.offset);
  }

  /** Self-attention of layer i: the merged heads [B*T, H·hd] before the output projection. */
  private attention(h: tf.Tensor2D, i: number, p: string): tf.Tensor2D {
    const { c, opts, B, T, Tk, rep } = this;
    const H = c.numHeads, KV = c.numKvHeads, hd = c.headDim;
    let [q, k, v] = this.projectQkv(h, p);
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
    const layerMask = windowed && this.slidingMask ? this.slidingMask : this.mask;
    const needsMask = T > 1 || c.arch.attention.positions === "alibi" || (windowed && Tk > c.slidingWindow!);
    const scores = needsMask ? tf.add(raw, layerMask) : raw; // one new token sees every cached position
    const attn = tf.reshape(tf.matMul(tf.softmax(scores), v), [B, H, T, hd]);
    return tf.reshape(tf.transpose(attn, [0, 2, 1, 3]), [B * T, H * hd]) as tf.Tensor2D;
  }

  private mlp(h: tf.Tensor2D, p: string): tf.Tensor2D {
    const { names, mlp } = this.c.arch, act = this.c.hiddenAct;
    if (mlp === "plain") return this.linear(activation(this.linear(h, `${p}.${names.up[0]}`), act), `${p}.${names.down}`);
    let gate: tf.Tensor2D, up: tf.Tensor2D;
    if (names.up.length === 1) [gate, up] = tf.split(this.linear(h, `${p}.${names.up[0]}`), 2, 1) as [tf.Tensor2D, tf.Tensor2D];
    else { gate = this.linear(h, `${p}.${names.up[0]}`); up = this.linear(h, `${p}.${names.up[1]}`); }
    return this.linear(tf.mul(activation(gate, act), up), `${p}.${names.down}`);
  }

  layer(x: tf.Tensor2D, i: number): tf.Tensor2D {
    const { c } = this, { names } = c.arch;
    const p = `${names.layers}.${i}`;
    const h = this.norm(x, `${p}.${names.inputNorm}`);
    const attended = this.linear(this.attention(h, i, p), `${p}.${names.out}`);
    if (c.arch.sandwichNorms) {
      x = tf.add(x, this.norm(attended, `${p}.${names.postAttentionNorm}`));
      const mlp = this.mlp(this.norm(x, `${p}.${names.preMlpNorm!}`), p);
      return tf.add(x, this.norm(mlp, `${p}.${names.postMlpNorm!}`));
    }
    x = tf.add(c.residualPostNorm ? h : x, attended);
    const h2 = this.norm(x, `${p}.${names.postAttentionNorm}`);
    return tf.add(c.residualPostNorm ? h2 : x, this.mlp(h2, p));
  }

  /** Final norm, lm_head (or the tied embeddings) and the final soft-cap. */
  head(x: tf.Tensor2D): tf.Tensor2D {
    const { c } = this, { names } = c.arch;
    x = this.norm(x, names.finalNorm);
    const logits = (c.tieEmbeddings ? tf.matMul(x, this.get(`${names.embed}.weight`) as tf.Tensor2D, false, true) : tf.matMul(x, this.get(`${names.lmHead}.weight`) as tf.Tensor2D)) as tf.Tensor2D;
    if (!c.finalSoftcap) return logits;
    const capped: tf.Tensor = tf.mul(tf.tanh(tf.div(logits, c.finalSoftcap)), c.finalSoftcap);
    return capped as tf.Tensor2D;
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

