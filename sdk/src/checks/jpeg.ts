// JPEG: SOI, marker segments whose lengths chain, a frame header (SOFn) with non-zero dimensions
// and legal components, Huffman (DHT) and quantisation (DQT) tables that fill their segments, with
// Huffman code lengths that a canonical code can hold, at least one scan (SOS) over components of
// the frame, and EOI; after EOI only padding bytes. The entropy-coded data itself is not decoded.
import { problem, truncated, u16be, u8, type CheckResult } from "./bytes.ts";

export const JPEG_SIGNATURE = [0xff, 0xd8, 0xff] as const;

const EOI = 0xd9;
const SOS = 0xda;
/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
const isFrameHeader = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
/** Markers that stand alone, without a length: TEM and RST0–RST7. */
const isStandalone = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd7);

/** The offset just past the entropy-coded data of a scan that starts at `o`: the next real marker. */
function skipScan(b: Uint8Array, o: number): number {
  while (o + 1 < b.length) {
    if (b[o] === 0xff) {
      const next = b[o + 1]!;
      if (next !== 0x00 && !(next >= 0xd0 && next <= 0xd7) && next !== 0xff) return o;
    }
    o++;
  }
  return b.length;
}

const DHT = 0xc4;
const DQT = 0xdb;

/** DHT: one or more tables, each a class and id, 16 code-length counts and that many symbols. */
function checkHuffmanTables(b: Uint8Array, o: number, length: number, start: number): CheckResult {
  const end = o + length;
  let at = o + 2;
  if (at === end) return problem("invalid-structure", `the JPEG Huffman table segment at byte ${start} holds no table`);
  while (at < end) {
    if (at + 17 > end) return problem("invalid-structure", `the JPEG Huffman table at byte ${at} needs 17 bytes of header; its segment ends at byte ${end}`);
    const tableClass = u8(b, at) >> 4;
    const id = u8(b, at) & 0xf;
    if (tableClass > 1 || id > 3) return problem("invalid-structure", `the JPEG Huffman table at byte ${at} has class ${tableClass} and id ${id}; the class must be 0 or 1 and the id 0–3`);
    // Canonical codes as libjpeg assigns them: after the codes of each length, the next code must
    // still fit in that many bits (the all-ones code is never used).
    let symbols = 0;
    let code = 0;
    for (let bits = 1; bits <= 16; bits++) {
      const count = u8(b, at + bits);
      symbols += count;
      code += count;
      if (count > 0 && code >= 1 << bits) return problem("invalid-structure", `the JPEG Huffman table at byte ${at} declares more codes of ${bits} bits or fewer than a prefix code can hold`);
      code <<= 1;
    }
    if (symbols === 0 || symbols > 256) return problem("invalid-structure", `the JPEG Huffman table at byte ${at} declares ${symbols} symbols; it must have 1–256`);
    if (at + 17 + symbols > end) return problem("invalid-structure", `the JPEG Huffman table at byte ${at} declares ${symbols} symbols, past the end of its segment at byte ${end}`);
    if (tableClass === 0) {
      for (let i = 0; i < symbols; i++) {
        if (u8(b, at + 17 + i) > 16) return problem("invalid-structure", `the JPEG DC Huffman table at byte ${at} has the symbol ${u8(b, at + 17 + i)}; DC symbols are bit counts of at most 16`);
      }
    }
    at += 17 + symbols;
  }
  return undefined;
}

/** DQT: one or more tables of 64 values, 8 or 16 bits each. */
function checkQuantisationTables(b: Uint8Array, o: number, length: number, start: number): CheckResult {
  const end = o + length;
  let at = o + 2;
  if (at === end) return problem("invalid-structure", `the JPEG quantisation table segment at byte ${start} holds no table`);
  while (at < end) {
    const precision = u8(b, at) >> 4;
    const id = u8(b, at) & 0xf;
    if (precision > 1 || id > 3) return problem("invalid-structure", `the JPEG quantisation table at byte ${at} has precision ${precision} and id ${id}; the precision must be 0 or 1 and the id 0–3`);
    const size = 1 + 64 * (precision + 1);
    if (at + size > end) return problem("invalid-structure", `the JPEG quantisation table at byte ${at} needs ${size} bytes; its segment ends at byte ${end}`);
    at += size;
  }
  return undefined;
}

/** SOS: 1–4 components, each one of the frame's, and the segment exactly that long. */
function checkScanHeader(b: Uint8Array, o: number, length: number, start: number, components: ReadonlySet<number>): CheckResult {
  const count = length >= 3 ? u8(b, o + 2) : 0;
  if (count < 1 || count > 4 || length !== 6 + 2 * count) {
    return problem("invalid-structure", `the JPEG scan header at byte ${start} declares ${count} components in ${length} bytes; it must be 1–4 components in 6 + 2 per component`);
  }
  for (let i = 0; i < count; i++) {
    const id = u8(b, o + 3 + 2 * i);
    if (!components.has(id)) return problem("invalid-structure", `the JPEG scan header at byte ${start} names component ${id}, which the frame header does not declare`);
  }
  return undefined;
}

