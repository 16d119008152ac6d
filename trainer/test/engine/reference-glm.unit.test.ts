// GLM and GLM-4 (the Hugging Face-native glm / glm4 model types) against a scalar implementation written
// from HF's modelling code: rotary on the first half of each head in interleaved pairs (2i, 2i + 1), a fused
// gate_up_proj (gate first), q/k/v bias, grouped-query attention, and GLM-4's norms of the attention and MLP outputs.
import { describe, expect, it, beforeAll } from "vitest";
import { tf, initBackend } from "../../src/engine/backend.ts";
import { Transformer, parseConfig, linearSpecs } from "../../src/engine/model.ts";
import { randomCheckpoint, tinyLlamaConfig } from "../../src/engine/random-init.ts";
import { toFloat32, type SafeTensor } from "../../src/engine/safetensors.ts";

beforeAll(async () => { await initBackend(); });

type Weight = { v: Float32Array; shape: number[] };
const linear = (w: Weight, x: number[], b?: Float32Array) => Array.from({ length: w.shape[0]! }, (_, o) => x.reduce((s, xi, i) => s + w.v[o * w.shape[1]! + i]! * xi, b ? b[o]! : 0));
const rms = (x: number[], w: Float32Array, eps: number) => { const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + eps); return x.map((v, i) => v * r * w[i]!); };
const softmax = (x: number[]) => { const m = Math.max(...x); const e = x.map((v) => Math.exp(v - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((v) => v / s); };
const silu = (g: number) => g / (1 + Math.exp(-g));

function glmRef(cfg: Record<string, any>, t: Map<string, SafeTensor>, ids: number[]): number[][] {
  const w = (n: string): Weight => { const x = t.get(n); if (!x) throw new Error(`missing ${n}`); return { v: toFloat32(x), shape: x.shape }; };
  const D = cfg.hidden_size, H = cfg.num_attention_heads, KV = cfg.num_key_value_heads, hd = cfg.head_dim, eps = cfg.rms_norm_eps, F = cfg.intermediate_size;
  const rot = hd * cfg.partial_rotary_factor, glm4 = cfg.model_type === "glm4";
  // HF: cos/sin of the first rot/2 frequencies repeated in pairs; rotate_half(x)[2i] = -x[2i+1], [2i+1] = x[2i]
  const rope = (v: number[], pos: number, heads: number) => {
    const out = v.slice();
    for (let h = 0; h < heads; h++) for (let i = 0; i < rot / 2; i++) {
      const f = pos / Math.pow(cfg.rope_theta, (2 * i) / rot), c = Math.cos(f), s = Math.sin(f);
      const a = v[h * hd + 2 * i]!, b = v[h * hd + 2 * i + 1]!;
      out[h * hd + 2 * i] = a * c - b * s; out[h * hd + 2 * i + 1] = b * c + a * s;
    }
    return out;
  };
  const E = w("model.embed_tokens.weight");
  let xs = ids.map((id) => Array.from(E.v.subarray(id * D, (id + 1) * D)));
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const hs = xs.map((x) => rms(x, w(`${p}.input_layernorm.weight`).v, eps));
    const proj = (m: string, h: number[]) => linear(w(`${p}.self_attn.${m}.weight`), h, w(`${p}.self_attn.${m}.bias`).v);
    const qs = hs.map((h, pos) => rope(proj("q_proj", h), pos, H)), ks = hs.map((h, pos) => rope(proj("k_proj", h), pos, KV)), vs = hs.map((h) => proj("v_proj", h));
    const att = qs.map((q, pos) => {
      const out: number[] = [];
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / KV));
        const p2 = softmax(ks.slice(0, pos + 1).map((k) => { let s = 0; for (let i = 0; i < hd; i++) s += q[h * hd + i]! * k[g * hd + i]!; return s / Math.sqrt(hd); }));
        for (let i = 0; i < hd; i++) out.push(p2.reduce((s, pj, j) => s + pj * vs[j]![g * hd + i]!, 0));
      }
      return out;
    });
    xs = xs.map((x, pos) => {
      let o = linear(w(`${p}.self_attn.o_proj.weight`), att[pos]!);
      if (glm4) o = rms(o, w(`${p}.post_self_attn_layernorm.weight`).v, eps);
      return x.map((v, i) => v + o[i]!);
    });
    xs = xs.map((x) => {
      const gu = linear(w(`${p}.mlp.gate_up_proj.weight`), rms(x, w(`${p}.post_attention_layernorm.weight`).v, eps));
      let d = linear(w(`${p}.mlp.down_proj.weight`), gu.slice(F).map((u, i) => u * silu(gu[i]!)));
      if (glm4) d = rms(d, w(`${p}.post_mlp_layernorm.weight`).v, eps);
      return x.map((v, i) => v + d[i]!);
    });
  }
  return xs.map((x) => linear(w("lm_head.weight"), rms(x, w("model.norm.weight").v, eps)));
}

