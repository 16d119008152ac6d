// The file checks against generated files: every valid variant of every format passes, and broken
// ones (truncated, appended to, bit-flipped, with oversized lengths, hostile ZIPs) are refused with a
// rule name, without an exception, in bounded time.
import { describe, expect, it } from "vitest";
import { detectFormat, parseFormat, type Detection, type FormatName } from "@openledger/sdk";
import { appended, bitFlips, concat, docxParts, oversizedLengths, text, truncations, validVariants, zipSync, type Mutant } from "./fixtures/generate-files.ts";

const variants = validVariants();
const binary = variants.filter((v) => !["txt", "md", "jsonl", "csv"].includes(v.format));
/** Formats whose structure fixes where the file ends, so any cut or addition shows. */
const END_KNOWN: FormatName[] = ["png", "jpeg", "webp", "wav", "bmp", "tiff", "pdf", "docx"];
/** Formats whose every byte is covered by a checksum or a length that chains (a ZIP's headers are not). */
const CHECKSUMMED: FormatName[] = ["png"];
const whitespaceOnly = (b: Uint8Array) => b.every((c) => c === 0x0a || c === 0x0d || c === 0x20);

function check(bytes: Uint8Array, format?: FormatName): Detection {
  let detection: Detection | undefined;
  expect(() => (detection = detectFormat(bytes, format === undefined ? undefined : parseFormat(format)))).not.toThrow();
  return detection!;
}

function expectRefused(format: FormatName, m: Mutant): void {
  const claimed = check(m.bytes, format);
  expect(claimed.ok, `${format} ${m.name} was accepted`).toBe(false);
  if (!claimed.ok) expect(claimed.problem.rule).toMatch(/^[a-z0-9-]+$/);
  // Unclaimed, broken bytes are refused, or (when they happen to be text) judged as text.
  const open = check(m.bytes);
  if (open.ok) expect(["txt", "md", "jsonl", "csv"]).toContain(["txt", "md", "jsonl", "csv"][open.format] ?? String(open.format));
}

describe("file checks on generated files", () => {
  it("passes every valid variant, claimed and unclaimed", () => {
    for (const v of variants) {
      expect(check(v.bytes, v.format), v.name).toEqual({ ok: true, format: parseFormat(v.format) });
      const open = check(v.bytes);
      expect(open.ok, v.name).toBe(true);
      if (!["txt", "md"].includes(v.format)) expect(open, v.name).toEqual({ ok: true, format: parseFormat(v.format) });
    }
  });

  it("refuses every truncation of a format whose end is known, and never throws on the others", () => {
    for (const v of binary) {
      for (const m of truncations(v.bytes)) {
        // A PDF may lose the line break after %%EOF and stay whole.
        if (v.format === "pdf" && whitespaceOnly(v.bytes.subarray(m.bytes.length))) continue;
        // A streaming WAV's audio runs to wherever the file ends.
        if ((END_KNOWN.includes(v.format) || m.bytes.length <= 50) && !v.name.includes("streaming")) expectRefused(v.format, m);
        else check(m.bytes, v.format);
      }
    }
  });

  it("refuses data appended to a file whose end is known (polyglots)", () => {
    for (const v of binary.filter((x) => (END_KNOWN.includes(x.format) || x.format === "mp3") && !x.name.includes("streaming"))) {
      // A TIFF's directories point into the file, so bytes after the last strip are unreferenced, not wrong.
      for (const m of appended(v.bytes)) if (v.format !== "tiff") expectRefused(v.format, m);
    }
  });

  it("refuses bit flips where a checksum covers the bytes, and never throws on any", () => {
    for (const v of binary) {
      for (const m of bitFlips(v.bytes)) {
        if (CHECKSUMMED.includes(v.format)) expectRefused(v.format, m);
        else check(m.bytes, v.format);
      }
    }
  });

  it("refuses oversized length fields", () => {
    for (const v of binary) for (const m of oversizedLengths(v.format, v.bytes)) expectRefused(v.format, m);
  });

  it("refuses hostile and incomplete DOCX packages", () => {
    const parts = docxParts();
    const pack = (files: Record<string, Uint8Array>) => zipSync(files, { level: 6 });
    const refused = (bytes: Uint8Array, rule: string) => {
      const d = check(bytes, "docx");
      expect(d.ok ? "accepted" : d.problem.rule).toBe(rule);
    };
    refused(pack({ ...parts, "../evil.sh": text("x") }), "unsafe-entry-name");
    refused(pack({ ...parts, "/etc/passwd": text("x") }), "unsafe-entry-name");
    refused(pack({ ...parts, "C:/x.txt": text("x") }), "unsafe-entry-name");
    refused(pack({ ...parts, "big.bin": new Uint8Array(5 * 1024 * 1024) }), "zip-bomb");
    refused(pack({ "_rels/.rels": parts["_rels/.rels"]!, "word/document.xml": parts["word/document.xml"]! }), "missing-part");
    refused(pack({ "[Content_Types].xml": parts["[Content_Types].xml"]!, "_rels/.rels": parts["_rels/.rels"]! }), "missing-part");
    refused(pack({ ...parts, "word/document.xml": text("<w:document xmlns:w='x'><w:body></w:document>") }), "invalid-xml");
    refused(pack({ ...parts, "word/document.xml": text("<w:document xmlns:w='x'><w:p/></w:document>") }), "invalid-structure");
    refused(pack({ ...parts, "word/document.xml": text("<!DOCTYPE d [<!ENTITY a 'b'>]><d/>") }), "invalid-xml");
    const encrypted = pack(parts);
    // Set the encryption flag in every local and central header.
    for (let i = 0; i + 4 < encrypted.length; i++) {
      if (encrypted[i] === 0x50 && encrypted[i + 1] === 0x4b && encrypted[i + 2] === 3 && encrypted[i + 3] === 4) encrypted[i + 6]! |= 1;
      if (encrypted[i] === 0x50 && encrypted[i + 1] === 0x4b && encrypted[i + 2] === 1 && encrypted[i + 3] === 2) encrypted[i + 8]! |= 1;
    }
    refused(encrypted, "encrypted-entry");
    refused(concat(new Uint8Array(16), pack(parts)), "format-mismatch");
  });

  it("judges text by its content, whatever signature it starts with", () => {
    expect(check(text("  \n\t \n"))).toMatchObject({ ok: false, problem: { rule: "empty" } });
    expect(check(text("a\u0000b"), "txt")).toMatchObject({ ok: false, problem: { rule: "binary-text" } });
    expect(check(Uint8Array.from([0x61, 0xc3, 0x28]), "txt")).toMatchObject({ ok: false, problem: { rule: "invalid-utf8" } });
    expect(check(text("PK,name\n1,a\n"), "csv")).toEqual({ ok: true, format: parseFormat("csv") });
  });

  it("checks a 10 MiB file of each binary format in linear time", () => {
    for (const v of binary.filter((x) => x.name.endsWith("-1"))) {
      const big = concat(v.bytes, new Uint8Array(10 * 1024 * 1024).fill(0x41));
      const started = performance.now();
      check(big, v.format);
      expect(performance.now() - started, v.format).toBeLessThan(2000);
    }
  });
});
