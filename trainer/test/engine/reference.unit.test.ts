// The tfjs model against a plain scalar implementation written from the Hugging Face modelling code
// (LlamaForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel), reading the checkpoint tensors in their HF
// layouts. Non-square shapes and GQA make a transposed or mis-split weight show.
import { describe, expect, it, beforeAll } from "vitest";
import { tf, initBackend } from "../../src/engine/backend.ts";
import { Transformer, parseConfig, alibiSlopes } from "../../src/engine/model.ts";
import { randomCheckpoint, tinyLlamaConfig, tinyGpt2Config, tinyBloomConfig } from "../../src/engine/random-init.ts";
import { toFloat32, type SafeTensor } from "../../src/engine/safetensors.ts";

beforeAll(async () => { await initBackend(); });

type W = (name: string) => { v: Float32Array; shape: number[] };
const weights = (t: Map<string, SafeTensor>): W => (n) => { const x = t.get(n); if (!x) throw new Error(`missing ${n}`); return { v: toFloat32(x), shape: x.shape }; };
// nn.Linear: y = W x (+ b), W [out, in]
const linear = (w: { v: Float32Array; shape: number[] }, x: number[], b?: Float32Array) => Array.from({ length: w.shape[0]! }, (_, o) => x.reduce((s, xi, i) => s + w.v[o * w.shape[1]! + i]! * xi, b ? b[o]! : 0));
// Conv1D: y = x W + b, W [in, out]
const conv1d = (w: { v: Float32Array; shape: number[] }, x: number[], b: Float32Array) => Array.from({ length: w.shape[1]! }, (_, o) => x.reduce((s, xi, i) => s + w.v[i * w.shape[1]! + o]! * xi, b[o]!));
const rms = (x: number[], w: Float32Array, eps: number) => { const r = 1 / Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length + eps); return x.map((v, i) => v * r * w[i]!); };
const ln = (x: number[], w: Float32Array, b: Float32Array, eps: number) => { const m = x.reduce((s, v) => s + v, 0) / x.length; const va = x.reduce((s, v) => s + (v - m) ** 2, 0) / x.length; return x.map((v, i) => ((v - m) / Math.sqrt(va + eps)) * w[i]! + b[i]!); };
const softmax = (x: number[]) => { const m = Math.max(...x); const e = x.map((v) => Math.exp(v - m)); const s = e.reduce((a, b) => a + b, 0); return e.map((v) => v / s); };

function attention(qs: number[][], ks: number[][], vs: number[][], H: number, KV: number, hd: number, o: { scale?: number; softcap?: number; window?: number } = {}): number[][] {
  const rep = H / KV;
  return qs.map((q, t) => {
    const out: number[] = [];
    for (let h = 0; h < H; h++) {
      const kvh = Math.floor(h / rep);
      const scores = ks.slice(0, t + 1).map((k, j) => {
        let s = 0; for (let i = 0; i < hd; i++) s += q[h * hd + i]! * k[kvh * hd + i]!;
        s *= o.scale ?? 1 / Math.sqrt(hd);
        if (o.softcap) s = Math.tanh(s / o.softcap) * o.softcap;
        return o.window !== undefined && t - j >= o.window ? -Infinity : s;
      });
      const p = softmax(scores);
      for (let i = 0; i < hd; i++) out.push(p.reduce((s, pj, j) => s + pj * vs[j]![kvh * hd + i]!, 0));
    }
    return out;
  });
}

