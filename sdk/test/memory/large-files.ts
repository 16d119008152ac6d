// Files of about 10 MiB in every protocol format, valid under the file checks, and the peak memory
// of checking one in a fresh process: what `npm run bench:sdk` prints and the memory test asserts.
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { crc32 } from "node:zlib";
import { unzipSync, zipSync } from "fflate";
import type { FormatName } from "@openledger/sdk";
import { bmp, docx, pdf, png, sentence, shipped, tiff, wav } from "@openledger/sdk/samples";

export const LARGE_FILE_SIZE = 10 * 1024 * 1024;
/** The issue's target: checking a 10 MiB file peaks under 100 MB of resident memory. */
export const PEAK_RSS_TARGET_MB = 100;

const encoder = new TextEncoder();

/** Text of about `size` bytes, built from numbered lines. */
function lines(size: number, line: (i: number) => string, header = ""): Uint8Array {
  const parts: string[] = [header];
  let length = header.length;
  for (let i = 0; length < size; i++) {
    const l = line(i);
    parts.push(l);
    length += l.length;
  }
  return encoder.encode(parts.join(""));
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A JPEG grown with comment segments (each at most 65,535 bytes) right after its SOI marker. */
function largeJpeg(size: number): Uint8Array {
  const base = shipped("jpeg", 1);
  const comments: Uint8Array[] = [];
  for (let grown = base.length; grown < size; grown += 65_535 + 2) {
    const segment = new Uint8Array(65_535 + 2);
    segment.set([0xff, 0xfe, 0xff, 0xff]);
    segment.fill(0x20, 4);
    comments.push(segment);
  }
  return concat([base.subarray(0, 2), ...comments, base.subarray(2)]);
}

/** The sample PNG grown with a private ancillary chunk before IEND (its pixels compress too well to grow it). */
function largePng(size: number): Uint8Array {
  const base = png(1, 256, 256);
  const body = new Uint8Array(4 + size - base.length);
  body.set(encoder.encode("zzZz"));
  body.fill(0x2e, 4);
  const chunk = new Uint8Array(4 + body.length + 4);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, body.length - 4);
  chunk.set(body, 4);
  view.setUint32(4 + body.length, crc32(body));
  return concat([base.subarray(0, base.length - 12), chunk, base.subarray(base.length - 12)]);
}

/** A FLAC grown with one PADDING metadata block right after STREAMINFO. */
function largeFlac(size: number): Uint8Array {
  const base = shipped("flac", 1);
  const afterStreamInfo = 4 + 4 + 34;
  const length = Math.min(size - base.length, (1 << 24) - 1);
  const header = new Uint8Array([0x01, (length >>> 16) & 0xff, (length >>> 8) & 0xff, length & 0xff]);
  const rest = base.slice(afterStreamInfo);
  const streamInfo = base.slice(4, afterStreamInfo);
  streamInfo[0] = streamInfo[0]! & 0x7f; // STREAMINFO is no longer the last metadata block
  return concat([base.subarray(0, 4), streamInfo, header, new Uint8Array(length), rest]);
}

/** The sample MP3 (frames only, no tags) repeated: its frames chain across the copies. */
function largeMp3(size: number): Uint8Array {
  const base = shipped("mp3", 1);
  return concat(Array.from({ length: Math.floor(size / base.length) }, () => base));
}

