// FLAC: "fLaC", a STREAMINFO block first with sane values, metadata blocks that chain to the one
// marked last, then a frame header whose fields are legal and whose CRC-8 is right.
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
  return checkFrameHeader(b, o);
}
