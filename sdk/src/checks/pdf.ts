// PDF: a header, then (read from the end, as a reader does) `%%EOF`, `startxref` with an offset,
// and at that offset a cross-reference table or stream. Every in-use entry of a table must point at
// the indirect object it names, and at least one object must be in use.
import { ascii, problem, type CheckResult } from "./bytes.ts";

export const isPdf = (b: Uint8Array) => ascii(b, 0, 5) === "%PDF-";

/** How far from the end `startxref` and `%%EOF` are looked for. */
const TAIL = 2048;
const XREF_ENTRY = 20;

const isWhite = (c: number | undefined) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || c === 0x0c || c === 0x00;

/** The last occurrence of `word` in b[from, to), or -1. */
function lastIndexOf(b: Uint8Array, word: string, from: number, to: number): number {
  outer: for (let i = to - word.length; i >= from; i--) {
    for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) continue outer;
    return i;
  }
  return -1;
}

/** A cursor over the bytes for the few tokens the cross-reference needs. */
class Cursor {
  readonly b: Uint8Array;
  o: number;
  constructor(b: Uint8Array, o: number) {
    this.b = b;
    this.o = o;
  }
  skipWhite(): void {
    while (this.o < this.b.length && (isWhite(this.b[this.o]) || this.b[this.o] === 0x25)) {
      if (this.b[this.o] === 0x25) while (this.o < this.b.length && this.b[this.o] !== 0x0a && this.b[this.o] !== 0x0d) this.o++; // a comment
      else this.o++;
    }
  }
  integer(): number | undefined {
    this.skipWhite();
    const start = this.o;
    while (this.o < this.b.length && this.o - start < 12 && this.b[this.o]! >= 0x30 && this.b[this.o]! <= 0x39) this.o++;
    return this.o > start ? Number(ascii(this.b, start, this.o - start)) : undefined;
  }
  keyword(word: string): boolean {
    this.skipWhite();
    if (ascii(this.b, this.o, word.length) !== word) return false;
    this.o += word.length;
    return true;
  }
}

/** Whether `N G obj` for object `number` (any when undefined) starts at `offset`. */
function objectAt(b: Uint8Array, offset: number, number?: number): boolean {
  const c = new Cursor(b, offset);
  if (isWhite(b[offset])) return false;
  const n = c.integer();
  return n !== undefined && (number === undefined || n === number) && c.integer() !== undefined && c.keyword("obj");
}

function checkXrefTable(b: Uint8Array, start: number): CheckResult {
  const c = new Cursor(b, start + 4);
  let inUse = 0;
  for (let sections = 0; ; sections++) {
    if (c.keyword("trailer")) break;
    const first = c.integer();
    const count = c.integer();
    if (first === undefined || count === undefined) return problem("invalid-structure", `the PDF cross-reference table at byte ${start} has a malformed subsection header near byte ${c.o}`);
    c.skipWhite();
    if (c.o + count * XREF_ENTRY > b.length) return problem("truncated", `the PDF cross-reference subsection at byte ${c.o} lists ${count} entries that run past the end of the file`);
    for (let i = 0; i < count; i++, c.o += XREF_ENTRY) {
      const entry = ascii(b, c.o, XREF_ENTRY);
      const m = /^(\d{10}) (\d{5}) ([nf])[ \r\n]{2}$/.exec(entry);
      if (!m) return problem("invalid-structure", `the PDF cross-reference entry at byte ${c.o} is malformed: ${JSON.stringify(entry)}`);
      if (m[3] !== "n") continue;
      const offset = Number(m[1]);
      if (!objectAt(b, offset, first + i)) return problem("invalid-structure", `the PDF cross-reference says object ${first + i} is at byte ${offset}, but no such object starts there`);
      inUse++;
    }
  }
  if (!c.keyword("<<")) return problem("invalid-structure", `the PDF trailer after the cross-reference table at byte ${start} has no dictionary`);
  if (inUse === 0) return problem("invalid-structure", "the PDF's cross-reference table lists no object in use: it holds no indirect object");
  return undefined;
}

function checkXrefStream(b: Uint8Array, start: number): CheckResult {
  const head = ascii(b, start, 1024);
  if (!/^\d+\s+\d+\s+obj\s*<</.test(head)) return problem("invalid-structure", `the PDF's startxref points at byte ${start}, where neither a cross-reference table nor an object starts`);
  if (!/\/Type\s*\/XRef\b/.test(head)) return problem("invalid-structure", `the object at byte ${start} that startxref points at is not a cross-reference stream (/Type /XRef)`);
  if (!/\/W\s*\[/.test(head) || !/\bstream[\r\n]/.test(head)) return problem("invalid-structure", `the PDF cross-reference stream at byte ${start} lacks its /W array or its stream data`);
  return undefined;
}

export function checkPdf(b: Uint8Array): CheckResult {
  if (!/^%PDF-\d\.\d/.test(ascii(b, 0, 8))) return problem("invalid-structure", `the PDF header ${JSON.stringify(ascii(b, 0, 8))} is not %PDF-n.n`);
  const tailStart = Math.max(0, b.length - TAIL);
  const eof = lastIndexOf(b, "%%EOF", tailStart, b.length);
  if (eof < 0) return problem("truncated", `the PDF has no %%EOF marker in its last ${TAIL} bytes: it is truncated`);
  for (let i = eof + 5; i < b.length; i++) {
    if (!isWhite(b[i])) return problem("trailing-data", `the PDF ends at byte ${eof + 5} (%%EOF) but the file has ${b.length} bytes: data after the document is refused`);
  }
  const at = lastIndexOf(b, "startxref", Math.max(0, eof - TAIL), eof);
  if (at < 0) return problem("invalid-structure", "the PDF has no startxref before its %%EOF marker");
  const c = new Cursor(b, at + 9);
  const xref = c.integer();
  let between = c.o;
  while (between < eof && isWhite(b[between])) between++;
  if (xref === undefined || between !== eof) return problem("invalid-structure", "the PDF's startxref is not followed by a byte offset and then %%EOF");
  if (xref < 8 || xref >= at) return problem("invalid-structure", `the PDF's startxref points at byte ${xref}, outside the document body (before byte ${at})`);
  return ascii(b, xref, 4) === "xref" ? checkXrefTable(b, xref) : checkXrefStream(b, xref);
}
