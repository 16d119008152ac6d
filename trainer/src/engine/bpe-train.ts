// A small byte-level BPE trainer (GPT-2 style): split with GPT-2's pattern, map bytes to printable
// characters, then merge the most frequent adjacent pair until the vocabulary is full.
import { bytesToUnicode, GPT2_SPLIT } from "./tokenizer.ts";
import { byteLevelTokenizerJson } from "./random-init.ts";

export function trainByteLevelBpe(texts: string[], vocabSize: number, special: string[]): Record<string, unknown> {
  const chars = bytesToUnicode();
  const split = new RegExp(GPT2_SPLIT, "gu");
  const enc = new TextEncoder();
  const counts = new Map<string, number>();
  for (const t of texts) for (const w of t.match(split) ?? []) {
    let mapped = "";
    for (const b of enc.encode(w)) mapped += chars[b];
    counts.set(mapped, (counts.get(mapped) ?? 0) + 1);
  }
  const words = [...counts.entries()].map(([w, c]) => ({ symbols: Array.from(w), count: c }));
  const merges: [string, string][] = [];
  const target = vocabSize - 256 - special.length;
  for (let m = 0; m < target; m++) {
    const pairs = new Map<string, number>();
    for (const w of words) for (let i = 0; i < w.symbols.length - 1; i++) {
      const k = w.symbols[i] + "\u0000" + w.symbols[i + 1];
      pairs.set(k, (pairs.get(k) ?? 0) + w.count);
    }
    let best = "", bestCount = 1;
    for (const [k, c] of pairs) if (c > bestCount || (c === bestCount && best !== "" && k < best)) { best = k; bestCount = c; }
    if (!best) break; // nothing occurs twice any more
    const [a, b] = best.split("\u0000") as [string, string];
    merges.push([a, b]);
    for (const w of words) {
      if (w.symbols.length < 2) continue;
      const next: string[] = [];
      for (let i = 0; i < w.symbols.length; i++) {
        if (i < w.symbols.length - 1 && w.symbols[i] === a && w.symbols[i + 1] === b) { next.push(a + b); i++; }
        else next.push(w.symbols[i]!);
      }
      w.symbols = next;
    }
  }
  return byteLevelTokenizerJson(merges, special);
}
