// File formats and modalities of the protocol, and the detection of a file's format from its bytes.
//
// The enums, names and masks are the protocol's (@openledger/protocol, generated from the Solidity).
// A file's format is decided by its bytes, never by its name: binary formats by their signature
// and structure (a truncated file is refused), text formats by being valid UTF-8 without NUL
// bytes, jsonl by one JSON object per line, csv by a real header and rows of the same width. The
// text formats cannot all be told apart by bytes alone (any CSV is also text), so a claimed format
// (from `--format` or the file's extension) picks among the text formats the bytes validate as;
// a claim the bytes contradict (a PNG named `.txt`) is refused.

import { parseCsv } from "./csv.ts";
import { Format, formatName, TEXT_FORMAT_LIST } from "@openledger/protocol";

export {
  Format,
  FORMAT_NAMES,
  formatFromFileName,
  formatMask,
  formatName,
  formatsOfMask,
  Modality,
  MODALITY_FORMAT_MASKS,
  MODALITY_FORMATS,
  MODALITY_NAMES,
  modalityName,
  modalityOfFormat,
  parseFormat,
  parseModality,
  type FormatName,
  type ModalityName,
} from "@openledger/protocol";

const TEXT_FORMATS = TEXT_FORMAT_LIST;

/** Why bytes are not a usable file of a format: a rule name and a sentence for the user. */
export interface FormatProblem {
  rule: "unknown-format" | "truncated" | "invalid-utf8" | "binary-text" | "invalid-jsonl" | "invalid-csv" | "invalid-structure" | "format-mismatch";
  message: string;
}

export type Detection = { ok: true; format: Format } | { ok: false; problem: FormatProblem };

const u32le = (b: Uint8Array, o: number) => (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
const u32be = (b: Uint8Array, o: number) => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
const ascii = (b: Uint8Array, o: number, n: number) => String.fromCharCode(...b.subarray(o, o + n));
const startsWith = (b: Uint8Array, sig: number[]) => sig.every((x, i) => b[i] === x);

function bad(rule: FormatProblem["rule"], message: string): Detection {
  return { ok: false, problem: { rule, message } };
}

// ─── binary formats ─────────────────────────────────────────────────────────

function checkPng(b: Uint8Array): Detection {
  // Signature, then chunks (length, type, data, CRC) up to IEND.
  let offset = 8;
  let sawHeader = false;
  while (offset + 12 <= b.length) {
    const length = u32be(b, offset);
    const type = ascii(b, offset + 4, 4);
    if (!sawHeader && type !== "IHDR") return bad("invalid-structure", "a PNG must start with an IHDR chunk");
    sawHeader = true;
    const end = offset + 12 + length;
    if (end > b.length) return bad("truncated", `the PNG chunk ${type} needs ${length} bytes but the file ends ${end - b.length} bytes early`);
    if (type === "IEND") return { ok: true, format: Format.Png };
    offset = end;
  }
  return bad("truncated", "the PNG ends before its IEND chunk");
}

function checkJpeg(b: Uint8Array): Detection {
  let end = b.length;
  while (end > 2 && b[end - 1] === 0) end--; // some writers pad after the end marker
  if (b[end - 2] !== 0xff || b[end - 1] !== 0xd9) return bad("truncated", "the JPEG has no end-of-image marker (FFD9): it is truncated");
  return { ok: true, format: Format.Jpeg };
}

function checkRiff(b: Uint8Array, kind: "WEBP" | "WAVE"): Detection {
  const declared = u32le(b, 4) + 8;
  if (declared > b.length) return bad("truncated", `the ${kind === "WEBP" ? "WebP" : "WAV"} header declares ${declared} bytes but the file has ${b.length}`);
  if (kind === "WEBP") return { ok: true, format: Format.Webp };
  let offset = 12;
  let sawFmt = false;
  while (offset + 8 <= declared) {
    const id = ascii(b, offset, 4);
    const size = u32le(b, offset + 4);
    if (id === "fmt ") sawFmt = true;
    if (id === "data") {
      if (!sawFmt) return bad("invalid-structure", "the WAV has a data chunk before its fmt chunk");
      if (offset + 8 + size > b.length) {
        return bad("truncated", `the WAV data chunk declares ${size} bytes of audio but only ${b.length - offset - 8} are present`);
      }
      return { ok: true, format: Format.Wav };
    }
    offset += 8 + size + (size & 1);
  }
  return bad("truncated", "the WAV has no complete fmt and data chunks");
}

function checkTiff(b: Uint8Array): Detection {
  const little = b[0] === 0x49;
  const ifd = little ? u32le(b, 4) : u32be(b, 4);
  if (ifd < 8 || ifd + 2 > b.length) return bad("truncated", `the TIFF's first directory is at byte ${ifd}, beyond its ${b.length} bytes`);
  return { ok: true, format: Format.Tiff };
}

function checkBmp(b: Uint8Array): Detection {
  if (b.length < 26) return bad("truncated", "the BMP is shorter than its headers");
  const declared = u32le(b, 2);
  const pixels = u32le(b, 10);
  if (declared > b.length) return bad("truncated", `the BMP header declares ${declared} bytes but the file has ${b.length}`);
  if (pixels >= b.length) return bad("truncated", `the BMP's pixel data starts at byte ${pixels}, beyond its ${b.length} bytes`);
  return { ok: true, format: Format.Bmp };
}

const MP3_KBPS_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const MP3_KBPS_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];

