// BMP: a file header ("BM", file size, pixel data offset), an info header of a known size, and the
// pixel data its dimensions and bit depth need, inside the file.
import { i32le, problem, truncated, u16le, u32le, type CheckResult } from "./bytes.ts";

export const isBmp = (b: Uint8Array) => b.length >= 2 && b[0] === 0x42 && b[1] === 0x4d;

/** Info header sizes: OS/2 core (12), Windows v1 (40), v2 (52), v3 (56), OS/2 v2 (64), v4 (108), v5 (124). */
const INFO_SIZES = [12, 40, 52, 56, 64, 108, 124];
const BIT_DEPTHS = [1, 2, 4, 8, 16, 24, 32];
/** Compression methods whose pixel data is a plain array of rows: RGB, bit fields, alpha bit fields. */
const UNCOMPRESSED = [0, 3, 6];

interface Info {
  width: number;
  height: number;
  planes: number;
  depth: number;
  compression: number;
  imageSize: number;
}

function readInfo(b: Uint8Array, size: number): Info {
  if (size === 12) return { width: u16le(b, 18), height: u16le(b, 20), planes: u16le(b, 22), depth: u16le(b, 24), compression: 0, imageSize: 0 };
  return { width: i32le(b, 18), height: i32le(b, 22), planes: u16le(b, 26), depth: u16le(b, 28), compression: u32le(b, 30), imageSize: u32le(b, 34) };
}

export function checkBmp(b: Uint8Array): CheckResult {
  if (b.length < 18) return truncated("the BMP file header", 18, b.length);
  const declared = u32le(b, 2);
  const pixels = u32le(b, 10);
  const infoSize = u32le(b, 14);
  if (!INFO_SIZES.includes(infoSize)) return problem("invalid-structure", `the BMP info header declares ${infoSize} bytes, not a known size (${INFO_SIZES.join(", ")})`);
  if (14 + infoSize > b.length) return truncated(`the BMP info header of ${infoSize} bytes`, 14 + infoSize, b.length);
  if (declared !== 0 && declared !== b.length) {
    return declared > b.length
      ? problem("truncated", `the BMP header declares ${declared} bytes but the file has ${b.length}: it is truncated`)
      : problem("trailing-data", `the BMP header declares ${declared} bytes but the file has ${b.length}`);
  }
  const info = readInfo(b, infoSize);
  if (info.width <= 0 || info.height === 0) return problem("invalid-structure", `the BMP declares ${info.width}×${info.height} pixels; the width must be positive and the height non-zero`);
  if (info.planes !== 1) return problem("invalid-structure", `the BMP declares ${info.planes} colour planes; it must be 1`);
  if (!BIT_DEPTHS.includes(info.depth) && !(info.depth === 0 && info.compression >= 4)) {
    return problem("invalid-structure", `the BMP declares ${info.depth} bits per pixel, not one of ${BIT_DEPTHS.join(", ")}`);
  }
  if (pixels < 14 + infoSize) return problem("invalid-structure", `the BMP's pixel data offset ${pixels} lies inside its ${14 + infoSize} bytes of headers`);
  const rows = Math.abs(info.height);
  const needed = UNCOMPRESSED.includes(info.compression) ? Math.floor((info.width * info.depth + 31) / 32) * 4 * rows : info.imageSize;
  if (info.compression > 6) return problem("invalid-structure", `the BMP's compression method ${info.compression} is not defined`);
  if (needed === 0) return problem("invalid-structure", `the compressed BMP (method ${info.compression}) declares 0 bytes of image data`);
  if (pixels + needed > b.length) return truncated(`the BMP's ${info.width}×${rows} pixels at ${info.depth} bits (${needed} bytes from byte ${pixels})`, pixels + needed, b.length);
  return undefined;
}