/** The sample WebP (a simple VP8 image) as an extended WebP: VP8X, the VP8 chunk, then an XMP chunk of `size` bytes in all. */
function largeWebp(size: number): Uint8Array {
  const base = shipped("webp", 1);
  const vp8 = base.subarray(12); // the "VP8 " chunk, header included
  const width = (vp8[14]! | (vp8[15]! << 8)) & 0x3fff;
  const height = (vp8[16]! | (vp8[17]! << 8)) & 0x3fff;
  const vp8x = new Uint8Array(18);
  vp8x.set(encoder.encode("VP8X"));
  new DataView(vp8x.buffer).setUint32(4, 10, true);
  vp8x[8] = 0x04; // the XMP flag
  for (const [at, value] of [[12, width - 1], [15, height - 1]] as const) vp8x.set([value & 0xff, (value >> 8) & 0xff, (value >> 16) & 0xff], at);
  const xmpSize = (size - 12 - vp8x.length - vp8.length - 8) & ~1;
  const xmp = new Uint8Array(8 + xmpSize);
  xmp.set(encoder.encode("XMP "));
  new DataView(xmp.buffer).setUint32(4, xmpSize, true);
  xmp.fill(0x20, 8);
  const header = new Uint8Array(12);
  header.set(encoder.encode("RIFF"));
  new DataView(header.buffer).setUint32(4, 4 + vp8x.length + vp8.length + xmp.length, true);
  header.set(encoder.encode("WEBP"), 8);
  return concat([header, vp8x, vp8, xmp]);
}

/** The sample DOCX with a main part of many paragraphs, repacked uncompressed. */
function largeDocx(size: number): Uint8Array {
  const parts = unzipSync(docx("x"));
  const paragraphs = Array.from({ length: Math.ceil(size / 110) }, (_, i) => `<w:p><w:r><w:t>${sentence(i)}</w:t></w:r></w:p>`).join("");
  const main = new TextDecoder().decode(parts["word/document.xml"]!).replace(/<w:body>.*<\/w:body>/, `<w:body>${paragraphs}</w:body>`);
  return zipSync({ ...parts, "word/document.xml": encoder.encode(main) }, { level: 0 });
}

/** A valid file of about 10 MiB (or whatever the format allows) in `format`. */
export function largeFile(format: FormatName, size = LARGE_FILE_SIZE): Uint8Array {
  switch (format) {
    case "txt":
      return lines(size, (i) => `${sentence(i)}\n`);
    case "md":
      return lines(size, (i) => (i % 20 === 0 ? `\n## Section ${i / 20}\n\n` : `- ${sentence(i)}\n`), "# Notes\n");
    case "jsonl":
      return lines(size, (i) => `${JSON.stringify({ instruction: `Question ${i}?`, input: "", output: sentence(i) })}\n`);
    case "csv":
      return lines(size, (i) => `${i},"Question ${i}?","${sentence(i)}"\n`, "id,prompt,response\n");
    case "pdf":
      return pdf(Array.from({ length: size / 90 }, (_, i) => sentence(i)).join(" "));
    case "docx":
      return largeDocx(size);
    case "png":
      return largePng(size);
    case "bmp":
      return bmp(1, 1860, 1860);
    case "tiff":
      return tiff(1, 1860, 1860);
    case "wav":
      return wav(1, size / 16_000, 8000);
    case "jpeg":
      return largeJpeg(size);
    case "flac":
      return largeFlac(size);
    case "webp":
      return largeWebp(size);
    case "mp3":
      return largeMp3(size);
  }
}

const CHILD = path.join(import.meta.dirname, "check-file.ts");
const execFileAsync = promisify(execFile);

export interface ChildCheck {
  ok: boolean;
  format?: string;
  rule?: string;
  peakRssMb: number;
  checkRssMb: number;
  heapMb: number;
}

/**
 * Checks `file` in a fresh Node process; resolves to its verdict and peak resident memory in MB.
 * Asynchronous, so that several files can be checked side by side (each process measures itself).
 */
export async function checkInChild(file: string): Promise<ChildCheck> {
  try {
    const { stdout } = await execFileAsync(process.execPath, ["--disable-warning=ExperimentalWarning", CHILD, file], { encoding: "utf8", maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split("\n").pop()!) as ChildCheck;
  } catch (error) {
    const e = error as { code?: number; stderr?: string };
    throw new Error(`checking ${file} failed (exit ${e.code}):\n${e.stderr ?? String(error)}`);
  }
}

/** Writes the large file of `format` into `dir`; returns its path. */
export function writeLargeFile(dir: string, format: FormatName): string {
  const file = path.join(dir, `large.${format}`);
  writeFileSync(file, largeFile(format));
  return file;
}
