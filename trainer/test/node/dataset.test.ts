// The dataset pipeline on real files of every format: conversion, refusals reported per
// contribution, CID verification, weights by size, and the manifest's Merkle root.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { keccak256, encodeAbiParameters, concat, type Hex, type Address } from "viem";
import { computeCid, toOnchainCid } from "@openledger/sdk";
import { parseManifest, leafProof } from "@openledger/protocol";
import { buildDataset, chunkText, DatasetError, exampleTokens, fitToWindow } from "../../src/dataset/build.ts";
import { parseCsv } from "@openledger/sdk";
import { convertContribution, FORMATS } from "../../src/dataset/formats.ts";
import type { AcceptedContribution } from "../../src/dataset/indexer.ts";
import { testEngine } from "./helpers.ts";

const DATA = path.join(import.meta.dirname, "fixtures", "data");
const file = (name: string) => new Uint8Array(readFileSync(path.join(DATA, name)));
const formatOf = (name: string) => {
  const ext = path.extname(name).slice(1);
  return FORMATS.indexOf((ext === "jpg" ? "jpeg" : ext) as (typeof FORMATS)[number]);
};

describe("formats", () => {
  it("turns txt and md into one text example each", () => {
    expect(convertContribution(file("notes.txt"), "txt").examples).toEqual([{ text: "The capital of France is Paris.\nParis lies on the Seine.\n" }]);
    expect(convertContribution(file("rivers.md"), 1).examples).toEqual([{ text: "# Rivers\n\nThe **Nile** is long.\n" }]);
  });

  it("reads alpaca, sharegpt and messages jsonl as chats, reporting broken lines with their number", () => {
    const alpaca = convertContribution(file("alpaca.jsonl"), "jsonl");
    expect(alpaca.problems).toEqual([]);
    expect(alpaca.examples[1]).toEqual({ messages: [{ role: "user", content: "Translate to French\n\ncat" }, { role: "assistant", content: "chat" }] });
    const share = convertContribution(file("sharegpt.jsonl"), "jsonl");
    expect(share.examples[1]).toEqual({ messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "2+2?" }, { role: "assistant", content: "4" }] });
    const messages = convertContribution(file("messages.jsonl"), "jsonl");
    expect(messages.examples).toHaveLength(2);
    expect(messages.problems.map((p) => p.line)).toEqual([3, 4, 5]);
    expect(messages.problems[0]!.reason).toMatch(/no assistant turn/);
    expect(messages.problems[1]!.reason).toMatch(/not JSON/);
    expect(messages.problems[2]!.reason).toMatch(/messages\[0\]\.role is "wizard"/);
  });

  it("parses RFC 4180 csv (quotes, doubled quotes, commas and line breaks in fields) and reports short rows", () => {
    expect(parseCsv('a,"b ""q"", c"\r\n"x\ny",z').rows).toEqual([["a", 'b "q", c'], ["x\ny", "z"]]);
    expect(parseCsv('a,"open').error?.message).toMatch(/not closed/);
    expect(parseCsv('a,b"c').error?.message).toMatch(/quote inside an unquoted field/);
    const csv = convertContribution(file("alpaca.csv"), "csv");
    expect(csv.examples).toEqual([
      { messages: [{ role: "user", content: 'Say "hi"' }, { role: "assistant", content: "Hi, there" }] },
      { messages: [{ role: "user", content: "List two fruits" }, { role: "assistant", content: "apple,\r\npear" }] },
    ]);
    expect(csv.problems).toEqual([{ line: 4, reason: "row has 2 fields, the header has 3" }]);
    expect(convertContribution(file("qa.csv"), "csv").examples).toEqual([{ messages: [{ role: "user", content: "Who wrote Hamlet?" }, { role: "assistant", content: "Shakespeare" }] }]);
    expect(convertContribution(file("unknown-columns.csv"), "csv").refused).toMatch(/names no known columns/);
  });

  it("refuses pdf, images, audio and text that is not UTF-8, saying why", () => {
    expect(convertContribution(file("paper.pdf"), "pdf").refused).toMatch(/pdf needs text extraction/);
    expect(convertContribution(file("pixel.png"), "png").refused).toMatch(/image format/);
    expect(convertContribution(file("tone.wav"), "wav").refused).toMatch(/audio format/);
    expect(convertContribution(file("latin1.txt"), "txt").refused).toMatch(/not valid UTF-8/);
    expect(convertContribution(file("pixel.png"), "txt").refused).toMatch(/not valid UTF-8|NUL/);
  });
});