function checkFrame(b: Uint8Array, o: number, length: number): CheckResult {
  if (length < 8) return problem("invalid-structure", `the JPEG frame header at byte ${o} is ${length} bytes; it needs at least 8`);
  const height = u16be(b, o + 3);
  const width = u16be(b, o + 5);
  const components = u8(b, o + 7);
  // A height of 0 means "given by a DNL marker later" in the standard; no common writer uses it.
  if (width === 0 || height === 0) return problem("invalid-structure", `the JPEG frame header declares ${width}×${height} pixels; both must be non-zero`);
  if (components === 0 || length !== 8 + 3 * components) {
    return problem("invalid-structure", `the JPEG frame header declares ${components} components in ${length} bytes; it must be 8 + 3 per component`);
  }
  for (let i = 0; i < components; i++) {
    const at = o + 8 + 3 * i;
    const h = u8(b, at + 1) >> 4;
    const v = u8(b, at + 1) & 0xf;
    const table = u8(b, at + 2);
    if (h < 1 || h > 4 || v < 1 || v > 4 || table > 3) {
      return problem("invalid-structure", `the JPEG frame header's component ${u8(b, at)} has sampling ${h}×${v} and quantisation table ${table}; sampling factors must be 1–4 and the table 0–3`);
    }
  }
  return undefined;
}

/** The component ids a frame header at `o` declares. */
function frameComponents(b: Uint8Array, o: number): Set<number> {
  const ids = new Set<number>();
  for (let i = 0; i < u8(b, o + 7); i++) ids.add(u8(b, o + 8 + 3 * i));
  return ids;
}

export function checkJpeg(b: Uint8Array): CheckResult {
  let o = 2;
  let frame = false;
  let components: Set<number> = new Set();
  let scans = 0;
  while (true) {
    if (o >= b.length) return problem("truncated", `the JPEG ends at byte ${b.length} without an end-of-image marker (FFD9)`);
    if (b[o] !== 0xff) return problem("invalid-structure", `the JPEG has byte 0x${u8(b, o).toString(16)} at ${o} where a marker (FF) must start`);
    while (b[o] === 0xff && o < b.length) o++; // fill bytes
    if (o >= b.length) return problem("truncated", `the JPEG ends at byte ${b.length} without an end-of-image marker (FFD9)`);
    const marker = b[o]!;
    const start = o - 1;
    o++;
    if (marker === EOI) return checkEnd(b, o, frame, scans);
    if (isStandalone(marker)) continue;
    if (marker === 0x00 || marker === 0xd8) return problem("invalid-structure", `the JPEG has the marker FF${marker.toString(16).padStart(2, "0")} at byte ${start}, where it cannot stand`);
    if (o + 2 > b.length) return truncated(`the JPEG segment FF${marker.toString(16)} at byte ${start}`, o + 2, b.length);
    const length = u16be(b, o);
    if (length < 2) return problem("invalid-structure", `the JPEG segment FF${marker.toString(16)} at byte ${start} declares length ${length}; the minimum is 2`);
    if (o + length > b.length) return truncated(`the JPEG segment FF${marker.toString(16)} at byte ${start}`, o + length, b.length);
    if (isFrameHeader(marker)) {
      const bad = checkFrame(b, o, length);
      if (bad) return bad;
      frame = true;
      components = frameComponents(b, o);
    }
    const table = marker === DHT ? checkHuffmanTables(b, o, length, start) : marker === DQT ? checkQuantisationTables(b, o, length, start) : undefined;
    if (table) return table;
    if (marker === SOS) {
      if (!frame) return problem("invalid-structure", `the JPEG has a scan (SOS) at byte ${start} before any frame header (SOFn)`);
      const bad = checkScanHeader(b, o, length, start, components);
      if (bad) return bad;
    }
    o += length;
    if (marker === SOS) {
      scans++;
      o = skipScan(b, o);
    }
  }
}

function checkEnd(b: Uint8Array, end: number, frame: boolean, scans: number): CheckResult {
  if (!frame) return problem("invalid-structure", "the JPEG has no frame header (SOFn): it declares no image");
  if (scans === 0) return problem("invalid-structure", "the JPEG has no scan (SOS): it holds no image data");
  for (let i = end; i < b.length; i++) {
    if (b[i] !== 0x00 && b[i] !== 0xff) {
      return problem("trailing-data", `the JPEG ends at byte ${end} (EOI) but the file has ${b.length} bytes: data after an image is refused`);
    }
  }
  return undefined;
}
