// TIFF: a byte-order mark, 42, then a chain of image file directories (IFDs). Every entry's values
// and every strip or tile must lie inside the file; the first image names its width, length and
// strip (or tile) offsets and byte counts.
import { problem, truncated, u16be, u16le, u32be, u32le, type CheckResult } from "./bytes.ts";

export const isTiff = (b: Uint8Array) =>
  b.length >= 4 && ((b[0] === 0x49 && b[1] === 0x49 && b[2] === 0x2a && b[3] === 0) || (b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && b[3] === 0x2a));

/** Bytes per value of each TIFF field type (1–12; 13 is IFD). */
const TYPE_SIZES = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4];
const MAX_IFDS = 4096;

const TAG = { width: 256, length: 257, stripOffsets: 273, stripByteCounts: 279, tileWidth: 322, tileLength: 323, tileOffsets: 324, tileByteCounts: 325 } as const;

interface Entry {
  type: number;
  count: number;
  /** Where the values are: inside the entry when they fit in 4 bytes, else at the offset it holds. */
  at: number;
}

class TiffReader {
  readonly u16: (o: number) => number;
  readonly u32: (o: number) => number;
  readonly b: Uint8Array;
  constructor(b: Uint8Array) {
    this.b = b;
    const little = b[0] === 0x49;
    this.u16 = (o) => (little ? u16le(b, o) : u16be(b, o));
    this.u32 = (o) => (little ? u32le(b, o) : u32be(b, o));
  }
  /** Value `i` of an entry of type SHORT or LONG. */
  value(e: Entry, i: number): number {
    return e.type === 3 ? this.u16(e.at + 2 * i) : this.u32(e.at + 4 * i);
  }
}

/** Reads the IFD at `offset`: its entries by tag, or a refusal. */
function readIfd(r: TiffReader, offset: number): { entries: Map<number, Entry>; next: number } | CheckResult {
  const { b } = r;
  if (offset + 2 > b.length) return truncated(`the TIFF directory at byte ${offset}`, offset + 2, b.length);
  const n = r.u16(offset);
  const end = offset + 2 + 12 * n + 4;
  if (n === 0) return problem("invalid-structure", `the TIFF directory at byte ${offset} has no entries`);
  if (end > b.length) return truncated(`the TIFF directory at byte ${offset} with ${n} entries`, end, b.length);
  const entries = new Map<number, Entry>();
  for (let i = 0; i < n; i++) {
    const o = offset + 2 + 12 * i;
    const tag = r.u16(o);
    const type = r.u16(o + 2);
    const count = r.u32(o + 4);
    const size = (TYPE_SIZES[type] ?? 0) * count;
    if (type === 0 || type >= TYPE_SIZES.length) continue; // unknown types are skipped by readers
    const at = size <= 4 ? o + 8 : r.u32(o + 8);
    if (at + size > b.length) return truncated(`the values of TIFF tag ${tag} (${count} × type ${type} at byte ${at})`, at + size, b.length);
    entries.set(tag, { type, count, at });
  }
  return { entries, next: r.u32(end - 4) };
}

/** Checks that the strips or tiles of an image lie inside the file. */
function checkImageData(r: TiffReader, entries: Map<number, Entry>): CheckResult {
  const tiled = entries.has(TAG.tileOffsets);
  const [offsetsTag, countsTag, unit] = tiled ? [TAG.tileOffsets, TAG.tileByteCounts, "tile"] : [TAG.stripOffsets, TAG.stripByteCounts, "strip"];
  const offsets = entries.get(offsetsTag);
  const counts = entries.get(countsTag);
  if (!offsets || !counts) return problem("invalid-structure", `the TIFF image lacks its ${unit} offsets or ${unit} byte counts`);
  if (tiled && (!entries.has(TAG.tileWidth) || !entries.has(TAG.tileLength))) return problem("invalid-structure", "the tiled TIFF image lacks its tile width or length");
  for (const e of [offsets, counts]) {
    if (e.type !== 3 && e.type !== 4) return problem("invalid-structure", `the TIFF ${unit} offsets and byte counts must be SHORT or LONG values; one has type ${e.type}`);
  }
  if (offsets.count === 0 || offsets.count !== counts.count) {
    return problem("invalid-structure", `the TIFF image has ${offsets.count} ${unit} offsets and ${counts.count} byte counts; they must match and not be 0`);
  }
  for (let i = 0; i < offsets.count; i++) {
    const start = r.value(offsets, i);
    const end = start + r.value(counts, i);
    if (end > r.b.length) return truncated(`TIFF ${unit} ${i} (bytes ${start}–${end})`, end, r.b.length);
  }
  return undefined;
}

function checkDimensions(r: TiffReader, entries: Map<number, Entry>): CheckResult {
  const width = entries.get(TAG.width);
  const length = entries.get(TAG.length);
  if (!width || !length) return problem("invalid-structure", "the TIFF image lacks its width or length tag");
  const w = r.value(width, 0);
  const h = r.value(length, 0);
  if (w === 0 || h === 0) return problem("invalid-structure", `the TIFF image declares ${w}×${h} pixels; both must be non-zero`);
  return undefined;
}

export function checkTiff(b: Uint8Array): CheckResult {
  if (b.length < 8) return truncated("the TIFF header", 8, b.length);
  const r = new TiffReader(b);
  let offset = r.u32(4);
  if (offset < 8) return problem("invalid-structure", `the TIFF's first directory is at byte ${offset}, inside its 8-byte header`);
  const seen = new Set<number>();
  for (let index = 0; offset !== 0; index++) {
    if (seen.has(offset)) return problem("invalid-structure", `the TIFF's directories loop back to byte ${offset}`);
    if (index >= MAX_IFDS) return problem("invalid-structure", `the TIFF has more than ${MAX_IFDS} directories`);
    seen.add(offset);
    const ifd = readIfd(r, offset);
    if (!ifd || "rule" in ifd) return ifd ?? problem("invalid-structure", `the TIFF directory at byte ${offset} cannot be read`);
    if (index === 0) {
      const bad = checkDimensions(r, ifd.entries) ?? checkImageData(r, ifd.entries);
      if (bad) return bad;
    }
    offset = ifd.next;
  }
  return undefined;
}
