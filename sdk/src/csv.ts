// CSV (RFC 4180: quoted fields with commas, line breaks and doubled quotes; CRLF or LF; a byte-order
// mark) read with csv-parse, the one CSV parser of the project: the SDK's file check and the
// trainer's dataset conversion both use it. Rows may differ in width (callers judge that against
// the header); the first syntax error stops the parse and is reported with its line, beside the
// rows read before it.
// The package's browser build: its Node build reads the `Buffer` global, which browsers lack.
import { parse } from "csv-parse/browser/esm/sync";

export interface CsvParse {
  rows: string[][];
  error?: { line: number; message: string };
}

const MESSAGES: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: "a quoted field is not closed at the end of the file",
  INVALID_OPENING_QUOTE: "a quote inside an unquoted field",
  CSV_INVALID_CLOSING_QUOTE: "a quoted field must end at a comma or a line end",
};

export function parseCsv(text: string): CsvParse {
  const rows: string[][] = [];
  try {
    parse(text, {
      bom: true,
      relax_column_count: true,
      on_record: (record: string[]) => {
        rows.push(record);
        return null;
      },
    });
    return { rows };
  } catch (error) {
    const e = error as Error & { code?: string; lines?: number };
    return { rows, error: { line: e.lines ?? rows.length + 1, message: MESSAGES[e.code ?? ""] ?? e.message } };
  }
}
