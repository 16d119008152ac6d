// RFC 4180 CSV: comma-separated fields, CRLF or LF line ends, fields quoted with `"` may hold commas,
// line breaks and doubled quotes. Returns rows of fields, or the first syntax error with its line.

export interface CsvParse { rows: string[][]; error?: { line: number; message: string } }

export function parseCsv(text: string): CsvParse {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let line = 1;
  let i = 0;
  const n = text.length;
  let quoted = false; // inside a quoted field
  let fieldStarted = false;
  if (text.charCodeAt(0) === 0xfeff) i = 1; // byte-order mark
  while (i < n) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false;
        i += 1;
        const next = text[i];
        if (next !== undefined && next !== "," && next !== "\n" && next !== "\r") {
          return { rows, error: { line, message: `a quoted field must end at a comma or a line end, found ${JSON.stringify(next)}` } };
        }
        continue;
      }
      if (c === "\n") line += 1;
      field += c;
      i += 1;
      continue;
    }
    if (c === '"') {
      if (field.length > 0) return { rows, error: { line, message: "a quote inside an unquoted field (quote the whole field and double the quote)" } };
      quoted = true;
      fieldStarted = true;
      i += 1;
      continue;
    }
    if (c === ",") { row.push(field); field = ""; fieldStarted = true; i += 1; continue; }
    if (c === "\r" || c === "\n") {
      row.push(field);
      rows.push(row);
      row = []; field = ""; fieldStarted = false;
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line += 1;
      continue;
    }
    field += c;
    fieldStarted = true;
    i += 1;
  }
  if (quoted) return { rows, error: { line, message: "a quoted field is not closed before the end of the file" } };
  if (fieldStarted || field.length > 0 || row.length > 0) { row.push(field); rows.push(row); }
  return { rows };
}