/** The length of the MPEG Layer III frame whose header is at `o`, or 0 when there is none. */
function mp3FrameAt(b: Uint8Array, o: number): number {
  if (o + 4 > b.length || b[o] !== 0xff || (b[o + 1]! & 0xe0) !== 0xe0) return 0;
  const version = (b[o + 1]! >> 3) & 3; // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5, 1 reserved
  const layer = (b[o + 1]! >> 1) & 3; // 1 = Layer III
  const bitrateIndex = b[o + 2]! >> 4;
  const rateIndex = (b[o + 2]! >> 2) & 3;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return 0;
  const padding = (b[o + 2]! >> 1) & 1;
  const sampleRate = [44100, 48000, 32000][rateIndex]! / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const kbps = (version === 3 ? MP3_KBPS_V1 : MP3_KBPS_V2)[bitrateIndex]!;
  return Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / sampleRate) + padding;
}

function checkMp3(b: Uint8Array): Detection {
  let o = 0;
  if (ascii(b, 0, 3) === "ID3") {
    if (b.length < 10) return bad("truncated", "the MP3's ID3 tag is cut short");
    const size = ((b[6]! & 0x7f) << 21) | ((b[7]! & 0x7f) << 14) | ((b[8]! & 0x7f) << 7) | (b[9]! & 0x7f);
    o = 10 + size;
    if (o >= b.length) return bad("truncated", "the MP3 ends inside its ID3 tag, before any audio frame");
  }
  const first = mp3FrameAt(b, o);
  if (first === 0) return bad("invalid-structure", "no MPEG audio frame follows the MP3's header");
  if (o + first > b.length) return bad("truncated", `the first MP3 frame needs ${first} bytes but ${b.length - o} remain`);
  return { ok: true, format: Format.Mp3 };
}

function checkFlac(b: Uint8Array): Detection {
  if (b.length < 42) return bad("truncated", "the FLAC is shorter than its STREAMINFO block");
  if ((b[4]! & 0x7f) !== 0) return bad("invalid-structure", "a FLAC must start with a STREAMINFO block");
  return { ok: true, format: Format.Flac };
}

function checkPdf(b: Uint8Array): Detection {
  const tail = ascii(b, Math.max(0, b.length - 1024), Math.min(1024, b.length));
  if (!tail.includes("%%EOF")) return bad("truncated", "the PDF has no %%EOF marker at its end: it is truncated");
  return { ok: true, format: Format.Pdf };
}

function checkDocx(b: Uint8Array): Detection {
  // A ZIP with an end-of-central-directory record, holding word/document.xml.
  const tailStart = Math.max(0, b.length - 65_557);
  let eocd = -1;
  for (let i = b.length - 22; i >= tailStart; i--) {
    if (b[i] === 0x50 && b[i + 1] === 0x4b && b[i + 2] === 0x05 && b[i + 3] === 0x06) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) return bad("truncated", "the ZIP container has no end-of-central-directory record: it is truncated");
  const text = new TextDecoder("latin1").decode(b.subarray(0, Math.min(b.length, 1 << 22)));
  if (!text.includes("word/document.xml")) return bad("format-mismatch", "the ZIP holds no word/document.xml, so it is not a .docx document");
  return { ok: true, format: Format.Docx };
}

/** Detects a binary format from its signature; undefined when the bytes carry none we know. */
function detectBinary(b: Uint8Array): Detection | undefined {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return checkPng(b);
  if (startsWith(b, [0xff, 0xd8, 0xff])) return checkJpeg(b);
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WEBP") return checkRiff(b, "WEBP");
  if (b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === "WAVE") return checkRiff(b, "WAVE");
  if (b.length >= 8 && (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a]))) return checkTiff(b);
  if (b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d) return checkBmp(b);
  if (ascii(b, 0, 4) === "fLaC") return checkFlac(b);
  if (ascii(b, 0, 5) === "%PDF-") return checkPdf(b);
  if (startsWith(b, [0x50, 0x4b, 0x03, 0x04])) return checkDocx(b);
  if (ascii(b, 0, 3) === "ID3" || mp3FrameAt(b, 0) > 0) return checkMp3(b);
  return undefined;
}

