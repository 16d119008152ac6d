// ZIP archives, read as a careful reader would: the end-of-central-directory record at the very
// end, a central directory that fills the space before it, and for every entry a local header that
// agrees with its central entry. Entries must tile the archive from byte 0 (nothing hidden before,
// between or after them), names must be safe, nothing may be encrypted, and the declared sizes must
// stay under the limits before anything is inflated. Inflating (fflate) streams, stops at the
// declared size and checks the CRC.
import { Inflate } from "fflate";
import { crc32, problem, truncated, u16le, u32le, type CheckResult, type FormatProblem } from "./bytes.ts";

export const isZip = (b: Uint8Array) => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;

/** Limits on what an archive may declare, checked before anything is inflated. */
export const ZIP_LIMITS = {
  entries: 10_000,
  /** Total uncompressed bytes of all entries. */
  totalSize: 256 * 1024 * 1024,
  /** Uncompressed ÷ compressed size of an entry larger than `ratioFloor`. */
  ratio: 200,
  ratioFloor: 1024 * 1024,
};

export interface ZipEntry {
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  dataStart: number;
}

const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const ENCRYPTED = 0x0001;
const STRONG_ENCRYPTION = 0x0040;
const DATA_DESCRIPTOR = 0x0008;
const STORED = 0;
const DEFLATED = 8;
const utf8 = new TextDecoder("utf-8");

function findEnd(b: Uint8Array): number | FormatProblem {
  // The record is 22 bytes plus a comment of up to 65,535 bytes; its comment must reach the end exactly.
  let misplaced = false;
  for (let i = b.length - EOCD_SIZE; i >= Math.max(0, b.length - EOCD_SIZE - 0xffff); i--) {
    if (u32le(b, i) !== 0x06054b50) continue;
    if (i + EOCD_SIZE + u16le(b, i + 20) === b.length) return i;
    misplaced = true;
  }
  return misplaced
    ? problem("trailing-data", "the ZIP's end-of-central-directory record does not end the file: data after the archive is refused")
    : problem("truncated", "the ZIP has no end-of-central-directory record: it is truncated");
}

export function unsafeName(name: string): boolean {
  return name.startsWith("/") || name.startsWith("\\") || /^[A-Za-z]:/.test(name) || name.split(/[\\/]/).includes("..") || name.includes("\u0000");
}

function readCentralEntry(b: Uint8Array, o: number, end: number): { entry: ZipEntry; next: number } | FormatProblem {
  if (o + CENTRAL_SIZE > end || u32le(b, o) !== 0x02014b50) return problem("invalid-structure", `the ZIP central directory has no entry header at byte ${o}`);
  const nameLength = u16le(b, o + 28);
  const next = o + CENTRAL_SIZE + nameLength + u16le(b, o + 30) + u16le(b, o + 32);
  if (next > end) return problem("invalid-structure", `the ZIP central entry at byte ${o} runs past its directory (to byte ${next}, directory ends at ${end})`);
  const entry: ZipEntry = {
    name: utf8.decode(b.subarray(o + CENTRAL_SIZE, o + CENTRAL_SIZE + nameLength)),
    flags: u16le(b, o + 8),
    method: u16le(b, o + 10),
    crc: u32le(b, o + 16),
    compressedSize: u32le(b, o + 20),
    size: u32le(b, o + 24),
    localOffset: u32le(b, o + 42),
    dataStart: 0,
  };
  if (u16le(b, o + 34) !== 0) return problem("invalid-structure", `the ZIP entry ${JSON.stringify(entry.name)} lies on another disk: split archives are refused`);
  return { entry, next };
}

