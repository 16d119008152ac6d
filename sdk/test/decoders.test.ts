// The file checks cross-checked against real decoders: Debian's Chromium decodes images
// (createImageBitmap: libpng, libjpeg-turbo, libwebp, its BMP reader) and audio (decodeAudioData:
// WAV, MP3, FLAC). Every valid variant must decode, and every broken file the checks accept (cut,
// appended to, with an oversized length, or bit-flipped) must decode too: the checks may be
// stricter than a decoder (a polyglot decodes, and is refused), never looser on structure. The
// formats Chromium cannot decode (TIFF, PDF, DOCX, text) are covered by file-checks.unit.test.ts.
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { detectFormat, parseFormat, type FormatName } from "@openledger/sdk";
import { appended, bitFlips, oversizedLengths, truncations, validVariants, type Mutant } from "./unit/fixtures/generate-files.ts";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const IMAGES: FormatName[] = ["png", "jpeg", "webp", "bmp"];
const AUDIO: FormatName[] = ["wav", "mp3", "flac"];

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--autoplay-policy=no-user-gesture-required"] });
  page = await browser.newPage();
  await page.setContent("<!doctype html><title>decoders</title>");
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** Chromium's verdict on each file: decoded (with its size in pixels or sample frames), or the decoder's error. */
async function decodeAll(kind: "image" | "audio", files: Uint8Array[]): Promise<({ ok: true; size: number } | { ok: false; error: string })[]> {
  return page.evaluate(
    async ([kind, encoded]) => {
      const out: ({ ok: true; size: number } | { ok: false; error: string })[] = [];
      for (const base64 of encoded) {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        try {
          if (kind === "image") {
            const bitmap = await createImageBitmap(new Blob([bytes]));
            out.push({ ok: true, size: bitmap.width * bitmap.height });
            bitmap.close();
          } else {
            const audio = await new OfflineAudioContext(1, 1, 44_100).decodeAudioData(bytes.buffer);
            out.push(audio.length > 0 ? { ok: true, size: audio.length } : { ok: false, error: "no samples" });
          }
        } catch (error) {
          out.push({ ok: false, error: String(error) });
        }
      }
      return out;
    },
    [kind, files.map((f) => Buffer.from(f).toString("base64"))] as const,
  );
}

const accepted = (format: FormatName, bytes: Uint8Array) => detectFormat(bytes, parseFormat(format)).ok;

describe("file checks against Chromium's decoders", () => {
  for (const format of [...IMAGES, ...AUDIO]) {
    const kind = IMAGES.includes(format) ? "image" : "audio";
    it(`${format}: every valid variant decodes; every structurally broken file the checks accept decodes too`, async () => {
      const variants = validVariants().filter((v) => v.format === format);
      expect(variants.length).toBeGreaterThanOrEqual(3);
      const decoded = await decodeAll(kind, variants.map((v) => v.bytes));
      for (const [i, v] of variants.entries()) {
        expect(accepted(format, v.bytes), `${v.name} passes the checks`).toBe(true);
        expect(decoded[i], `${v.name} decodes in Chromium`).toMatchObject({ ok: true });
      }

      const structural: (Mutant & { of: string })[] = variants.flatMap((v) =>
        [...truncations(v.bytes), ...appended(v.bytes), ...oversizedLengths(format, v.bytes)].map((m) => ({ ...m, of: v.name })),
      );
      const passing = structural.filter((m) => accepted(format, m.bytes));
      const verdicts = await decodeAll(kind, passing.map((m) => m.bytes));
      const looser = passing.flatMap((m, i) => (verdicts[i]!.ok ? [] : [`${m.of}, ${m.name}: ${JSON.stringify(verdicts[i])}`]));
      expect(looser, "files the checks accept but Chromium cannot decode").toEqual([]);
      // The checks are stricter where they should be: broken files that a decoder still shows.
      const refusedButDecoded = (await decodeAll(kind, structural.filter((m) => !accepted(format, m.bytes)).map((m) => m.bytes))).filter((d) => d.ok).length;
      console.log(`${format}: ${structural.length} cut/appended/oversized files, ${passing.length} accepted (all decode), ${refusedButDecoded} refused that Chromium still decodes`);
    }, 120_000);
  }

  it("bit flips: what the checks accept and Chromium does not decode is counted; none for PNG (CRCs) and JPEG (tables proven)", async () => {
    const lines: string[] = [];
    for (const format of [...IMAGES, ...AUDIO]) {
      const kind = IMAGES.includes(format) ? "image" : "audio";
      const flipped = validVariants()
        .filter((v) => v.format === format)
        .flatMap((v) => bitFlips(v.bytes).map((m) => ({ ...m, of: v.name })));
      const passing = flipped.filter((m) => accepted(format, m.bytes));
      const verdicts = await decodeAll(kind, passing.map((m) => m.bytes));
      const undecodable = verdicts.filter((d) => !d.ok).length;
      lines.push(`${format}: ${flipped.length} flipped, ${passing.length} accepted, ${undecodable} of those not decodable`);
      if (format === "png") expect(passing, "PNG bit flips the checks accept").toEqual([]);
      // A JPEG's tables (Huffman code lengths, quantisation, components) are proven, so a flip the
      // checks accept lands in coded data, which libjpeg decodes (to other pixels).
      if (format === "jpeg" || format === "flac") expect(undecodable, `${format} bit flips accepted but not decodable`).toBe(0);
    }
    console.log(lines.join("\n"));
  }, 120_000);
});
