// Text formats (txt, md, jsonl, csv): valid UTF-8 without NUL bytes and with something besides
// whitespace; jsonl is one JSON object per non-blank line, csv a real header and rows of its width.
// Every check decodes the bytes in chunks and keeps no more than a chunk of text (csv: a piece cut at
// a record boundary, its records counted and dropped), so memory does not grow with the file.
import { Format } from "@openledger/protocol";
import { scanCsv } from "../csv.ts";
import { problem, type CheckResult } from "./bytes.ts";

const CHUNK = 1 << 20;

/** Decodes the bytes chunk by chunk, handing each piece of text to `visit`; refuses bad UTF-8 and NULs. */
function eachTextChunk(b: Uint8Array, visit: (text: string) => CheckResult): CheckResult {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  let decodedBefore = 0;
  for (let o = 0; o < b.length || o === 0; o += CHUNK) {
    let text: string;
    try {
      const last = o + CHUNK >= b.length;
      text = decoder.decode(b.subarray(o, o + CHUNK), { stream: !last });
    } catch {
      return problem("invalid-utf8", `the bytes are not valid UTF-8 text (first bad byte near offset ${firstBadByte(b, o)})`);
    }
    const nul = text.indexOf("\u0000");
    if (nul >= 0) return problem("binary-text", `the text holds a NUL byte (character ${decodedBefore + nul}): it is binary data, not text`);
    decodedBefore += text.length;
    const bad = visit(text);
    if (bad) return bad;
    if (b.length === 0) break;
  }
  return undefined;
}

/** The offset of the first byte that breaks UTF-8, in the chunk that starts at `from`. */
function firstBadByte(b: Uint8Array, from: number): number {
  // Start at the lead byte of a sequence the previous chunk may have begun (at most 3 bytes back).
  let start = from;
  while (start > 0 && from - start < 3 && ((b[start] ?? 0) & 0xc0) === 0x80) start--;
  const fails = (end: number) => {
    try {
      new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(start, end), { stream: true });
      return false;
    } catch {
      return true;
    }
  };
  let lo = start;
  let hi = Math.min(b.length, from + CHUNK);
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(0, lo - 1);
}

/** Checks the bytes are text: UTF-8, no NULs, not only whitespace. */
export function checkText(b: Uint8Array): CheckResult {
  let content = false;
  const bad = eachTextChunk(b, (text) => {
    if (!content && /\S/.test(text)) content = true;
    return undefined;
  });
  return bad ?? (content ? undefined : problem("empty", `the file holds only whitespace (${b.length} bytes); a contribution needs content`));
}

function checkJsonlLine(line: string, number: number): CheckResult {
  if (line.trim() === "") return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (error) {
    return problem("invalid-jsonl", `line ${number} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return problem("invalid-jsonl", `line ${number} is JSON but not an object; jsonl needs one JSON object per line`);
  }
  return undefined;
}

export function checkJsonl(b: Uint8Array): CheckResult {
  let pending = "";
  let line = 0;
  let objects = 0;
  const visitLines = (text: string, final: boolean): CheckResult => {
    const lines = (pending + text).split("\n");
    pending = final ? "" : lines.pop()!;
    for (const l of lines) {
      line++;
      const bad = checkJsonlLine(l.replace(/\r$/, ""), line);
      if (bad) return bad;
      if (l.trim() !== "") objects++;
    }
    return undefined;
  };
  const bad = eachTextChunk(b, (text) => visitLines(text, false)) ?? visitLines("", true);
  if (bad) return bad;
  return objects === 0 ? problem("invalid-jsonl", "the file holds no JSON object lines") : undefined;
}

/** A header's problem: an empty or repeated column name. */
function headerProblem(header: string[]): CheckResult {
  const names = header.map((h) => h.trim());
  if (names.some((n) => n === "")) return problem("invalid-csv", "the CSV header has an empty column name");
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) return problem("invalid-csv", `the CSV header names the column "${n}" twice`);
    seen.add(n);
  }
  return undefined;
}

/**
 * Checks a CSV as its records stream by, keeping the header and counts only: a real header, at
 * least one data row, every row as wide as the header. A syntax error anywhere outranks a row of the
 * wrong width (the width may be the error's effect), as when the whole file was parsed first.
 */
export function checkCsv(b: Uint8Array): CheckResult {
  return checkText(b) ?? csvProblem(b);
}

/** The CSV rules of `checkCsv`, for bytes already known to be text. */
function csvProblem(b: Uint8Array): CheckResult {
  let header: string[] | undefined;
  let rows = 0;
  let rowProblem: CheckResult;
  const syntax = scanCsv(b, (record) => {
    if (record.length === 1 && record[0] === "") return;
    rows++;
    if (!header) header = record;
    else if (!rowProblem && record.length !== header.length) {
      rowProblem = problem("invalid-csv", `CSV row ${rows} has ${record.length} fields; the header has ${header.length}`);
    }
  });
  if (syntax) return problem("invalid-csv", `the CSV cannot be parsed: line ${syntax.line}: ${syntax.message}`);
  if (!header) return problem("invalid-csv", "the CSV is empty: it needs a header row");
  return headerProblem(header) ?? (rows < 2 ? problem("invalid-csv", "the CSV has a header but no data rows") : rowProblem);
}

/** Unclaimed text (already checked as text) is taken for CSV only when its first line reads like a header of column names. */
function looksLikeCsv(b: Uint8Array): boolean {
  const head = new TextDecoder().decode(b.subarray(0, 4096));
  const first = head.replace(/^\uFEFF/, "").split(/\r?\n/, 1)[0] ?? "";
  const names = first.split(",").map((n) => n.trim().replace(/^"(.*)"$/, "$1"));
  const columnName = /^[A-Za-z_][A-Za-z0-9_.\- ]{0,39}$/;
  return names.length >= 2 && names.every((n) => columnName.test(n) && n.split(" ").length <= 3) && csvProblem(b) === undefined;
}

/**
 * Judges bytes as text. With a claimed text format, checks that format; without, picks the most
 * specific one the bytes are: jsonl, then csv (when the first line reads as a header), then txt.
 */
export function judgeText(b: Uint8Array, claimed?: Format): { format: Format; problem?: undefined } | { problem: NonNullable<CheckResult> } {
  const textBad = checkText(b);
  if (textBad) return { problem: textBad };
  if (claimed === Format.Jsonl || claimed === Format.Csv) {
    const bad = claimed === Format.Jsonl ? checkJsonl(b) : csvProblem(b);
    return bad ? { problem: bad } : { format: claimed };
  }
  if (claimed !== undefined) return { format: claimed };
  if (checkJsonl(b) === undefined) return { format: Format.Jsonl };
  if (looksLikeCsv(b)) return { format: Format.Csv };
  return { format: Format.Txt };
}
