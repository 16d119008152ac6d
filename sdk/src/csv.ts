// CSV (RFC 4180: quoted fields with commas, line breaks and doubled quotes; CRLF or LF; a byte-order
// mark) read with csv-parse, the one CSV parser of the project: the SDK's file check and the
// trainer's dataset conversion both use it. Rows may differ in width (callers judge that against
// the header); the first syntax error stops the parse and is reported with its line, beside the
// rows read before it.
//
// `parseCsv` keeps every row (the trainer converts them); `scanCsv` keeps none: it hands the bytes
// to the parser in pieces, each record to a visitor that drops it, so checking a large CSV holds
// one piece's records at a time. Pieces are cut at line feeds outside quoted fields (an even number
// of quotes before them: a doubled quote counts twice), so every piece starts a record and
// csv-parse reads each one whole.
// The package's browser build: its Node build reads the `Buffer` global, which browsers lack.
import { parse } from "csv-parse/browser/esm/sync";

export interface CsvError {
  line: number;
  message: string;
}

export interface CsvParse {
  rows: string[][];
  error?: CsvError;
}

const MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: "a quoted field is not closed at the end of the file",
  INVALID_OPENING_QUOTE: "a quote inside an unquoted field",
  CSV_INVALID_CLOSING_QUOTE: "a quoted field must end at a comma or a line end",
};

/** Parses one piece of CSV text, handing each record to `onRecord`; returns the syntax error, if any, with its line in the piece. */
function parsePiece(text: string, onRecord: (record: string[]) => void): CsvError | undefined {
  let records = 0;
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      on_record: (record: string[]) => {
        records++;
        onRecord(record);
        return null;
      },
    });
    return undefined;
  } catch (error) {
    const e = error as Error & { code?: string; lines?: number };
    return { line: e.lines ?? records + 1, message: MESSAGES[e.code ?? ""] ?? e.message };
  }
}

export function parseCsv(text: string): CsvParse {
  const rows: string[][] = [];
  const error = parsePiece(text, (record) => rows.push(record));
  return error ? { rows, error } : { rows };
}

/** Bytes are handed to the parser in pieces of at least this many, cut at record boundaries. */
const PIECE = 1 << 16;
const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** Whether the first line break of the bytes is a bare carriage return (then line feeds may be field content). */
function breaksWithBareCr(b: Uint8Array): boolean {
  const lf = b.indexOf(LF);
  for (let cr = b.indexOf(CR); cr >= 0 && (lf < 0 || cr < lf); cr = b.indexOf(CR, cr + 1)) if (b[cr + 1] !== LF) return true;
  return false;
}

/**
 * Reads CSV bytes (UTF-8) in pieces, handing each record to `onRecord` and keeping none; returns
 * the first syntax error with its line in the file. A quote or a line feed byte never occurs inside
 * a multi-byte UTF-8 character, so the bytes are cut before they are decoded, one piece at a time.
 * A file whose line breaks are bare carriage returns is read as one piece.
 */
export function scanCsv(b: Uint8Array, onRecord: (record: string[]) => void): CsvError | undefined {
  const decoder = new TextDecoder();
  const splittable = !breaksWithBareCr(b);
  let start = 0;
  let linesBefore = 0;
  let lines = 0;
  let quoted = false;
  for (let i = 0; i < b.length && splittable; i++) {
    const c = b[i];
    if (c === QUOTE) quoted = !quoted;
    else if (c === LF) {
      lines++;
      if (!quoted && i + 1 - start >= PIECE) {
        const error = parsePiece(decoder.decode(b.subarray(start, i + 1)), onRecord);
        if (error) return { line: linesBefore + error.line, message: error.message };
        start = i + 1;
        linesBefore = lines;
      }
    }
  }
  if (start === b.length && b.length > 0) return undefined;
  const error = parsePiece(decoder.decode(b.subarray(start)), onRecord);
  return error && { line: linesBefore + error.line, message: error.message };
}
