// FLAC: "fLaC", a STREAMINFO block first with sane values, metadata blocks that chain to the one
// marked last, then audio frames to the end of the file: each frame header's fields legal and its
// CRC-8 right, and each frame's CRC-16 right, which fixes where one frame ends and the next begins
// (frames carry no length). One pass, with the CRC-16 kept running, so the time is linear in the file
// whatever sync codes a hostile file holds.
import { ascii, problem, truncated, u16be, u24be, u8, type CheckResult } from "./bytes.ts";

export const isFlac = (b: Uint8Array) => ascii(b, 0, 4) === "fLaC";

const STREAMINFO_SIZE = 34;

function checkStreamInfo(b: Uint8Array, o: number): CheckResult {
  const minBlock = u16be(b, o);
  const maxBlock = u16be(b, o + 2);
  const minFrame = u24be(b, o + 4);
  const maxFrame = u24be(b, o + 7);
  const rate = (u16be(b, o + 10) << 4) | (u8(b, o + 12) >> 4);
  const channels = ((u8(b, o + 12) >> 1) & 7) + 1;
  const bits = (((u8(b, o + 12) & 1) << 4) | (u8(b, o + 13) >> 4)) + 1;
  if (minBlock < 16 || maxBlock < minBlock) return problem("invalid-structure", `the FLAC STREAMINFO declares block sizes ${minBlock}–${maxBlock}; the minimum is 16 and may not exceed the maximum`);
  if (minFrame !== 0 && maxFrame !== 0 && maxFrame < minFrame) return problem("invalid-structure", `the FLAC STREAMINFO declares frame sizes ${minFrame}–${maxFrame}`);
  if (rate === 0 || rate > 655_350) return problem("invalid-structure", `the FLAC STREAMINFO declares a sample rate of ${rate} Hz`);
  if (bits < 4) return problem("invalid-structure", `the FLAC STREAMINFO declares ${bits} bits per sample (${channels} channels); the minimum is 4`);
  return undefined;
}

/** CRC-8 with polynomial 0x07, as in FLAC frame headers. */
function crc8(b: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc ^= b[i]!;
    for (let k = 0; k < 8; k++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

/** The length of the UTF-8-style coded frame or sample number at `o`, or 0 when it is malformed. */
function codedNumberLength(b: Uint8Array, o: number): number {
  const lead = u8(b, o);
  const n = lead < 0x80 ? 1 : lead >= 0xc0 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xf8 && lead < 0xfc ? 5 : lead >= 0xfc && lead < 0xfe ? 6 : lead === 0xfe ? 7 : 0;
  for (let i = 1; i < n; i++) if ((u8(b, o + i) & 0xc0) !== 0x80) return 0;
  return n;
}

/** CRC-16 with polynomial 0x8005 (no reflection), as at the end of a FLAC frame: the table. */
const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    table[n] = crc;
  }
  return table;
})();

/**
 * Walks the audio frames from the first header at `first` to the end of the file. A frame ends
 * where the next valid header starts and the two bytes before it are the CRC-16 of the frame so
 * far; the last frame ends at the end of the file, where the same must hold.
 */
function checkFrames(b: Uint8Array, first: number): CheckResult {
  const bad = checkFrameHeader(b, first);
  if (bad) return bad;
  let start = first;
  let frames = 0;
  // crcs[i % 3] is the CRC-16 of b[start, i): the value to compare at a candidate header at i + 2.
  let crc = 0;
  const recent = [0, 0, 0];
  for (let i = start; i < b.length; i++) {
    recent[i % 3] = crc;
    if (i >= start + 8 && b[i] === 0xff && (b[i + 1]! & 0xfe) === 0xf8) {
      const before = recent[(i - 2) % 3]!;
      if (before === u16be(b, i - 2) && checkFrameHeader(b, i) === undefined) {
        frames++;
        start = i;
        crc = 0;
        recent[i % 3] = 0;
      }
    }
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >> 8) ^ b[i]!) & 0xff]!;
  }
  recent[b.length % 3] = crc;
  const tail = recent[(b.length - 2) % 3]!;
  if (b.length - start < 8 || tail !== u16be(b, b.length - 2)) {
    return frames === 0
      ? problem("truncated", `the FLAC's audio frame at byte ${start} does not end with its CRC-16 before the end of the file (${b.length} bytes): cut short or damaged`)
      : problem("truncated", `after ${frames} whole FLAC frame(s), the frame at byte ${start} does not end with its CRC-16 before the end of the file (${b.length} bytes): cut short or damaged`);
  }
  return undefined;
}

function checkFrameHeader(b: Uint8Array, o: number): CheckResult {
  if (o + 6 > b.length) return problem("truncated", `the FLAC ends at byte ${b.length}, before its first audio frame`);
  if (u8(b, o) !== 0xff || (u8(b, o + 1) & 0xfe) !== 0xf8) return problem("invalid-structure", `no FLAC frame sync code at byte ${o}, after the metadata`);
  const blockCode = u8(b, o + 2) >> 4;
  const rateCode = u8(b, o + 2) & 0xf;
  const channelCode = u8(b, o + 3) >> 4;
  const sizeCode = (u8(b, o + 3) >> 1) & 7;
  if (blockCode === 0 || rateCode === 15 || channelCode > 10 || sizeCode === 3 || (u8(b, o + 3) & 1) !== 0) {
    return problem("invalid-structure", `the FLAC frame header at byte ${o} uses a reserved value (block ${blockCode}, rate ${rateCode}, channels ${channelCode}, sample size ${sizeCode})`);
  }
  const numberLength = codedNumberLength(b, o + 4);
  if (numberLength === 0) return problem("invalid-structure", `the FLAC frame header at byte ${o} has a malformed frame number`);
  const extra = (blockCode === 6 ? 1 : blockCode === 7 ? 2 : 0) + (rateCode === 12 ? 1 : rateCode === 13 || rateCode === 14 ? 2 : 0);
  const crcAt = o + 4 + numberLength + extra;
  if (crcAt + 1 > b.length) return truncated(`the FLAC frame header at byte ${o}`, crcAt + 1, b.length);
  const crc = crc8(b, o, crcAt);
  if (crc !== u8(b, crcAt)) return problem("bad-checksum", `the FLAC frame header at byte ${o} has CRC-8 0x${u8(b, crcAt).toString(16)}; its bytes give 0x${crc.toString(16)}`);
  return undefined;
}

export function checkFlac(b: Uint8Array): CheckResult {
  let o = 4;
  for (let index = 0; ; index++) {
    if (o + 4 > b.length) return truncated(`the FLAC metadata block header at byte ${o}`, o + 4, b.length);
    const last = (u8(b, o) & 0x80) !== 0;
    const type = u8(b, o) & 0x7f;
    const length = u24be(b, o + 1);
    if (index === 0 && (type !== 0 || length !== STREAMINFO_SIZE)) {
      return problem("invalid-structure", `a FLAC must start with a ${STREAMINFO_SIZE}-byte STREAMINFO block; the first is type ${type} of ${length} bytes`);
    }
    if (index > 0 && type === 0) return problem("invalid-structure", `the FLAC has a second STREAMINFO block at byte ${o}`);
    if (type === 127) return problem("invalid-structure", `the FLAC metadata block at byte ${o} has the invalid type 127`);
    if (o + 4 + length > b.length) return truncated(`the FLAC metadata block of type ${type} at byte ${o}`, o + 4 + length, b.length);
    if (index === 0) {
      const bad = checkStreamInfo(b, o + 4);
      if (bad) return bad;
    }
    o += 4 + length;
    if (last) break;
  }
  return checkFrames(b, o);
}
