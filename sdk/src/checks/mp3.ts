// MP3: an optional ID3v2 tag whose size fits, then MPEG audio Layer III frames whose headers agree
// and whose lengths chain to the end of the file (an ID3v1, APE or Lyrics3 tag or zero padding may
// close it).
import { ascii, problem, truncated, u8, type CheckResult } from "./bytes.ts";

const KBPS_V1 = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
const KBPS_V2 = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
const SAMPLE_RATES = [44100, 48000, 32000];
/** Frames a file must hold at least (fewer only when the file ends cleanly after them). */
export const MIN_FRAMES = 3;

interface Frame {
  length: number;
  /** Version, layer and sample rate bits: every frame of a stream shares them. */
  stream: number;
}

/** The MPEG Layer III frame whose header is at `o`, or undefined when there is none. */
export function mp3FrameAt(b: Uint8Array, o: number): Frame | undefined {
  if (o + 4 > b.length || b[o] !== 0xff || (u8(b, o + 1) & 0xe0) !== 0xe0) return undefined;
  const version = (u8(b, o + 1) >> 3) & 3; // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5, 1 reserved
  const layer = (u8(b, o + 1) >> 1) & 3; // 1 = Layer III
  const bitrateIndex = u8(b, o + 2) >> 4;
  const rateIndex = (u8(b, o + 2) >> 2) & 3;
  if (version === 1 || layer !== 1 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  if ((u8(b, o + 3) & 3) === 2) return undefined; // reserved emphasis
  const padding = (u8(b, o + 2) >> 1) & 1;
  const sampleRate = SAMPLE_RATES[rateIndex]! / (version === 3 ? 1 : version === 2 ? 2 : 4);
  const kbps = (version === 3 ? KBPS_V1 : KBPS_V2)[bitrateIndex]!;
  const length = Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / sampleRate) + padding;
  return { length, stream: (u8(b, o + 1) << 8) | (u8(b, o + 2) & 0x0c) };
}

/** The offset just past an ID3v2 tag at the start, or a refusal. */
function skipId3(b: Uint8Array): number | CheckResult {
  if (ascii(b, 0, 3) !== "ID3") return 0;
  if (b.length < 10) return truncated("the MP3's ID3v2 tag header", 10, b.length);
  const major = u8(b, 3);
  if (major < 2 || major > 4 || u8(b, 4) === 0xff) return problem("invalid-structure", `the MP3's ID3v2 tag has version 2.${major}.${u8(b, 4)}, not 2.2–2.4`);
  let size = 0;
  for (let i = 6; i < 10; i++) {
    if (u8(b, i) & 0x80) return problem("invalid-structure", "the MP3's ID3v2 tag size is not a synchsafe integer");
    size = (size << 7) | u8(b, i);
  }
  const footer = major === 4 && u8(b, 5) & 0x10 ? 10 : 0;
  const end = 10 + size + footer;
  if (end > b.length) return truncated(`the MP3's ID3v2 tag of ${size} bytes`, end, b.length);
  return end;
}

/** Whether the bytes from `o` are a tag or padding that may close an MP3. */
function isClosingTag(b: Uint8Array, o: number): boolean {
  const rest = b.length - o;
  if (ascii(b, o, 3) === "TAG" && rest === 128) return true;
  if (ascii(b, o, 8) === "APETAGEX" || ascii(b, o, 11) === "LYRICSBEGIN") return true;
  for (let i = o; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

export function checkMp3(b: Uint8Array): CheckResult {
  let o = skipId3(b);
  if (typeof o !== "number") return o;
  while (o < b.length && b[o] === 0) o++; // padding after the tag
  const first = mp3FrameAt(b, o);
  if (!first) return problem("invalid-structure", `no MPEG Layer III frame header at byte ${o}, where the MP3's audio must start`);
  let frames = 0;
  while (o < b.length) {
    const frame = mp3FrameAt(b, o);
    if (!frame) {
      if (isClosingTag(b, o)) break;
      if (b.length - o < 4) return truncated(`the MP3 frame header at byte ${o}`, o + 4, b.length);
      return problem("invalid-structure", `after ${frames} MP3 frames, byte ${o} holds no MPEG frame header: the frames do not chain`);
    }
    if (frame.stream !== first.stream) return problem("invalid-structure", `the MP3 frame at byte ${o} has a different version, layer or sample rate from the first`);
    if (o + frame.length > b.length) return truncated(`the MP3 frame at byte ${o} of ${frame.length} bytes`, o + frame.length, b.length);
    o += frame.length;
    frames++;
  }
  if (frames < MIN_FRAMES) return problem("invalid-structure", `the MP3 holds ${frames} MPEG frames; at least ${MIN_FRAMES} are needed`);
  return undefined;
}
