// tokenizer.json loader: BPE models with a ByteLevel pre-tokenizer (GPT-2, Qwen, Llama 3) or with
// SentencePiece conventions (Metaspace "▁", <0xNN> byte fallback: Llama 1/2, Mistral).
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { chatTemplateFor, type ChatTemplate } from "./chat-template.ts";
import type { ChatMessage } from "./types.ts";

export const GPT2_SPLIT = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;

/** GPT-2's reversible map of the 256 byte values onto printable characters. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let i = 33; i <= 126; i++) bs.push(i);
  for (let i = 161; i <= 172; i++) bs.push(i);
  for (let i = 174; i <= 255; i++) bs.push(i);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) if (!bs.includes(b)) { bs.push(b); cs.push(256 + n); n++; }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => { out[b] = String.fromCharCode(cs[i]!); });
  return out;
}
const BYTE_CHARS = bytesToUnicode();
const CHAR_BYTES = new Map(BYTE_CHARS.map((c, b) => [c, b]));

/**
 * Rust/Oniguruma patterns → JavaScript: `(?i:...)` is expanded by turning ASCII letters into [xX]
 * classes (JS lacks inline modifiers), and nested classes (BLOOM's `[^(\s|[.,!?…])]`) are flattened
 * into one class (their union, which is what the nesting means).
 */
