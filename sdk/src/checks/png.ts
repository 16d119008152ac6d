// PNG: the signature, then chunks (length, type, data, CRC) from IHDR to IEND with nothing after.
import { ascii, crc32, problem, truncated, u32be, u8, type CheckResult } from "./bytes.ts";

export const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] as const;

/** The bit depths each colour type allows. */
const BIT_DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const MAX_DIMENSION = 0x7fffffff;

function checkHeader(b: Uint8Array, data: number, length: number): CheckResult {
  if (length !== 13) return problem("invalid-structure", `the PNG's IHDR chunk is ${length} bytes; it must be 13`);
  const width = u32be(b, data);
  const height = u32be(b, data + 4);
  const depth = u8(b, data + 8);
  const colour = u8(b, data + 9);
  if (width === 0 || height === 0 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    return problem("invalid-structure", `the PNG declares ${width}×${height} pixels; both must be between 1 and ${MAX_DIMENSION}`);
  }
  if (!BIT_DEPTHS[colour]?.includes(depth)) return problem("invalid-structure", `the PNG's bit depth ${depth} is not legal for colour type ${colour}`);
  if (u8(b, data + 10) !== 0 || u8(b, data + 11) !== 0 || u8(b, data + 12) > 1) {
    return problem("invalid-structure", `the PNG's compression, filter or interlace method (${u8(b, data + 10)}, ${u8(b, data + 11)}, ${u8(b, data + 12)}) is not defined`);
  }
  return undefined;
}

export function checkPng(b: Uint8Array): CheckResult {
  let offset: number = PNG_SIGNATURE.length;
  let index = 0;
  let idat = 0;
  let idatEnded = false;
  let palette = false;
  let colour = -1;
  while (true) {
    if (offset + 12 > b.length) return truncated(`the PNG chunk header at byte ${offset}`, offset + 12, b.length);
    const length = u32be(b, offset);
    const type = ascii(b, offset + 4, 4);
    if (length > 0x7fffffff) return problem("invalid-structure", `the PNG chunk ${JSON.stringify(type)} at byte ${offset} declares ${length} bytes, over the PNG limit of 2^31−1`);
    if (!/^[A-Za-z]{4}$/.test(type)) return problem("invalid-structure", `the PNG chunk at byte ${offset} has the invalid type ${JSON.stringify(type)}`);
    const end = offset + 12 + length;
    if (end > b.length) return truncated(`the PNG chunk ${type} at byte ${offset}`, end, b.length);
    const stored = u32be(b, end - 4);
    const actual = crc32(b.subarray(offset + 4, end - 4));
    if (stored !== actual) return problem("bad-checksum", `the PNG chunk ${type} at byte ${offset} has CRC ${hex(stored)}; its bytes give ${hex(actual)}`);
    if (index === 0) {
      if (type !== "IHDR") return problem("invalid-structure", `a PNG must start with an IHDR chunk; the first is ${type}`);
      const header = checkHeader(b, offset + 8, length);
      if (header) return header;
      colour = u8(b, offset + 17);
    } else if (type === "IHDR") return problem("invalid-structure", `the PNG has a second IHDR chunk at byte ${offset}`);
    if (type === "PLTE") palette = true;
    if (type === "IDAT") {
      if (idatEnded) return problem("invalid-structure", `the PNG's IDAT chunks are not consecutive (another at byte ${offset})`);
      idat++;
    } else if (idat > 0) idatEnded = true;
    if (type === "IEND") {
      if (idat === 0) return problem("invalid-structure", "the PNG has no IDAT chunk: it holds no image data");
      if (colour === 3 && !palette) return problem("invalid-structure", "the PNG uses a palette (colour type 3) but has no PLTE chunk");
      if (end !== b.length) return problem("trailing-data", `the PNG ends at byte ${end} (IEND) but the file has ${b.length} bytes: data after an image is refused`);
      return undefined;
    }
    offset = end;
    index++;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
