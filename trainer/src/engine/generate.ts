// Sampling with a KV cache: temperature, top-p, max tokens, stop strings, seedable.
import { tf } from "./backend.ts";
import type { BaseModel } from "./base-model.ts";
import type { KvCache, LoraSet } from "./model.ts";
import { Rng } from "./rng.ts";

export interface GenerateOptions {
  maxTokens: number; temperature: number; topP: number; seed?: number; stop?: string[];
  onToken?: (text: string) => void; signal?: AbortSignal;
  /** false recomputes the whole sequence for every token (for tests and benchmarks). */
  useCache?: boolean;
}
export interface GenerateResult { text: string; promptTokens: number; completionTokens: number; finishReason: "stop" | "length"; tokenIds: number[] }

export function sampleFrom(logits: Float32Array, temperature: number, topP: number, rng: Rng): number {
  if (!(temperature > 0)) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i]! > logits[best]!) best = i;
    return best;
  }
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const probs = new Float64Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) { probs[i] = Math.exp((logits[i]! - max) / temperature); sum += probs[i]!; }
  const order = [...Array(logits.length).keys()].sort((a, b) => probs[b]! - probs[a]! || a - b);
  const keep: number[] = [];
  let cum = 0;
  const p = topP > 0 && topP < 1 ? topP : 1;
  for (const i of order) { keep.push(i); cum += probs[i]! / sum; if (cum >= p) break; }
  const keptSum = keep.reduce((a, i) => a + probs[i]!, 0);
  let r = rng.next() * keptSum;
  for (const i of keep) { r -= probs[i]!; if (r <= 0) return i; }
  return keep[keep.length - 1]!;
}

export async function generateTokens(base: BaseModel, lora: LoraSet | null, prompt: string, options: GenerateOptions): Promise<GenerateResult> {
  const tok = base.tokenizer;
  const model = base.model;
  let promptIds = tok.encode(prompt, { addSpecialTokens: true });
  if (promptIds.length === 0) promptIds = [tok.bosTokenId ?? tok.eosTokenId];
  // Keep the prompt's end when prompt + completion would pass the model's positions (at least one prompt
  // token stays); learned position tables (GPT-2) also stop the completion at the last position.
  const limit = model.config.maxPositions;
  if (promptIds.length + options.maxTokens > limit) promptIds = promptIds.slice(-Math.max(1, limit - options.maxTokens));
  const maxNew = model.config.arch.attention.positions === "learned" ? Math.min(options.maxTokens, limit - promptIds.length) : options.maxTokens;
  const rng = new Rng(options.seed ?? (Math.random() * 2 ** 32) >>> 0);
  const useCache = options.useCache !== false;
  const cache: KvCache = { k: [], v: [], length: 0 };
  const out: number[] = [];
  const stops = new Set(tok.stopTokenIds);
  const stopStrings = (options.stop ?? []).filter((s) => s.length > 0);
  let emitted = 0;
  let finishReason: "stop" | "length" = "length";
  let text = "";
  try {
    let next = promptIds;
    for (let i = 0; i < maxNew; i++) {
      if (options.signal?.aborted) throw new DOMException("generation was cancelled", "AbortError");
      const logits = tf.tidy(() => {
        const all = useCache ? model.forward([next], { lora, cache }) : model.forward([[...promptIds, ...out]], { lora });
        return tf.slice(all, [all.shape[0] - 1, 0], [1, -1]).dataSync() as Float32Array;
      });
      // checkpoints often pad vocab_size past the tokenizer (Qwen2: 151936 vs 151665); never sample the padding
      const id = sampleFrom(logits.length > tok.vocabSize ? logits.subarray(0, tok.vocabSize) : logits, options.temperature, options.topP, rng);
      if (stops.has(id)) { finishReason = "stop"; break; }
      out.push(id);
      next = [id];
      text = tok.decode(out, { skipSpecialTokens: true });
      const hit = stopStrings.map((s) => text.indexOf(s)).filter((x) => x >= 0);
      if (hit.length) { text = text.slice(0, Math.min(...hit)); finishReason = "stop"; }
      // Emit only text that can no longer become part of a stop string or of an unfinished UTF-8 character.
      let safe = finishReason === "stop" ? text.length : text.length;
      if (finishReason !== "stop") {
        if (text.endsWith("\uFFFD")) safe = text.length - 1;
        for (const s of stopStrings) for (let k = Math.min(s.length - 1, text.length); k > 0; k--) if (text.endsWith(s.slice(0, k))) { safe = Math.min(safe, text.length - k); break; }
      }
      if (safe > emitted) { options.onToken?.(text.slice(emitted, safe)); emitted = safe; }
      if (finishReason === "stop") break;
      if (i % 8 === 7) await new Promise((r) => setImmediate(r));
    }
    if (text.length > emitted) options.onToken?.(text.slice(emitted));
    return { text, promptTokens: promptIds.length, completionTokens: out.length, finishReason, tokenIds: out };
  } finally {
    for (const t of [...cache.k, ...cache.v]) t?.dispose();
  }
}