function llamaRef(cfg: Record<string, any>, w0: W, ids: number[], hasBias: boolean): number[][] {
  // Phi-3 fuses q/k/v and gate/up by rows (out features): slice them back out
  const rows = (t: { v: Float32Array; shape: number[] }, from: number, to: number) => ({ v: t.v.slice(from * t.shape[1]!, to * t.shape[1]!), shape: [to - from, t.shape[1]!] });
  const w: W = (name) => {
    if (cfg.model_type !== "phi3") return w0(name);
    const m = /^(.*)\.(self_attn\.(q|k|v)_proj|mlp\.(gate|up)_proj)\.weight$/.exec(name);
    if (!m) return w0(name);
    const hdim = cfg.head_dim ?? cfg.hidden_size / cfg.num_attention_heads, qn = cfg.num_attention_heads * hdim, kvn = cfg.num_key_value_heads * hdim, F = cfg.intermediate_size;
    if (m[3]) { const f = w0(`${m[1]}.self_attn.qkv_proj.weight`); return m[3] === "q" ? rows(f, 0, qn) : m[3] === "k" ? rows(f, qn, qn + kvn) : rows(f, qn + kvn, qn + 2 * kvn); }
    const f = w0(`${m[1]}.mlp.gate_up_proj.weight`);
    return m[4] === "gate" ? rows(f, 0, F) : rows(f, F, 2 * F);
  };
  const D = cfg.hidden_size, H = cfg.num_attention_heads, KV = cfg.num_key_value_heads, hd = cfg.head_dim ?? D / H, eps = cfg.rms_norm_eps, theta = cfg.rope_theta;
  const E = w("model.embed_tokens.weight");
  const gemma = cfg.model_type === "gemma" || cfg.model_type === "gemma2", gemma2 = cfg.model_type === "gemma2";
  const norm = (x: number[], g: Float32Array) => rms(x, gemma ? g.map((v) => 1 + v) : g, eps);
  let xs = ids.map((id) => Array.from(E.v.subarray(id * D, (id + 1) * D)).map((v) => (gemma ? v * Math.sqrt(D) : v)));
  const act = (g: number) => (gemma ? 0.5 * g * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (g + 0.044715 * g ** 3))) : g / (1 + Math.exp(-g)));
  const rope = (v: number[], pos: number, heads: number) => {
    const out = v.slice();
    for (let h = 0; h < heads; h++) for (let i = 0; i < hd / 2; i++) {
      const f = pos / Math.pow(theta, (2 * i) / hd), c = Math.cos(f), s = Math.sin(f);
      const a = v[h * hd + i]!, b = v[h * hd + i + hd / 2]!;
      out[h * hd + i] = a * c - b * s; out[h * hd + i + hd / 2] = b * c + a * s;
    }
    return out;
  };
  for (let l = 0; l < cfg.num_hidden_layers; l++) {
    const p = `model.layers.${l}`;
    const bias = (m: string) => (hasBias ? w(`${p}.self_attn.${m}.bias`).v : undefined);
    const hs = xs.map((x) => norm(x, w(`${p}.input_layernorm.weight`).v));
    // Qwen3: RMSNorm over each head's hd values before RoPE
    const headNorm = (v: number[], heads: number, name: string) => {
      if (cfg.model_type !== "qwen3") return v;
      const g = w(`${p}.self_attn.${name}.weight`).v;
      return [...Array(heads).keys()].flatMap((h) => rms(v.slice(h * hd, (h + 1) * hd), g, eps));
    };
    const qs = hs.map((h, t) => rope(headNorm(linear(w(`${p}.self_attn.q_proj.weight`), h, bias("q_proj")), H, "q_norm"), t, H));
    const ks = hs.map((h, t) => rope(headNorm(linear(w(`${p}.self_attn.k_proj.weight`), h, bias("k_proj")), KV, "k_norm"), t, KV));
    const vs = hs.map((h) => linear(w(`${p}.self_attn.v_proj.weight`), h, bias("v_proj")));
    const att = gemma2
      ? attention(qs, ks, vs, H, KV, hd, { scale: Math.pow(cfg.query_pre_attn_scalar, -0.5), softcap: cfg.attn_logit_softcapping, window: l % 2 === 0 ? cfg.sliding_window : undefined })
      : attention(qs, ks, vs, H, KV, hd);
    if (gemma2) {
      xs = xs.map((x, t) => { const o = norm(linear(w(`${p}.self_attn.o_proj.weight`), att[t]!), w(`${p}.post_attention_layernorm.weight`).v); return x.map((v, i) => v + o[i]!); });
      xs = xs.map((x) => {
        const h = norm(x, w(`${p}.pre_feedforward_layernorm.weight`).v);
        const g = linear(w(`${p}.mlp.gate_proj.weight`), h), u = linear(w(`${p}.mlp.up_proj.weight`), h);
        const d = norm(linear(w(`${p}.mlp.down_proj.weight`), g.map((gv, i) => act(gv) * u[i]!)), w(`${p}.post_feedforward_layernorm.weight`).v);
        return x.map((v, i) => v + d[i]!);
      });
      continue;
    }
    xs = xs.map((x, t) => { const o = linear(w(`${p}.self_attn.o_proj.weight`), att[t]!); return x.map((v, i) => v + o[i]!); });
    xs = xs.map((x) => {
      const h = norm(x, w(`${p}.post_attention_layernorm.weight`).v);
      const g = linear(w(`${p}.mlp.gate_proj.weight`), h), u = linear(w(`${p}.mlp.up_proj.weight`), h);
      const d = linear(w(`${p}.mlp.down_proj.weight`), g.map((gv, i) => act(gv) * u[i]!));
      return x.map((v, i) => v + d[i]!);
    });
  }
  const head = cfg.tie_word_embeddings ? E : w("lm_head.weight");
  const logits = xs.map((x) => linear(head, norm(x, w("model.norm.weight").v)));
  const cap = cfg.final_logit_softcapping;
  return gemma2 && cap ? logits.map((r) => r.map((v) => Math.tanh(v / cap) * cap)) : logits;
}