export function toJsRegexSource(pattern: string): string {
  const expanded = pattern.replace(/\(\?i:((?:[^()\\]|\\.)*)\)/g, (_, body: string) =>
    "(?:" + body.replace(/\\.|[a-zA-Z]/g, (c) => (c.length === 1 ? `[${c.toLowerCase()}${c.toUpperCase()}]` : c)) + ")");
  let out = "", depth = 0;
  for (let i = 0; i < expanded.length; i++) {
    const ch = expanded[i]!;
    if (ch === "\\") { out += ch + (expanded[i + 1] ?? ""); i++; continue; }
    if (ch === "[") { depth++; if (depth === 1) out += ch; else if (expanded[i + 1] === "^") throw new Error(`tokenizer regex ${pattern}: a negated nested class is not supported`); continue; }
    if (ch === "]" && depth > 0) { depth--; if (depth === 0) out += ch; continue; }
    // inside a class, characters that are special outside of one stay literal
    out += depth > 0 && (ch === "(" || ch === ")" || ch === "|") ? "\\" + ch : ch;
  }
  return out;
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

type SplitBehavior = "Isolated" | "MergedWithPrevious" | "MergedWithNext" | "Removed";
interface PreTok { kind: "bytelevel" | "metaspace" | "none"; split: RegExp | null; splitBehavior: SplitBehavior; addPrefixSpace: boolean; prependScheme: "always" | "first" | "never"; replacement: string }

export class BpeTokenizer {
  readonly vocab: Map<string, number>;
  readonly idToToken: string[];
  readonly ranks: Map<string, number>;
  readonly added: { id: number; content: string; special: boolean }[];
  readonly specialIds: Set<number>;
  private readonly addedIds: Set<number>;
  readonly byteFallback: boolean;
  readonly unkId: number | null;
  readonly pre: PreTok;
  readonly normalizerPrepend: string | null;
  readonly normalizerReplaceSpace: string | null;
  readonly decodeKind: "bytelevel" | "metaspace";
  readonly stripLeadingSpace: boolean;
  eosTokenId: number;
  bosTokenId: number | null = null;
  addBos = false;
  chatTemplate: ChatTemplate;
  /** Token ids that end an assistant turn (eos and the template's end-of-turn token). */
  stopTokenIds: number[] = [];
  private cache = new Map<string, number[]>();
  private addedRegex: RegExp | null;

  constructor(json: Json, tokenizerConfig: Json = {}) {
    const model = json.model as Json;
    if (model?.type && model.type !== "BPE") throw new Error(`tokenizer.json model type ${model.type} is not supported (only BPE: byte-level or SentencePiece-style)`);
    this.vocab = new Map(Object.entries(model.vocab as Record<string, number>));
    this.added = ((json.added_tokens ?? []) as Json[]).map((t) => ({ id: t.id as number, content: t.content as string, special: !!t.special }));
    for (const t of this.added) this.vocab.set(t.content, t.id);
    this.idToToken = [];
    for (const [t, id] of this.vocab) this.idToToken[id] = t;
    this.ranks = new Map();
    (model.merges as (string | [string, string])[] ?? []).forEach((m, i) => {
      const [a, b] = typeof m === "string" ? splitMerge(m) : m;
      this.ranks.set(a + " " + b, i);
    });
    this.byteFallback = !!model.byte_fallback;
    this.unkId = model.unk_token != null && this.vocab.has(model.unk_token) ? this.vocab.get(model.unk_token)! : null;
    this.specialIds = new Set(this.added.filter((t) => t.special).map((t) => t.id));
    this.addedIds = new Set(this.added.map((t) => t.id));
    const sorted = this.added.map((t) => t.content).sort((a, b) => b.length - a.length);
    this.addedRegex = sorted.length ? new RegExp(sorted.map(escapeRegex).join("|"), "g") : null;

    // pre-tokenizer
    this.pre = { kind: "none", split: null, splitBehavior: "Isolated", addPrefixSpace: false, prependScheme: "always", replacement: "▁" };
    const visit = (p: Json | null | undefined): void => {
      if (!p) return;
      if (p.type === "Sequence") { for (const q of p.pretokenizers as Json[]) visit(q); return; }
      if (p.type === "ByteLevel") {
        this.pre.kind = "bytelevel";
        this.pre.addPrefixSpace = !!p.add_prefix_space;
        if (p.use_regex !== false && !this.pre.split) this.pre.split = new RegExp(GPT2_SPLIT, "gu");
      } else if (p.type === "Split") {
        const behavior = (p.behavior ?? "Isolated") as SplitBehavior;
        if (!["Isolated", "MergedWithPrevious", "MergedWithNext", "Removed"].includes(behavior) || p.invert) throw new Error(`tokenizer.json Split pre-tokenizer with behavior ${p.behavior}${p.invert ? " (inverted)" : ""} is not supported`);
        this.pre.splitBehavior = behavior;
        const pat = p.pattern?.Regex ?? (p.pattern?.String != null ? escapeRegex(p.pattern.String) : null);
        if (pat != null) this.pre.split = new RegExp(toJsRegexSource(pat), "gu");
      } else if (p.type === "Metaspace") {
        this.pre.kind = "metaspace";
        this.pre.replacement = p.replacement ?? "▁";
        this.pre.prependScheme = p.prepend_scheme ?? (p.add_prefix_space === false ? "never" : "always");
      } else if (p.type !== "Digits" && p.type !== "Punctuation" && p.type !== "Whitespace") {
        throw new Error(`tokenizer.json pre_tokenizer ${p.type} is not supported`);
      }
    };
    visit(json.pre_tokenizer);
    // normalizer (Llama 2 style: Prepend "▁" + Replace " " → "▁")
    this.normalizerPrepend = null; this.normalizerReplaceSpace = null;
    const norms: Json[] = json.normalizer ? (json.normalizer.type === "Sequence" ? json.normalizer.normalizers : [json.normalizer]) : [];
    for (const n of norms) {
      if (n.type === "Prepend") this.normalizerPrepend = n.prepend;
      else if (n.type === "Replace" && n.pattern?.String === " ") this.normalizerReplaceSpace = n.content;
      else if (n.type !== "NFC" && n.type !== "NFKC") throw new Error(`tokenizer.json normalizer ${n.type} is not supported`);
    }
    const dec = JSON.stringify(json.decoder ?? {});
    this.decodeKind = this.pre.kind === "bytelevel" || dec.includes('"ByteLevel"') ? "bytelevel" : "metaspace";
    this.stripLeadingSpace = this.decodeKind === "metaspace" && (this.normalizerPrepend != null || (this.pre.kind === "metaspace" && this.pre.prependScheme !== "never"));

    const tokenId = (t: unknown): number | null => {
      const s = typeof t === "string" ? t : (t as Json | null)?.content;
      return typeof s === "string" && this.vocab.has(s) ? this.vocab.get(s)! : null;
    };
    const eos = tokenId(tokenizerConfig.eos_token) ?? tokenId("<|endoftext|>") ?? tokenId("</s>") ?? tokenId("<|end_of_text|>");
    if (eos == null) throw new Error("tokenizer: no eos token (set eos_token in tokenizer_config.json)");
    this.eosTokenId = eos;
    this.bosTokenId = tokenId(tokenizerConfig.bos_token);
    this.addBos = tokenizerConfig.add_bos_token === true || (tokenizerConfig.add_bos_token == null && this.decodeKind === "metaspace" && this.bosTokenId != null);
    // A TemplateProcessing post-processor that starts with a special token (Llama 3) adds it as bos.
    const procs: Json[] = json.post_processor ? (json.post_processor.type === "Sequence" ? json.post_processor.processors : [json.post_processor]) : [];
    for (const p of procs) {
      const first = p.type === "TemplateProcessing" ? (p.single as Json[] | undefined)?.[0]?.SpecialToken?.id : undefined;
      if (typeof first === "string" && this.vocab.has(first) && tokenizerConfig.add_bos_token !== false) { this.bosTokenId = this.vocab.get(first)!; this.addBos = true; }
    }
    this.chatTemplate = chatTemplateFor(typeof tokenizerConfig.chat_template === "string" ? tokenizerConfig.chat_template : null);
    const stops = new Set<number>([eos]);
    for (const s of this.chatTemplate.stopTokens) { const id = tokenId(s); if (id != null) stops.add(id); }
    this.stopTokenIds = [...stops];
  }

  get vocabSize(): number { return this.idToToken.length; }

  /** Encodes text; added/special tokens written literally in the text become their ids. */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    const ids: number[] = [];
    const withBos = (): number[] => {
      // a chat template that writes the bos token itself (Llama 3) does not get a second one
      if (options.addSpecialTokens && this.addBos && this.bosTokenId != null && ids[0] !== this.bosTokenId) ids.unshift(this.bosTokenId);
      return ids;
    };
    let first = true;
    const pushChunk = (chunk: string): void => { if (chunk) { this.encodeOrdinary(chunk, first, ids); first = false; } };
    if (!this.addedRegex) { pushChunk(text); return withBos(); }
    let last = 0;
    for (const m of text.matchAll(this.addedRegex)) {
      pushChunk(text.slice(last, m.index));
      ids.push(this.vocab.get(m[0])!);
      first = false;
      last = m.index! + m[0].length;
    }
    pushChunk(text.slice(last));
    return withBos();
  }

  private encodeOrdinary(text: string, isFirst: boolean, out: number[]): void {
    if (this.pre.kind === "bytelevel") {
      if (this.pre.addPrefixSpace && isFirst && !text.startsWith(" ")) text = " " + text;
      const words = this.pre.split ? splitText(text, this.pre.split, this.pre.splitBehavior) : [text];
      const enc = new TextEncoder();
      for (const w of words) {
        let mapped = "";
        for (const b of enc.encode(w)) mapped += BYTE_CHARS[b];
        this.bpeWord(mapped, out);
      }
      return;
    }
    // SentencePiece conventions
    let s = text;
    if (this.normalizerReplaceSpace != null) s = s.replaceAll(" ", this.normalizerReplaceSpace);
    if (this.normalizerPrepend != null && isFirst) s = this.normalizerPrepend + s;
    if (this.pre.kind === "metaspace") {
      const r = this.pre.replacement;
      s = s.replaceAll(" ", r);
      if ((this.pre.prependScheme === "always" || (this.pre.prependScheme === "first" && isFirst)) && !s.startsWith(r)) s = r + s;
      // split before each replacement char, keeping it as the piece's prefix
      const pieces = s.split(new RegExp(`(?=${escapeRegex(r)})`, "u")).filter((p) => p.length > 0);
      for (const p of pieces) this.bpeWord(p, out);
      return;
    }
    for (const piece of this.pre.split ? splitText(s, this.pre.split, this.pre.splitBehavior) : [s]) this.bpeWord(piece, out);
  }

  private bpeWord(word: string, out: number[]): void {
    const cached = this.cache.get(word);
    if (cached) { for (const id of cached) out.push(id); return; }
    let symbols = Array.from(word);
    while (symbols.length > 1) {
      let best = -1, bestRank = Infinity;
      for (let i = 0; i < symbols.length - 1; i++) {
        const r = this.ranks.get(symbols[i] + " " + symbols[i + 1]);
        if (r !== undefined && r < bestRank) { bestRank = r; best = i; }
      }
      if (best < 0) break;
      const merged = symbols[best]! + symbols[best + 1]!;
      const next: string[] = [];
      for (let i = 0; i < symbols.length; i++) {
        if (i < symbols.length - 1 && symbols[i]! + symbols[i + 1]! === merged && this.ranks.get(symbols[i] + " " + symbols[i + 1]) === bestRank) { next.push(merged); i++; }
        else next.push(symbols[i]!);
      }
      symbols = next;
    }
    const ids: number[] = [];
    for (const s of symbols) {
      const id = this.vocab.get(s);
      if (id !== undefined) { ids.push(id); continue; }
      if (this.byteFallback) {
        let ok = true;
        const bytes = new TextEncoder().encode(s);
        const fb: number[] = [];
        for (const b of bytes) { const t = this.vocab.get(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`); if (t === undefined) { ok = false; break; } fb.push(t); }
        if (ok) { ids.push(...fb); continue; }
      }
      if (this.unkId != null) ids.push(this.unkId);
      else throw new Error(`tokenizer: symbol ${JSON.stringify(s)} is not in the vocabulary and there is no unk token`);
    }
    if (this.cache.size < 50_000) this.cache.set(word, ids);
    for (const id of ids) out.push(id);
  }

  decode(ids: number[], options: { skipSpecialTokens?: boolean } = {}): string {
    const bytes: number[] = [];
    const enc = new TextEncoder();
    for (const id of ids) {
      const tok = this.idToToken[id];
      if (tok === undefined) throw new Error(`tokenizer: id ${id} is outside the vocabulary (${this.idToToken.length})`);
      if (this.specialIds.has(id)) { if (!options.skipSpecialTokens) bytes.push(...enc.encode(tok)); continue; }
      if (this.addedIds.has(id)) { bytes.push(...enc.encode(tok)); continue; }
      if (this.decodeKind === "bytelevel") {
        for (const ch of tok) { const b = CHAR_BYTES.get(ch); if (b === undefined) bytes.push(...enc.encode(ch)); else bytes.push(b); }
      } else {
        const m = /^<0x([0-9A-Fa-f]{2})>$/.exec(tok);
        if (m && this.byteFallback) bytes.push(parseInt(m[1]!, 16));
        else bytes.push(...enc.encode(tok.replaceAll(this.pre.replacement, " ").replaceAll(this.normalizerReplaceSpace ?? "▁", " ")));
      }
    }
    let s = new TextDecoder().decode(new Uint8Array(bytes));
    if (this.stripLeadingSpace && s.startsWith(" ")) s = s.slice(1);
    return s;
  }

  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt: boolean): string {
    return this.chatTemplate.render(messages, addGenerationPrompt).map((p) => p.text).join("");
  }

  /** Token ids of a chat with a mask that is 1 on what the assistant says (its content and end-of-turn). */
  encodeChat(messages: ChatMessage[]): { ids: number[]; trainMask: number[] } {
    const ids: number[] = [], trainMask: number[] = [];
    for (const part of this.chatTemplate.render(messages, false)) {
      const t = this.encode(part.text);
      for (const id of t) { ids.push(id); trainMask.push(part.train ? 1 : 0); }
    }
    return { ids, trainMask };
  }
}

/**
 * The Split pre-tokenizer: "Isolated" makes every match and every stretch between matches a piece;
 * "MergedWithPrevious"/"MergedWithNext" glue a match to the stretch before/after it; "Removed" drops matches.
 */
export function splitText(text: string, re: RegExp, behavior: SplitBehavior = "Isolated"): string[] {
  const parts: { s: string; match: boolean }[] = [];
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m[0].length === 0) continue;
    if (m.index! > last) parts.push({ s: text.slice(last, m.index), match: false });
    parts.push({ s: m[0], match: true });
    last = m.index! + m[0].length;
  }
  if (last < text.length) parts.push({ s: text.slice(last), match: false });
  const out: string[] = [];
  if (behavior === "Isolated") for (const p of parts) out.push(p.s);
  else if (behavior === "Removed") for (const p of parts) { if (!p.match) out.push(p.s); }
  else if (behavior === "MergedWithPrevious") parts.forEach((p, i) => { if (p.match && i > 0 && !parts[i - 1]!.match) out[out.length - 1] += p.s; else out.push(p.s); });
  else { let carry = ""; for (const p of parts) { if (p.match) carry += p.s; else { out.push(carry + p.s); carry = ""; } } if (carry) out.push(carry); }
  return out;
}

export const splitIsolated = (text: string, re: RegExp): string[] => splitText(text, re, "Isolated");

function splitMerge(m: string): [string, string] {
  const i = m.indexOf(" ", 1);
  return [m.slice(0, i), m.slice(i + 1)];
}

function escapeRegex(s: string): string { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

export function loadTokenizer(dir: string): BpeTokenizer {
  const path = join(dir, "tokenizer.json");
  if (!existsSync(path)) throw new Error(`no tokenizer.json in ${dir} (only tokenizer.json is supported, not tokenizer.model or vocab.json/merges.txt)`);
  const json = JSON.parse(readFileSync(path, "utf8")) as Json;
  const cfgPath = join(dir, "tokenizer_config.json");
  const cfg = existsSync(cfgPath) ? (JSON.parse(readFileSync(cfgPath, "utf8")) as Json) : {};
  return new BpeTokenizer(json, cfg);
}
