// RIFF containers: WebP and WAV. A RIFF file is "RIFF", a size, a form type, then chunks (id, size,
// data, a pad byte when the size is odd) that must fill the declared size exactly.
import { ascii, problem, truncated, u16le, u32le, u8, u24be, type CheckResult } from "./bytes.ts";

export const isRiff = (b: Uint8Array, form: "WEBP" | "WAVE") => b.length >= 12 && ascii(b, 0, 4) === "RIFF" && ascii(b, 8, 4) === form;

interface Chunk {
  id: string;
  offset: number;
  data: number;
  size: number;
}

const STREAMING_SIZES = new Set([0, 0xffffffff]);

/**
 * Walks the chunks of a RIFF file up to `end`, calling `visit` on each; a visit that returns
 * "stop" ends the walk (a chunk that runs to the end of the file).
 */
function walkChunks(b: Uint8Array, name: string, end: number, visit: (c: Chunk) => CheckResult | "stop"): CheckResult {
  let o = 12;
  while (o < end) {
    if (o + 8 > end) return truncated(`the ${name} chunk header at byte ${o}`, o + 8, end);
    const chunk = { id: ascii(b, o, 4), offset: o, data: o + 8, size: u32le(b, o + 4) };
    if (!/^[\x20-\x7e]{4}$/.test(chunk.id)) return problem("invalid-structure", `the ${name} chunk at byte ${o} has the invalid id ${JSON.stringify(chunk.id)}`);
    const verdict = visit(chunk);
    if (verdict === "stop") return undefined;
    if (verdict) return verdict;
    const next = chunk.data + chunk.size + (chunk.size & 1);
    if (chunk.data + chunk.size > end) return truncated(`the ${name} chunk "${chunk.id}" at byte ${o}`, chunk.data + chunk.size, end);
    o = Math.min(next, end);
  }
  return undefined;
}

/** The end of the RIFF data the header declares, or a refusal when it disagrees with the file. */
function riffEnd(b: Uint8Array, name: string, allowStreaming: boolean): number | CheckResult {
  const size = u32le(b, 4);
  if (allowStreaming && STREAMING_SIZES.has(size)) return b.length;
  const declared = size + 8;
  if (declared > b.length) return problem("truncated", `the ${name} header declares ${declared} bytes but the file has ${b.length}: it is truncated`);
  if (declared < b.length && !(declared + 1 === b.length && size & 1)) {
    return problem("trailing-data", `the ${name} header declares ${declared} bytes but the file has ${b.length}: data after the RIFF form is refused`);
  }
  return declared;
}

// ─── WebP ───────────────────────────────────────────────────────────────────

function checkVp8(b: Uint8Array, c: Chunk): CheckResult {
  if (c.size < 10) return problem("invalid-structure", `the WebP VP8 chunk is ${c.size} bytes; a key frame header needs 10`);
  if ((u8(b, c.data) & 1) !== 0) return problem("invalid-structure", "the WebP VP8 bitstream does not start with a key frame");
  // The frame tag: key frame, version (0–3), shown, and the size of the first partition, which must
  // fit in the chunk after the 10-byte key frame header.
  const tag = u8(b, c.data) | (u8(b, c.data + 1) << 8) | (u8(b, c.data + 2) << 16);
  const version = (tag >> 1) & 7;
  const firstPartition = tag >>> 5;
  if (version > 3) return problem("invalid-structure", `the WebP VP8 frame declares version ${version}; VP8 has versions 0–3`);
  if (((tag >> 4) & 1) === 0) return problem("invalid-structure", "the WebP VP8 key frame is marked as not shown");
  if (firstPartition === 0 || firstPartition > c.size - 10) {
    return problem("invalid-structure", `the WebP VP8 frame's first partition is ${firstPartition} bytes; the chunk holds ${c.size - 10} after the frame header`);
  }
  if (u24be(b, c.data + 3) !== 0x9d012a) return problem("invalid-structure", "the WebP VP8 key frame lacks its start code (9D 01 2A)");
  const width = u16le(b, c.data + 6) & 0x3fff;
  const height = u16le(b, c.data + 8) & 0x3fff;
  if (width === 0 || height === 0) return problem("invalid-structure", `the WebP VP8 frame declares ${width}×${height} pixels; both must be non-zero`);
  return undefined;
}

function checkWebpImage(b: Uint8Array, c: Chunk): CheckResult {
  if (c.data + c.size > b.length) return undefined; // reported as truncated by the walk
  if (c.id === "VP8 ") return checkVp8(b, c);
  if (c.id === "VP8L") {
    if (c.size < 5 || u8(b, c.data) !== 0x2f) return problem("invalid-structure", "the WebP VP8L chunk lacks its signature byte (2F) or its 5-byte header");
    return undefined;
  }
  if (c.size < 10) return problem("invalid-structure", `the WebP VP8X chunk is ${c.size} bytes; it must be at least 10`);
  return undefined;
}