describe("GLM families equal a scalar implementation of the Hugging Face models", () => {
  const ids = [3, 141, 59, 26, 5, 35, 89];
  for (const modelType of ["glm", "glm4"]) {
    it(`${modelType}: interleaved partial rotary, fused gate_up_proj, q/k/v bias, GQA${modelType === "glm4" ? ", post-attention and post-MLP norms" : ""}`, () => {
      const cfg = tinyLlamaConfig({
        model_type: modelType, hidden_size: 24, head_dim: 8, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 2,
        vocab_size: 200, partial_rotary_factor: 0.5, rms_norm_eps: 1e-5, attention_bias: true,
      });
      const raw = randomCheckpoint(cfg, { std: 0.3, seed: 31, withBias: true });
      for (const [n, st] of raw) if (/norm\.weight$/.test(n)) { const v = toFloat32(st).map((_, i) => 1 + 0.4 * Math.sin(i * 1.1 + n.length)); raw.splice(raw.findIndex(([m]) => m === n), 1, [n, { ...st, data: new Uint8Array(v.buffer) }]); }
      const t = new Map(raw);
      expect(t.get("model.layers.0.mlp.gate_up_proj.weight")!.shape).toEqual([80, 24]);
      expect(t.has("model.layers.1.post_mlp_layernorm.weight")).toBe(modelType === "glm4");
      const c = parseConfig(cfg);
      expect(linearSpecs(c).slice(0, 6).map((l) => l.module)).toEqual(["q_proj", "k_proj", "v_proj", "o_proj", "gate_up_proj", "down_proj"]);
      const model = Transformer.fromTensors(c, t);
      const got = tf.tidy(() => model.forward([ids]).arraySync() as number[][]);
      const ref = glmRef(cfg, t, ids);
      let maxDiff = 0, maxAbs = 0;
      got.forEach((row, i) => row.forEach((v, j) => { maxDiff = Math.max(maxDiff, Math.abs(v - ref[i]![j]!)); maxAbs = Math.max(maxAbs, Math.abs(ref[i]![j]!)); }));
      expect(maxAbs).toBeGreaterThan(0.1);
      expect(maxDiff).toBeLessThan(1e-4 + 1e-4 * maxAbs);
      model.dispose();
    });
  }

  it("glm4: with a KV cache, every step's logits equal the whole sequence's", () => {
    const cfg = tinyLlamaConfig({ model_type: "glm4", hidden_size: 24, head_dim: 8, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 200, partial_rotary_factor: 0.5 });
    const model = Transformer.fromTensors(parseConfig(cfg), new Map(randomCheckpoint(cfg, { std: 0.3, seed: 32, withBias: true })));
    const whole = tf.tidy(() => model.forward([ids]).arraySync() as number[][]);
    const cache = { k: [], v: [], length: 0 };
    const steps = [tf.tidy(() => model.forward([ids.slice(0, 3)], { cache }).arraySync() as number[][])];
    for (let i = 3; i < ids.length; i++) steps.push(tf.tidy(() => model.forward([[ids[i]!]], { cache }).arraySync() as number[][]));
    steps.flat().forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(whole[i]![j]!, 4)));
    for (const t of [...cache.k, ...cache.v]) (t as tf.Tensor | null)?.dispose();
    model.dispose();
  });

  it("refuses a partial_rotary_factor other than one half", () => {
    expect(() => parseConfig(tinyLlamaConfig({ model_type: "glm4", partial_rotary_factor: 1 }))).toThrow(/partial_rotary_factor/);
  });
});
