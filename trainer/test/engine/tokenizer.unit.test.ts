import { describe, expect, it } from "vitest";
import { BpeTokenizer, bytesToUnicode, toJsRegexSource, splitIsolated, splitText } from "../../src/engine/tokenizer.ts";
import { byteLevelTokenizerJson, CHATML_TEMPLATE } from "../../src/engine/random-init.ts";

const LLAMA3_SPLIT = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;

describe("byte-level BPE (GPT-2 style)", () => {
  // Merges by hand: "Ġ" is the byte-level image of a space.
  const merges: [string, string][] = [["h", "e"], ["l", "l"], ["he", "ll"], ["hell", "o"], ["Ġ", "w"], ["o", "r"], ["Ġw", "or"]];
  const tok = new BpeTokenizer(byteLevelTokenizerJson(merges), { eos_token: "<|endoftext|>" });
  const id = (t: string) => tok.vocab.get(t)!;

  it("maps the 256 bytes like GPT-2 (space → Ġ, newline → Ċ)", () => {
    const m = bytesToUnicode();
    expect(m[32]).toBe("Ġ");
    expect(m[10]).toBe("Ċ");
    expect(m[65]).toBe("A");
    expect(new Set(m).size).toBe(256);
  });

  it("encodes with the merges applied in rank order", () => {
    // "hello" → he,ll → hell → hello ; " world" → Ġw + or → Ġwor, then l, d
    expect(tok.encode("hello world")).toEqual([id("hello"), id("Ġwor"), id("l"), id("d")]);
    expect(id("hello")).toBe(259);
    expect(tok.encode("A")).toEqual([65]);
    expect(tok.encode("\n")).toEqual([10]);
  });

  it("splits special tokens out of the text and round-trips any UTF-8", () => {
    const ids = tok.encode("hi<|endoftext|>bye");
    expect(ids).toContain(tok.eosTokenId);
    for (const s of ["hello world", "héllo 世界 🚀", "  two  spaces\n\nnew lines\t", "<|endoftext|>x", "it's we'll 12345"]) {
      expect(tok.decode(tok.encode(s))).toBe(s);
    }
  });

  it("handles BLOOM's split pattern with a nested character class", () => {
    const bloom = String.raw` ?[^(\s|[.,!?…。，、।۔،])]+`;
    const re = new RegExp(toJsRegexSource(bloom), "gu");
    // "(", "|" and ")" are literal members of the negated class, so they fall between matches
    expect("Hello, world! (a|b)".match(re)).toEqual(["Hello", " world", "a", "b"]);
    // and the Split pre-tokenizer (Isolated) keeps what lies between matches as pieces of its own
    expect(splitIsolated("Hello, world! (a|b)", re)).toEqual(["Hello", ",", " world", "! (", "a", "|", "b", ")"]);
    expect(splitText("a b c", / /gu, "MergedWithPrevious")).toEqual(["a ", "b ", "c"]);
    expect(splitText("a b c", / /gu, "MergedWithNext")).toEqual(["a", " b", " c"]);
    expect(splitText("a b c", / /gu, "Removed")).toEqual(["a", "b", "c"]);
    const json = byteLevelTokenizerJson([["H", "e"]]) as Record<string, any>;
    json.pre_tokenizer = { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: bloom }, behavior: "Isolated", invert: false }, { type: "ByteLevel", add_prefix_space: false, use_regex: false }] };
    const tb = new BpeTokenizer(json, { eos_token: "<|endoftext|>" });
    expect(tb.decode(tb.encode("Hello, world! (a|b)"))).toBe("Hello, world! (a|b)");
  });

  it("handles Llama-3/Qwen split patterns with (?i:) groups", () => {
    const re = new RegExp(toJsRegexSource(LLAMA3_SPLIT), "gu");
    expect("I'M here 12345".match(re)).toEqual(["I", "'M", " here", " ", "123", "45"]);
    const json = byteLevelTokenizerJson(merges) as Record<string, any>;
    json.pre_tokenizer = { type: "Sequence", pretokenizers: [{ type: "Split", pattern: { Regex: LLAMA3_SPLIT }, behavior: "Isolated", invert: false }, { type: "ByteLevel", add_prefix_space: false, use_regex: false }] };
    const t3 = new BpeTokenizer(json, { eos_token: "<|endoftext|>" });
    expect(t3.decode(t3.encode("Numbers 1234567 and WE'LL see"))).toBe("Numbers 1234567 and WE'LL see");
    expect(t3.encode("12345").length).toBe(5); // "123","45" → no merges, 5 byte tokens
  });
});