// ─── text formats ───────────────────────────────────────────────────────────

function decodeText(b: Uint8Array): { ok: true; text: string } | { ok: false; problem: FormatProblem } {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    // Find the first offending byte for the message.
    let offset = 0;
    for (let lo = 0, hi = b.length; lo < hi; ) {
      const mid = (lo + hi) >> 1;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(0, mid), { stream: true });
        lo = mid + 1;
        offset = mid;
      } catch {
        hi = mid;
      }
    }
    return { ok: false, problem: { rule: "invalid-utf8", message: `the bytes are not valid UTF-8 text (first bad byte near offset ${offset})` } };
  }
  const nul = text.indexOf("\u0000");
  if (nul >= 0) return { ok: false, problem: { rule: "binary-text", message: `the text holds a NUL byte at offset ${nul}: it is binary data, not text` } };
  return { ok: true, text };
}

function checkJsonl(text: string): FormatProblem | undefined {
  const lines = text.split(/\r?\n/);
  let objects = 0;
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      return { rule: "invalid-jsonl", message: `line ${i + 1} is not valid JSON (${(error as Error).message})` };
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { rule: "invalid-jsonl", message: `line ${i + 1} is JSON but not an object; jsonl needs one JSON object per line` };
    }
    objects++;
  }
  if (objects === 0) return { rule: "invalid-jsonl", message: "the file holds no JSON object lines" };
  return undefined;
}

function checkCsv(text: string): FormatProblem | undefined {
  const parsed = parseCsv(text);
  if (parsed.error) return { rule: "invalid-csv", message: `the CSV cannot be parsed: line ${parsed.error.line}: ${parsed.error.message}` };
  const rows = parsed.rows.filter((r) => !(r.length === 1 && r[0] === ""));
  const header = rows[0];
  if (!header) return { rule: "invalid-csv", message: "the CSV is empty: it needs a header row" };
  const names = header.map((h) => h.trim());
  if (names.some((n) => n === "")) return { rule: "invalid-csv", message: "the CSV header has an empty column name" };
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) return { rule: "invalid-csv", message: `the CSV header names the column "${duplicate}" twice` };
  if (rows.length < 2) return { rule: "invalid-csv", message: "the CSV has a header but no data rows" };
  for (const [i, r] of rows.entries()) {
    if (r.length !== header.length) {
      return { rule: "invalid-csv", message: `CSV row ${i + 1} has ${r.length} fields; the header has ${header.length}` };
    }
  }
  return undefined;
}

/** Unclaimed text is taken for CSV only when its first line reads like a header of column names. */
function looksLikeCsv(text: string): boolean {
  const first = text.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const names = first.split(",").map((n) => n.trim().replace(/^"(.*)"$/, "$1"));
  const columnName = /^[A-Za-z_][A-Za-z0-9_.\- ]{0,39}$/;
  return names.length >= 2 && names.every((n) => columnName.test(n) && n.split(" ").length <= 3) && checkCsv(text) === undefined;
}

/**
 * Detects the format of `bytes`. With `claimed`, checks that the bytes are a valid file of that
 * format (and refuses a contradiction); without, picks the most specific format the bytes are.
 */
export function detectFormat(bytes: Uint8Array, claimed?: Format): Detection {
  const binary = detectBinary(bytes);
  if (binary) {
    if (!binary.ok) return binary;
    if (claimed !== undefined && claimed !== binary.format) {
      return bad("format-mismatch", `the bytes are a ${formatName(binary.format).toUpperCase()} file, not ${formatName(claimed)}`);
    }
    return binary;
  }
  if (claimed !== undefined && !TEXT_FORMATS.includes(claimed)) {
    return bad("format-mismatch", `the bytes do not start with the ${formatName(claimed).toUpperCase()} signature`);
  }
  const decoded = decodeText(bytes);
  if (!decoded.ok) {
    return claimed === undefined
      ? bad("unknown-format", `the bytes match no supported format (${decoded.problem.message})`)
      : { ok: false, problem: decoded.problem };
  }
  const text = decoded.text;
  if (claimed === Format.Jsonl) {
    const problem = checkJsonl(text);
    return problem ? { ok: false, problem } : { ok: true, format: Format.Jsonl };
  }
  if (claimed === Format.Csv) {
    const problem = checkCsv(text);
    return problem ? { ok: false, problem } : { ok: true, format: Format.Csv };
  }
  if (claimed !== undefined) return { ok: true, format: claimed };
  if (checkJsonl(text) === undefined) return { ok: true, format: Format.Jsonl };
  if (looksLikeCsv(text)) return { ok: true, format: Format.Csv };
  return { ok: true, format: Format.Txt };
}