describe("buildDataset", () => {
  it("verifies, converts and weighs every contribution, and the manifest root is the registry's", async () => {
    const engine = await testEngine();
    const base = await engine.loadBaseModel(engine.SHIPPED_BASE_MODEL_DIR);
    const store = new Map<string, Uint8Array>();
    const contributions: AcceptedContribution[] = [];
    const names = readdirSync(DATA).sort();
    for (const [i, name] of names.entries()) {
      const bytes = file(name);
      const cid = (await computeCid(bytes)).toString();
      store.set(cid, bytes);
      const { digest, codec } = toOnchainCid(cid);
      const contributor = `0x${(i + 1).toString(16).padStart(40, "0")}` as Address;
      contributions.push({ contributionId: keccak256(new TextEncoder().encode(name)), datanetId: 1, contributor, digest, codec, format: formatOf(name), size: bytes.length });
    }
    // One contribution whose stored bytes were swapped: it must be refused, not trained on.
    const tampered = file("notes.txt");
    const tamperedCid = (await computeCid(tampered)).toString();
    const forged = { ...toOnchainCid((await computeCid(new TextEncoder().encode("other bytes"))).toString()) };
    const forgedCid = (await computeCid(new TextEncoder().encode("other bytes"))).toString();
    store.set(forgedCid, tampered);
    contributions.push({ contributionId: keccak256(new TextEncoder().encode("forged")), datanetId: 1, contributor: "0x00000000000000000000000000000000000000ff", ...forged, format: 0, size: tampered.length });
    expect(tamperedCid).not.toBe(forgedCid);

    const built = await buildDataset({ contributions, tokenizer: base.tokenizer, datanetIds: [1], block: 42, maxSeqLen: 512, fetchBytes: async (cid) => { const b = store.get(cid); if (!b) throw new Error("not found"); return b; } });
    const byName = new Map(built.report.map((r) => [names.find((n) => keccak256(new TextEncoder().encode(n)) === r.contributionId) ?? "forged", r]));
    expect(built.report).toHaveLength(names.length + 1);
    for (const used of ["notes.txt", "rivers.md", "alpaca.jsonl", "sharegpt.jsonl", "messages.jsonl", "alpaca.csv", "qa.csv"]) expect(byName.get(used)?.status, used).toBe("used");
    for (const refused of ["paper.pdf", "pixel.png", "tone.wav", "latin1.txt", "unknown-columns.csv", "forged"]) {
      expect(byName.get(refused)?.status, refused).toBe("refused");
      expect(byName.get(refused)?.reason, refused).toBeTruthy();
    }
    expect(byName.get("forged")!.reason).toMatch(/do not match the CID/);
    expect(byName.get("messages.jsonl")!.problems).toHaveLength(3);
    expect(built.examples).toHaveLength(1 + 1 + 2 + 2 + 2 + 2 + 1);

    // The report counts the tokens of each contribution's examples with the base model's tokenizer.
    const notes = byName.get("notes.txt")!;
    expect(notes.tokens).toBe(base.tokenizer.encode("The capital of France is Paris.\nParis lies on the Seine.\n").length + 1); // + end of text
    const qa = convertContribution(file("qa.csv"), "csv").examples;
    expect(byName.get("qa.csv")!.tokens).toBe(qa.reduce((s, e) => s + exampleTokens(base.tokenizer, e), 0));

    const manifest = parseManifest(JSON.stringify(built.manifest));
    expect(manifest.leaves).toHaveLength(7);
    expect(manifest.block).toBe(42);
    // Each leaf weighs its contribution's size in bytes, the attribution rule the registry enforces.
    expect(manifest.weighting).toBe("accepted-bytes");
    const used = built.report.filter((r) => r.status === "used");
    expect(manifest.leaves.map((l) => l.weight).sort()).toEqual(used.map((r) => String(r.size)).sort());
    expect(manifest.totalWeight).toBe(String(used.reduce((s, r) => s + r.size, 0)));
    // The root verifies a leaf exactly as ModelRegistry.leafOf + OpenZeppelin MerkleProof do.
    const leaf = manifest.leaves[0]!;
    const { proof } = leafProof(manifest, leaf.contributionId);
    let node = keccak256(concat([keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "address" }, { type: "uint256" }], [leaf.contributionId, leaf.contributor, BigInt(leaf.weight)]))]));
    for (const sibling of proof) node = keccak256(concat(node.toLowerCase() < sibling.toLowerCase() ? [node, sibling] : [sibling, node]) as Hex);
    expect(node).toBe(manifest.root);
    base.dispose();
  });

  it("fails with the report when nothing is usable", async () => {
    const engine = await testEngine();
    const base = await engine.loadBaseModel(engine.SHIPPED_BASE_MODEL_DIR);
    const bytes = file("pixel.png");
    const cid = (await computeCid(bytes)).toString();
    const run = buildDataset({
      contributions: [{ contributionId: keccak256("0x01"), datanetId: 3, contributor: "0x0000000000000000000000000000000000000001", ...toOnchainCid(cid), format: "png", size: bytes.length }],
      tokenizer: base.tokenizer, datanetIds: [3], block: 1, maxSeqLen: 64, fetchBytes: async () => bytes,
    });
    await expect(run).rejects.toThrow(DatasetError);
    await expect(run).rejects.toThrow(/no accepted contribution could be used/);
    base.dispose();
  });

  it("splits long text to the training window and counts only what the model trains on", async () => {
    const engine = await testEngine();
    const base = await engine.loadBaseModel(engine.SHIPPED_BASE_MODEL_DIR);
    const count = (t: string) => base.tokenizer.encode(t).length;
    const long = Array.from({ length: 40 }, (_, i) => `Line ${i}: the quick brown fox jumps over the lazy dog.\n`).join("") + "x".repeat(300);
    const pieces = chunkText(long, count, 16);
    expect(pieces.join("")).toBe(long);
    expect(pieces.length).toBeGreaterThan(10);
    for (const p of pieces) expect(count(p)).toBeLessThanOrEqual(16);

    const chat = { messages: [{ role: "user" as const, content: "word ".repeat(40) }, { role: "assistant" as const, content: "ok" }] };
    const fitted = fitToWindow(base.tokenizer, [{ text: long }, chat], 16);
    expect(fitted.examples).toHaveLength(pieces.length); // the chat's reply starts beyond 16 tokens
    expect(fitted.problems).toEqual([{ reason: expect.stringMatching(/^example 2: the first assistant reply starts after \d+ tokens, beyond maxSeqLen 16/) }]);
    expect(fitted.tokens).toBe(pieces.reduce((sum, p) => sum + Math.min(count(p) + 1, 17), 0));
    const wide = fitToWindow(base.tokenizer, [{ text: long }, chat], 4096);
    expect(wide.examples).toEqual([{ text: long }, chat]);
    expect(wide.tokens).toBe(count(long) + 1 + exampleTokens(base.tokenizer, chat));
    base.dispose();
  });
});