function gpt2Ref(cfg: Record<string, any>, w: W, ids: number[]): number[][] {
  const D = cfg.n_embd, H = cfg.n_head, hd = D / H, eps = cfg.layer_norm_epsilon;
  const wte = w("wte.weight"), wpe = w("wpe.weight");
  let xs = ids.map((id, t) => Array.from({ length: D }, (_, i) => wte.v[id * D + i]! + wpe.v[t * D + i]!));
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)));
  for (let l = 0; l < cfg.n_layer; l++) {
    const p = `h.${l}`;
    const hs = xs.map((x) => ln(x, w(`${p}.ln_1.weight`).v, w(`${p}.ln_1.bias`).v, eps));
    const qkv = hs.map((h) => conv1d(w(`${p}.attn.c_attn.weight`), h, w(`${p}.attn.c_attn.bias`).v));
    const att = attention(qkv.map((r) => r.slice(0, D)), qkv.map((r) => r.slice(D, 2 * D)), qkv.map((r) => r.slice(2 * D)), H, H, hd);
    xs = xs.map((x, t) => { const o = conv1d(w(`${p}.attn.c_proj.weight`), att[t]!, w(`${p}.attn.c_proj.bias`).v); return x.map((v, i) => v + o[i]!); });
    xs = xs.map((x) => {
      const h = ln(x, w(`${p}.ln_2.weight`).v, w(`${p}.ln_2.bias`).v, eps);
      const f = conv1d(w(`${p}.mlp.c_fc.weight`), h, w(`${p}.mlp.c_fc.bias`).v).map(gelu);
      const o = conv1d(w(`${p}.mlp.c_proj.weight`), f, w(`${p}.mlp.c_proj.bias`).v);
      return x.map((v, i) => v + o[i]!);
    });
  }
  return xs.map((x) => linear(wte, ln(x, w("ln_f.weight").v, w("ln_f.bias").v, eps)));
}