export function checkWebp(b: Uint8Array): CheckResult {
  const end = riffEnd(b, "WebP", false);
  if (typeof end !== "number") return end;
  let first = true;
  let extended = false;
  let image = false;
  const walked = walkChunks(b, "WebP", end, (c) => {
    if (first && !["VP8 ", "VP8L", "VP8X"].includes(c.id)) return problem("invalid-structure", `a WebP must start with a VP8, VP8L or VP8X chunk; the first is "${c.id}"`);
    const bad = first || (extended && (c.id === "VP8 " || c.id === "VP8L")) ? checkWebpImage(b, c) : undefined;
    if (first) extended = c.id === "VP8X";
    if (c.id === "VP8 " || c.id === "VP8L" || c.id === "ANMF") image = true;
    first = false;
    return bad;
  });
  if (walked) return walked;
  if (first) return problem("invalid-structure", "the WebP holds no chunk: no VP8, VP8L or VP8X image");
  if (!image) return problem("invalid-structure", "the extended WebP (VP8X) holds no image chunk (VP8, VP8L or ANMF)");
  return undefined;
}

// ─── WAV ────────────────────────────────────────────────────────────────────

interface WaveFormat {
  code: number;
  channels: number;
  blockAlign: number;
}

const PCM = 1;
const FLOAT = 3;
const EXTENSIBLE = 0xfffe;

function readFmt(b: Uint8Array, c: Chunk): WaveFormat | CheckResult {
  if (c.size < 16) return problem("invalid-structure", `the WAV fmt chunk is ${c.size} bytes; it must be at least 16`);
  if (c.data + 16 > b.length) return truncated("the WAV fmt chunk", c.data + 16, b.length);
  const code = u16le(b, c.data);
  const channels = u16le(b, c.data + 2);
  const rate = u32le(b, c.data + 4);
  const byteRate = u32le(b, c.data + 8);
  const blockAlign = u16le(b, c.data + 12);
  const bits = u16le(b, c.data + 14);
  if (code === 0) return problem("invalid-structure", "the WAV format code is 0 (unknown)");
  if (channels === 0 || rate === 0 || blockAlign === 0) {
    return problem("invalid-structure", `the WAV fmt chunk declares ${channels} channels, ${rate} Hz and ${blockAlign}-byte frames; none may be 0`);
  }
  if (code === EXTENSIBLE && c.size < 40) return problem("invalid-structure", `the extensible WAV fmt chunk is ${c.size} bytes; it must be at least 40`);
  if (code === PCM || code === FLOAT || code === EXTENSIBLE) {
    const legalBits = code === FLOAT ? [32, 64] : code === PCM ? [8, 16, 24, 32] : [8, 16, 20, 24, 32, 64];
    if (!legalBits.includes(bits)) return problem("invalid-structure", `the WAV declares ${bits} bits per sample, not legal for format ${code}`);
    const frame = channels * Math.ceil(bits / 8);
    if (blockAlign !== frame) return problem("invalid-structure", `the WAV frame size is ${blockAlign} bytes; ${channels} channels of ${bits} bits need ${frame}`);
    if (byteRate !== rate * blockAlign) return problem("invalid-structure", `the WAV byte rate is ${byteRate}; ${rate} Hz × ${blockAlign} bytes is ${rate * blockAlign}`);
  }
  return { code, channels, blockAlign };
}

export function checkWav(b: Uint8Array): CheckResult {
  const end = riffEnd(b, "WAV", true);
  if (typeof end !== "number") return end;
  let format: WaveFormat | undefined;
  let audio = -1;
  const walked = walkChunks(b, "WAV", end, (c) => {
    if (c.id === "fmt ") {
      if (format) return problem("invalid-structure", `the WAV has a second fmt chunk at byte ${c.offset}`);
      const read = readFmt(b, c);
      if (!read || "rule" in read) return read;
      format = read;
    }
    if (c.id !== "data") return undefined;
    if (!format) return problem("invalid-structure", `the WAV's data chunk (byte ${c.offset}) comes before its fmt chunk`);
    if (audio >= 0) return problem("invalid-structure", `the WAV has a second data chunk at byte ${c.offset}`);
    if (STREAMING_SIZES.has(c.size)) {
      audio = b.length - c.data; // a streaming encoder's placeholder: the audio runs to the end
      return "stop";
    }
    audio = c.size;
    return undefined;
  });
  if (walked) return walked;
  if (!format) return problem("invalid-structure", "the WAV has no fmt chunk");
  if (audio < 0) return problem("invalid-structure", "the WAV has no data chunk: it holds no audio");
  if (audio < format.blockAlign) return problem("invalid-structure", `the WAV holds ${audio} bytes of audio, less than one ${format.blockAlign}-byte sample frame`);
  return undefined;
}