function checkEntry(b: Uint8Array, e: ZipEntry, centralName: Uint8Array): CheckResult {
  if (e.flags & (ENCRYPTED | STRONG_ENCRYPTION)) return problem("encrypted-entry", `the ZIP entry ${JSON.stringify(e.name)} is encrypted`);
  if (unsafeName(e.name)) return problem("unsafe-entry-name", `the ZIP entry name ${JSON.stringify(e.name)} is absolute or climbs out of the archive`);
  if (e.method !== STORED && e.method !== DEFLATED) return problem("invalid-structure", `the ZIP entry ${JSON.stringify(e.name)} uses compression method ${e.method}; only stored (0) and deflated (8) are read`);
  if (e.method === STORED && e.size !== e.compressedSize) return problem("invalid-structure", `the stored ZIP entry ${JSON.stringify(e.name)} declares ${e.compressedSize} stored and ${e.size} unpacked bytes`);
  if (e.size > ZIP_LIMITS.ratioFloor && e.size > e.compressedSize * ZIP_LIMITS.ratio) {
    return problem("zip-bomb", `the ZIP entry ${JSON.stringify(e.name)} unpacks ${e.compressedSize} bytes to ${e.size}, over the ${ZIP_LIMITS.ratio}:1 limit`);
  }
  const o = e.localOffset;
  if (o + LOCAL_SIZE > b.length || u32le(b, o) !== 0x04034b50) return problem("invalid-structure", `the ZIP entry ${JSON.stringify(e.name)} has no local header at byte ${o}`);
  const nameLength = u16le(b, o + 26);
  const name = b.subarray(o + LOCAL_SIZE, o + LOCAL_SIZE + nameLength);
  if (nameLength !== centralName.length || !name.every((x, i) => x === centralName[i])) {
    return problem("invalid-structure", `the ZIP local header at byte ${o} names ${JSON.stringify(utf8.decode(name))}, its central entry ${JSON.stringify(e.name)}`);
  }
  const local = { flags: u16le(b, o + 6), method: u16le(b, o + 8), crc: u32le(b, o + 14), compressedSize: u32le(b, o + 18), size: u32le(b, o + 22) };
  const sizesAgree = e.flags & DATA_DESCRIPTOR || (local.crc === e.crc && local.compressedSize === e.compressedSize && local.size === e.size);
  if (local.method !== e.method || (local.flags & ENCRYPTED) !== (e.flags & ENCRYPTED) || !sizesAgree) {
    return problem("invalid-structure", `the ZIP local header of ${JSON.stringify(e.name)} disagrees with its central entry (method, flags, CRC or sizes)`);
  }
  e.dataStart = o + LOCAL_SIZE + nameLength + u16le(b, o + 28);
  return undefined;
}

/** The gaps a data descriptor may leave after an entry's data (with or without its signature, 32- or 64-bit sizes). */
const DESCRIPTOR_SIZES = [12, 16, 20, 24];

/** Entries, in archive order, must cover the bytes from 0 to the central directory with no gap or overlap. */
function checkTiling(entries: ZipEntry[], centralStart: number): CheckResult {
  const sorted = [...entries].sort((x, y) => x.localOffset - y.localOffset);
  let expected = 0;
  let previous: ZipEntry | undefined;
  for (const e of [...sorted, undefined]) {
    const at = e ? e.localOffset : centralStart;
    const gap = at - expected;
    const allowed = gap === 0 || (previous && previous.flags & DATA_DESCRIPTOR && DESCRIPTOR_SIZES.includes(gap));
    if (!allowed) {
      const where = e ? `the entry ${JSON.stringify(e.name)} starts at byte ${at}` : `the central directory starts at byte ${at}`;
      return problem("invalid-structure", gap < 0 ? `ZIP entries overlap: ${where}, inside data that ends at byte ${expected}` : `the ZIP has ${gap} unaccounted bytes before byte ${at}: ${where}`);
    }
    if (e) {
      expected = e.dataStart + e.compressedSize;
      previous = e;
    }
  }
  return undefined;
}

