// What every file check shares: the result type, little- and big-endian readers that never read
// past the end (a read outside the bytes is a refusal, not an exception), and CRC-32.

/** Why bytes are not a usable file of a format: a rule name and a sentence with the numbers. */
export interface FormatProblem {
  rule:
    | "unknown-format"
    | "format-mismatch"
    | "empty"
    | "truncated"
    | "trailing-data"
    | "invalid-structure"
    | "bad-checksum"
    | "invalid-utf8"
    | "binary-text"
    | "invalid-jsonl"
    | "invalid-csv"
    | "invalid-xml"
    | "missing-part"
    | "encrypted-entry"
    | "unsafe-entry-name"
    | "zip-bomb";
  message: string;
}

/** A check's verdict on bytes: nothing when they are a valid file of its format. */
export type CheckResult = FormatProblem | undefined;

export function problem(rule: FormatProblem["rule"], message: string): FormatProblem {
  return { rule, message };
}

/** A truncation refusal that names how many bytes were needed and how many the file has. */
export function truncated(what: string, needed: number, size: number): FormatProblem {
  return problem("truncated", `${what} needs ${needed} bytes but the file has ${size}: it is truncated`);
}

export const u8 = (b: Uint8Array, o: number): number => b[o] ?? 0;
export const u16le = (b: Uint8Array, o: number): number => u8(b, o) | (u8(b, o + 1) << 8);
export const u16be = (b: Uint8Array, o: number): number => (u8(b, o) << 8) | u8(b, o + 1);
export const u24be = (b: Uint8Array, o: number): number => (u8(b, o) << 16) | (u8(b, o + 1) << 8) | u8(b, o + 2);
export const u32le = (b: Uint8Array, o: number): number => (u16le(b, o) | (u16le(b, o + 2) << 16)) >>> 0;
export const u32be = (b: Uint8Array, o: number): number => ((u16be(b, o) << 16) | u16be(b, o + 2)) >>> 0;
export const i32le = (b: Uint8Array, o: number): number => u32le(b, o) | 0;

/** `n` bytes at `o` read as Latin-1 (each byte one character); short when the bytes end first. */
export function ascii(b: Uint8Array, o: number, n: number): string {
  let s = "";
  for (let i = o; i < Math.min(o + n, b.length); i++) s += String.fromCharCode(b[i]!);
  return s;
}

export function startsWith(b: Uint8Array, signature: readonly number[], at = 0): boolean {
  return signature.every((x, i) => b[at + i] === x);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC, as in PNG and ZIP), continued from `crc` over `bytes`. */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}
