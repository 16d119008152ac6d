// JPEG: SOI, marker segments whose lengths chain, a frame header (SOFn) with non-zero dimensions,
// at least one scan (SOS and its entropy-coded data), and EOI; after EOI only padding bytes.
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
  return undefined;
}

export function checkJpeg(b: Uint8Array): CheckResult {
  let o = 2;
  let frame = false;
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
    }
    o += length;
    if (marker === SOS) {
      if (!frame) return problem("invalid-structure", `the JPEG has a scan (SOS) at byte ${start} before any frame header (SOFn)`);
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