function bloomRef(cfg: Record<string, any>, w: W, ids: number[]): number[][] {
  const D = cfg.hidden_size, H = cfg.n_head, hd = D / H, eps = cfg.layer_norm_epsilon;
  // HF build_alibi_tensor, written out independently of the engine's alibiSlopes
  const closest = 2 ** Math.floor(Math.log2(H));
  const slopes = [...Array(closest).keys()].map((i) => Math.pow(2, -8 * (i + 1) / closest));
  for (let i = 0; i < Math.min(closest, H - closest); i++) slopes.push(Math.pow(2, (-8 * (2 * i + 1)) / (2 * closest)));
  const E = w("word_embeddings.weight");
  let xs = ids.map((id) => ln(Array.from(E.v.subarray(id * D, (id + 1) * D)), w("word_embeddings_layernorm.weight").v, w("word_embeddings_layernorm.bias").v, eps));
  const gelu = (x: number) => x * 0.5 * (1 + Math.tanh(0.79788456 * x * (1 + 0.044715 * x * x)));
  for (let l = 0; l < cfg.n_layer; l++) {
    const p = `h.${l}`;
    const hs = xs.map((x) => ln(x, w(`${p}.input_layernorm.weight`).v, w(`${p}.input_layernorm.bias`).v, eps));
    const fused = hs.map((h) => linear(w(`${p}.self_attention.query_key_value.weight`), h, w(`${p}.self_attention.query_key_value.bias`).v));
    // view [T, H, 3, hd]
    const pick = (r: number[], which: number) => { const o: number[] = []; for (let h = 0; h < H; h++) for (let i = 0; i < hd; i++) o.push(r[h * 3 * hd + which * hd + i]!); return o; };
    const qs = fused.map((r) => pick(r, 0)), ks = fused.map((r) => pick(r, 1)), vs = fused.map((r) => pick(r, 2));
    const att = qs.map((q, t) => {
      const out: number[] = [];
      for (let h = 0; h < H; h++) {
        const scores = ks.slice(0, t + 1).map((k, j) => { let s = 0; for (let i = 0; i < hd; i++) s += q[h * hd + i]! * k[h * hd + i]!; return s / Math.sqrt(hd) + slopes[h]! * j; });
        const pr = softmax(scores);
        for (let i = 0; i < hd; i++) out.push(pr.reduce((s, pj, j) => s + pj * vs[j]![h * hd + i]!, 0));
      }
      return out;
    });
    xs = xs.map((x, t) => { const o = linear(w(`${p}.self_attention.dense.weight`), att[t]!, w(`${p}.self_attention.dense.bias`).v); return x.map((v, i) => v + o[i]!); });
    xs = xs.map((x) => {
      const h = ln(x, w(`${p}.post_attention_layernorm.weight`).v, w(`${p}.post_attention_layernorm.bias`).v, eps);
      const f = linear(w(`${p}.mlp.dense_h_to_4h.weight`), h, w(`${p}.mlp.dense_h_to_4h.bias`).v).map(gelu);
      const o = linear(w(`${p}.mlp.dense_4h_to_h.weight`), f, w(`${p}.mlp.dense_4h_to_h.bias`).v);
      return x.map((v, i) => v + o[i]!);
    });
  }
  return xs.map((x) => linear(E, ln(x, w("ln_f.weight").v, w("ln_f.bias").v, eps)));
}

function compare(model: Transformer, ids: number[], ref: number[][]): void {
  const got = tf.tidy(() => model.forward([ids]).arraySync() as number[][]);
  let maxDiff = 0, maxAbs = 0;
  got.forEach((row, t) => row.forEach((v, i) => { maxDiff = Math.max(maxDiff, Math.abs(v - ref[t]![i]!)); maxAbs = Math.max(maxAbs, Math.abs(ref[t]![i]!)); }));
  expect(maxAbs).toBeGreaterThan(0.1); // the reference is not trivially zero
  expect(maxDiff).toBeLessThan(1e-4 + 1e-4 * maxAbs);
}