/** Reads and checks the archive's structure; no entry is inflated. */
export function readZip(b: Uint8Array): ZipEntry[] | FormatProblem {
  const end = findEnd(b);
  if (typeof end !== "number") return end;
  const count = u16le(b, end + 10);
  const centralSize = u32le(b, end + 12);
  const centralStart = u32le(b, end + 16);
  if (u16le(b, end + 4) !== 0 || u16le(b, end + 6) !== 0 || u16le(b, end + 8) !== count) return problem("invalid-structure", "the ZIP spans several disks: split archives are refused");
  if (count === 0xffff || centralStart === 0xffffffff || centralSize === 0xffffffff) return problem("invalid-structure", "the archive is a ZIP64 archive, which is not accepted");
  if (count > ZIP_LIMITS.entries) return problem("zip-bomb", `the ZIP holds ${count} entries; the limit is ${ZIP_LIMITS.entries}`);
  if (centralStart + centralSize !== end) {
    return problem("invalid-structure", `the ZIP central directory declares bytes ${centralStart}–${centralStart + centralSize}, but its end record is at byte ${end}`);
  }
  const entries: ZipEntry[] = [];
  const names = new Set<string>();
  let total = 0;
  for (let i = 0, o = centralStart; i < count; i++) {
    const read = readCentralEntry(b, o, end);
    if ("rule" in read) return read;
    const { entry } = read;
    const bad = checkEntry(b, entry, b.subarray(o + CENTRAL_SIZE, o + CENTRAL_SIZE + u16le(b, o + 28)));
    if (bad) return bad;
    if (names.has(entry.name)) return problem("invalid-structure", `the ZIP holds the entry ${JSON.stringify(entry.name)} twice`);
    names.add(entry.name);
    total += entry.size;
    if (total > ZIP_LIMITS.totalSize) return problem("zip-bomb", `the ZIP's entries unpack to more than ${ZIP_LIMITS.totalSize} bytes (the limit)`);
    entries.push(entry);
    o = read.next;
    if (i === count - 1 && o !== end) return problem("invalid-structure", `the ZIP central directory holds ${end - o} bytes after its ${count} declared entries`);
  }
  return checkTiling(entries, centralStart) ?? entries;
}

const INPUT_CHUNK = 16 * 1024;

/**
 * Unpacks an entry in chunks into `sink`, refusing output past the declared size (so a lying size
 * inflates at most one chunk beyond it), a short stream, or a CRC that disagrees.
 */
export function unpackEntry(b: Uint8Array, e: ZipEntry, sink: (chunk: Uint8Array) => void): CheckResult {
  const data = b.subarray(e.dataStart, e.dataStart + e.compressedSize);
  if (data.length < e.compressedSize) return truncated(`the ZIP entry ${JSON.stringify(e.name)}`, e.dataStart + e.compressedSize, b.length);
  let produced = 0;
  let crc = 0;
  let over = false;
  const take = (chunk: Uint8Array) => {
    produced += chunk.length;
    if (produced > e.size) over = true;
    if (over) return;
    crc = crc32(chunk, crc);
    sink(chunk);
  };
  if (e.method === STORED) take(data);
  else {
    const inflater = new Inflate((chunk) => take(chunk));
    try {
      for (let o = 0; o < data.length && !over; o += INPUT_CHUNK) inflater.push(data.subarray(o, o + INPUT_CHUNK), o + INPUT_CHUNK >= data.length);
      if (data.length === 0) inflater.push(data, true);
    } catch (error) {
      return problem("invalid-structure", `the ZIP entry ${JSON.stringify(e.name)} does not inflate: ${(error as Error).message}`);
    }
  }
  if (over) return problem("zip-bomb", `the ZIP entry ${JSON.stringify(e.name)} unpacks to more than the ${e.size} bytes it declares`);
  if (produced !== e.size) return problem("invalid-structure", `the ZIP entry ${JSON.stringify(e.name)} unpacks to ${produced} bytes; it declares ${e.size}`);
  if (crc !== e.crc) return problem("bad-checksum", `the ZIP entry ${JSON.stringify(e.name)} has CRC 0x${e.crc.toString(16)}; its bytes give 0x${crc.toString(16)}`);
  return undefined;
}