describe("SentencePiece-style BPE (Llama 2 / Mistral)", () => {
  const vocab: Record<string, number> = { "<unk>": 0, "<s>": 1, "</s>": 2 };
  for (let b = 0; b < 256; b++) vocab[`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`] = 3 + b;
  let next = 259;
  for (const t of ["▁", "h", "e", "l", "o", "w", "r", "d", "he", "ll", "hell", "hello", "▁hello", "▁w", "or", "▁wor", "▁world"]) vocab[t] = next++;
  const merges = ["h e", "l l", "he ll", "hell o", "▁ hello", "▁ w", "o r", "▁w or", "▁wor l", "▁worl d"];
  vocab["▁worl"] = next++;
  const json = {
    added_tokens: [{ id: 0, content: "<unk>", special: true }, { id: 1, content: "<s>", special: true }, { id: 2, content: "</s>", special: true }],
    normalizer: { type: "Sequence", normalizers: [{ type: "Prepend", prepend: "▁" }, { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    pre_tokenizer: null,
    decoder: { type: "Sequence", decoders: [{ type: "Replace", pattern: { String: "▁" }, content: " " }, { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] },
    model: { type: "BPE", unk_token: "<unk>", byte_fallback: true, vocab, merges },
  };
  const tok = new BpeTokenizer(json, { bos_token: "<s>", eos_token: "</s>", add_bos_token: true, chat_template: "{{ bos_token }}[INST] ... [/INST]" });

  it("prepends ▁, merges, and falls back to <0xNN> bytes for unknown characters", () => {
    expect(tok.encode("hello world")).toEqual([vocab["▁hello"], vocab["▁world"]]);
    expect(tok.encode("hello world", { addSpecialTokens: true })[0]).toBe(1);
    // "é" is not in the vocabulary: its UTF-8 bytes C3 A9
    expect(tok.encode("é")).toEqual([vocab["▁"], 3 + 0xc3, 3 + 0xa9]);
    expect(tok.decode(tok.encode("hello world é!"))).toBe("hello world é!");
  });

  it("recognises the [INST] chat template", () => {
    expect(tok.chatTemplate.name).toBe("llama2");
    expect(tok.applyChatTemplate([{ role: "user", content: "hi" }, { role: "assistant", content: "yo" }], false)).toBe("<s>[INST] hi [/INST] yo</s>");
  });
});

describe("Metaspace pre-tokenizer (newer Llama/Mistral tokenizer.json)", () => {
  it("replaces spaces, prepends ▁ and splits at it", () => {
    const vocab: Record<string, number> = { "<unk>": 0, "</s>": 1, "▁a": 2, "▁b": 3, "▁": 4, "a": 5, "b": 6 };
    const tok = new BpeTokenizer({ added_tokens: [{ id: 1, content: "</s>", special: true }], pre_tokenizer: { type: "Metaspace", replacement: "▁", prepend_scheme: "first", split: true }, decoder: { type: "Metaspace" }, model: { type: "BPE", unk_token: "<unk>", vocab, merges: ["▁ a", "▁ b"] } }, { eos_token: "</s>" });
    expect(tok.encode("a b a")).toEqual([2, 3, 2]);
    expect(tok.decode([2, 3, 2])).toBe("a b a");
  });
});

describe("chat templates", () => {
  const tok = new BpeTokenizer(byteLevelTokenizerJson(), { eos_token: "<|im_end|>", chat_template: CHATML_TEMPLATE });
  it("renders ChatML and masks the loss to assistant turns", () => {
    const msgs = [{ role: "system" as const, content: "S" }, { role: "user" as const, content: "Q" }, { role: "assistant" as const, content: "A" }];
    expect(tok.chatTemplate.name).toBe("chatml");
    expect(tok.applyChatTemplate(msgs, false)).toBe("<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n");
    expect(tok.applyChatTemplate(msgs.slice(0, 2), true).endsWith("<|im_start|>assistant\n")).toBe(true);
    const { ids, trainMask } = tok.encodeChat(msgs);
    const trained = ids.filter((_, i) => trainMask[i] === 1);
    expect(tok.decode(trained)).toBe("A<|im_end|>");
    expect(tok.stopTokenIds).toContain(tok.vocab.get("<|im_end|>"));
  });
  it("recognises Llama 3 headers and falls back to a plain template", () => {
    const l3 = new BpeTokenizer(byteLevelTokenizerJson([], ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>", "<|end_of_text|>"]), { eos_token: "<|end_of_text|>", chat_template: "{% set x %}<|start_header_id|>{{ role }}<|end_header_id|>" });
    expect(l3.chatTemplate.name).toBe("llama3");
    expect(l3.applyChatTemplate([{ role: "user", content: "hi" }], true)).toBe("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n");
    expect(l3.stopTokenIds).toContain(l3.vocab.get("<|eot_id|>"));
    const withBos = byteLevelTokenizerJson([], ["<|begin_of_text|>", "<|end_of_text|>"]) as Record<string, unknown>;
    withBos.post_processor = { type: "Sequence", processors: [{ type: "ByteLevel" }, { type: "TemplateProcessing", single: [{ SpecialToken: { id: "<|begin_of_text|>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }] }] };
    const tb = new BpeTokenizer(withBos, { eos_token: "<|end_of_text|>" });
    expect(tb.encode("hi", { addSpecialTokens: true })).toEqual([tb.vocab.get("<|begin_of_text|>"), 104, 105]);
    expect(tb.encode("hi")).toEqual([104, 105]);
    expect(tb.encode("<|begin_of_text|>hi", { addSpecialTokens: true })).toEqual([tb.vocab.get("<|begin_of_text|>"), 104, 105]);
    const gm = new BpeTokenizer(byteLevelTokenizerJson([], ["<bos>", "<eos>", "<start_of_turn>", "<end_of_turn>"]), { eos_token: "<eos>", chat_template: "{{ bos_token }}{% for m in messages %}<start_of_turn>{{ role }}" });
    expect(gm.applyChatTemplate([{ role: "system", content: "Be brief." }, { role: "user", content: "hi" }, { role: "assistant", content: "yo" }], false)).toBe("<bos><start_of_turn>user\nBe brief.\n\nhi<end_of_turn>\n<start_of_turn>model\nyo<end_of_turn>\n");
    expect(gm.stopTokenIds).toContain(gm.vocab.get("<end_of_turn>"));
    const p3 = new BpeTokenizer(byteLevelTokenizerJson([], ["<|endoftext|>", "<|user|>", "<|assistant|>", "<|end|>"]), { eos_token: "<|endoftext|>", chat_template: "{% for m in messages %}{{'<|' + m['role'] + '|>' + '\n' + m['content'] + '<|end|>'}}{% endfor %}<|assistant|>" });
    expect(p3.applyChatTemplate([{ role: "user", content: "hi" }], true)).toBe("<|user|>\nhi<|end|>\n<|assistant|>\n");
    const plain = new BpeTokenizer(byteLevelTokenizerJson(), { eos_token: "<|endoftext|>" });
    expect(plain.applyChatTemplate([{ role: "user", content: "hi" }], true)).toBe("User: hi\nAssistant: ");
  });
});