describe("forward pass equals a scalar implementation of the Hugging Face models", () => {
  const ids = [3, 141, 59, 26, 5, 35, 89];
  it("Llama with GQA and an untied lm_head", () => {
    const cfg = tinyLlamaConfig({ hidden_size: 24, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 200 });
    const t = new Map(randomCheckpoint(cfg, { std: 0.3, seed: 8 }));
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, llamaRef(cfg, weights(t), ids, false));
  });
  it("Qwen2 with q/k/v bias and tied embeddings", () => {
    const cfg = tinyLlamaConfig({ model_type: "qwen2", hidden_size: 24, intermediate_size: 40, num_attention_heads: 6, num_key_value_heads: 2, vocab_size: 200, tie_word_embeddings: true, rope_theta: 1000000 });
    const t = new Map(randomCheckpoint(cfg, { std: 0.3, seed: 9 }));
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, llamaRef(cfg, weights(t), ids, true));
  });
  it("Qwen3 with q_norm/k_norm and head_dim ≠ hidden/heads", () => {
    const cfg = tinyLlamaConfig({ model_type: "qwen3", hidden_size: 24, head_dim: 8, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 200, tie_word_embeddings: true });
    const raw = randomCheckpoint(cfg, { std: 0.3, seed: 13, withBias: false });
    for (const [n, st] of raw) if (/norm\.weight$/.test(n)) { const v = toFloat32(st).map((_, i) => 1 + 0.5 * Math.sin(i * 2.3 + n.length)); raw.splice(raw.findIndex(([m]) => m === n), 1, [n, { ...st, data: new Uint8Array(v.buffer) }]); }
    const t = new Map(raw);
    expect(t.get("model.layers.0.self_attn.q_proj.weight")!.shape).toEqual([32, 24]);
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, llamaRef(cfg, weights(t), ids, false));
  });
  it("Gemma ((1 + w) norms, √hidden embedding scale, GeGLU, head_dim 16 > hidden/heads)", () => {
    const cfg = tinyLlamaConfig({ model_type: "gemma", hidden_size: 24, head_dim: 16, intermediate_size: 40, num_attention_heads: 2, num_key_value_heads: 1, vocab_size: 200, tie_word_embeddings: true, hidden_activation: "gelu_pytorch_tanh" });
    const raw = randomCheckpoint(cfg, { std: 0.2, seed: 14 });
    for (const [n, st] of raw) if (/norm\.weight$/.test(n)) { const v = toFloat32(st).map((_, i) => 0.3 * Math.sin(i * 1.3 + n.length)); raw.splice(raw.findIndex(([m]) => m === n), 1, [n, { ...st, data: new Uint8Array(v.buffer) }]); }
    const t = new Map(raw);
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, llamaRef(cfg, weights(t), ids, false));
  });
  it("Phi-3 (fused qkv_proj and gate_up_proj)", () => {
    const cfg = tinyLlamaConfig({ model_type: "phi3", hidden_size: 24, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 200, tie_word_embeddings: false });
    const t = new Map(randomCheckpoint(cfg, { std: 0.3, seed: 15 }));
    expect(t.get("model.layers.0.self_attn.qkv_proj.weight")!.shape).toEqual([48, 24]);
    expect(t.get("model.layers.0.mlp.gate_up_proj.weight")!.shape).toEqual([80, 24]);
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, llamaRef(cfg, weights(t), ids, false));
  });
  it("Gemma 2 (soft-capping, alternating sliding-window layers, sandwich norms, query_pre_attn_scalar)", () => {
    const cfg = tinyLlamaConfig({ model_type: "gemma2", hidden_size: 24, head_dim: 8, intermediate_size: 40, num_attention_heads: 4, num_key_value_heads: 2, vocab_size: 200, tie_word_embeddings: true, query_pre_attn_scalar: 12, attn_logit_softcapping: 2.0, final_logit_softcapping: 3.0, sliding_window: 3, num_hidden_layers: 2 });
    const raw = randomCheckpoint(cfg, { std: 0.4, seed: 16 });
    for (const [n, st] of raw) if (/norm\.weight$/.test(n)) { const v = toFloat32(st).map((_, i) => 0.3 * Math.sin(i * 0.7 + n.length)); raw.splice(raw.findIndex(([m]) => m === n), 1, [n, { ...st, data: new Uint8Array(v.buffer) }]); }
    const t = new Map(raw);
    expect(t.has("model.layers.1.pre_feedforward_layernorm.weight")).toBe(true);
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, llamaRef(cfg, weights(t), ids, false));
  });
  it("BLOOM (ALiBi, fused per-head query_key_value, embedding layer norm) with 6 heads", () => {
    expect(alibiSlopes(8)).toEqual([0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625]);
    const cfg = tinyBloomConfig({ hidden_size: 24, n_head: 6, vocab_size: 200 });
    const t = new Map(randomCheckpoint(cfg, { std: 0.3, seed: 12, gpt2Prefix: false }));
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, bloomRef(cfg, weights(t), ids));
  });
  it("GPT-2 (Conv1D weights, fused qkv, learned positions)", () => {
    const cfg = tinyGpt2Config({ n_embd: 24, n_head: 4, vocab_size: 200, n_positions: 16 });
    const raw = randomCheckpoint(cfg, { std: 0.3, seed: 10, gpt2Prefix: false });
    // random biases and norm weights too, so that every tensor takes part
    for (const [n, st] of raw) if (/bias|ln_/.test(n)) { const v = toFloat32(st).map((_, i) => Math.sin(i * 1.7 + n.length) * 0.3 + (n.endsWith("weight") ? 1 : 0)); raw.splice(raw.findIndex(([m]) => m === n), 1, [n, { ...st, data: new Uint8Array(v.buffer) }]); }
    const t = new Map(raw);
    compare(Transformer.fromTensors(parseConfig(cfg), t), ids, gpt2Ref(cfg, weights(t), ids));
  });
});
