// A streaming reader of `multipart/form-data` bodies, as kubo-rpc-client sends them to `/api/v0/add`.
//
// The client streams each file as one part (`name="file"`, `file-1`, …; `filename` is the
// URI-encoded path; `Content-Type: application/octet-stream`, or `application/x-directory` for a
// directory). Parts are yielded one at a time and their bodies are streamed, so a file goes into
// the importer while it is still arriving and is never held in memory whole. A part's body must be
// read to its end (or abandoned by ending the iteration) before the next part is asked for.

/** One part of the body: its headers (lower-case names) and its content. */
export interface MultipartPart {
  headers: Map<string, string>;
  /** The `name` parameter of Content-Disposition (`file`, `file-1`, … for kubo-rpc-client). */
  fieldName: string;
  /** The `filename` parameter, URI-decoded (the path the client gave, "" when none). */
  filename: string;
  contentType: string;
  body: AsyncIterable<Uint8Array>;
}

/** A body that is not the multipart/form-data it claims to be. */
export class MultipartError extends Error {
  override name = "MultipartError";
}

/** Header block of one part may not grow past this (Kubo's clients send ~150 bytes). */
const MAX_HEADER_BYTES = 16 * 1024;
const CRLF = Buffer.from("\r\n");
const HEADER_END = Buffer.from("\r\n\r\n");

/** The boundary named by a `Content-Type: multipart/form-data; boundary=…` header. */
export function boundaryOf(contentType: string | undefined): string {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) {
    throw new MultipartError("expected a multipart/form-data body (as `ipfs add` and kubo-rpc-client send)");
  }
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  const boundary = match?.[1] ?? match?.[2];
  if (boundary === undefined || boundary.length === 0 || boundary.length > 200) {
    throw new MultipartError("multipart/form-data body without a usable boundary parameter");
  }
  return boundary;
}

/** A pull-based reader over the request's chunks that keeps what was read but not yet used. */
class ChunkReader {
  private buffer: Buffer = Buffer.alloc(0);
  private ended = false;
  private readonly source: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.source = source[Symbol.asyncIterator]();
  }

  get pending(): Buffer {
    return this.buffer;
  }

  get done(): boolean {
    return this.ended;
  }

  /** Reads one more chunk into the buffer; false once the source has ended. */
  async fill(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    return true;
  }

  /**
   * Reads one more chunk while a part's body is being read. Joining the buffered tail and the new
   * chunk would copy every byte of the body once more; instead, when the tail cannot be the start of
   * `delimiter` (checked on the tail plus the chunk's first bytes), the tail is handed back as
   * content and the chunk is buffered on its own. `more` is false once the source has ended.
   */
  async fillAfterContent(delimiter: Buffer): Promise<{ more: boolean; released?: Buffer }> {
    if (this.ended) return { more: false };
    const next = await this.source.next();
    if (next.done === true) {
      this.ended = true;
      return { more: false };
    }
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    const tail = this.buffer;
    // The check needs the chunk to hold the rest of any delimiter that starts in the tail.
    if (tail.length > 0 && tail.length < delimiter.length && chunk.length >= delimiter.length - 1) {
      const junction = Buffer.concat([tail, chunk.subarray(0, delimiter.length - 1)]);
      if (junction.indexOf(delimiter) < 0) {
        this.buffer = chunk;
        return { more: true, released: tail };
      }
    }
    this.buffer = tail.length === 0 ? chunk : Buffer.concat([tail, chunk]);
    return { more: true };
  }

  /** Drops the first `count` bytes of the buffer. */
  consume(count: number): void {
    this.buffer = this.buffer.subarray(count);
  }

  /** Ensures at least `count` bytes are buffered; false when the source ends first. */
  async want(count: number): Promise<boolean> {
    while (this.buffer.length < count) {
      if (!(await this.fill())) return false;
    }
    return true;
  }
}

function parseHeaders(block: string): Map<string, string> {
  const headers = new Map<string, string>();
  for (const line of block.split("\r\n")) {
    if (line.length === 0) continue;
    const colon = line.indexOf(":");
    if (colon <= 0) throw new MultipartError(`malformed part header line: ${JSON.stringify(line.slice(0, 80))}`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return headers;
}

function dispositionParam(disposition: string, param: string): string | undefined {
  const match = new RegExp(`;\\s*${param}="([^"]*)"`, "i").exec(disposition) ?? new RegExp(`;\\s*${param}=([^;\\s]*)`, "i").exec(disposition);
  return match?.[1];
}

function decodeFilename(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/**
 * Yields the parts of a multipart body in order. Throws `MultipartError` on a malformed body
 * (missing boundary, truncated part, oversized headers).
 */
export async function* readMultipart(source: AsyncIterable<Uint8Array>, boundary: string): AsyncGenerator<MultipartPart> {
  const reader = new ChunkReader(source);
  const dashBoundary = Buffer.from(`--${boundary}`);
  // Inside the body every delimiter is preceded by CRLF.
  const delimiter = Buffer.from(`\r\n--${boundary}`);

  // Preamble: skip anything before the first boundary line.
  for (;;) {
    const at = reader.pending.indexOf(dashBoundary);
    if (at >= 0) {
      reader.consume(at + dashBoundary.length);
      break;
    }
    // Keep a tail that may hold the start of the boundary.
    if (reader.pending.length > dashBoundary.length) reader.consume(reader.pending.length - dashBoundary.length);
    if (!(await reader.fill())) throw new MultipartError("multipart body ended before its first boundary");
  }

  for (;;) {
    // After a boundary: `--` ends the body, CRLF starts a part.
    if (!(await reader.want(2))) throw new MultipartError("multipart body ended after a boundary without its closing `--`");
    const after = reader.pending.subarray(0, 2).toString("latin1");
    if (after === "--") return;
    if (after !== "\r\n") throw new MultipartError("malformed multipart boundary line");
    reader.consume(2);

    // Part headers, up to the blank line.
    let headerEnd = reader.pending.indexOf(HEADER_END);
    while (headerEnd < 0) {
      // A part with no headers at all starts straight with CRLF.
      if (reader.pending.length >= 2 && reader.pending.subarray(0, 2).equals(CRLF)) break;
      if (reader.pending.length > MAX_HEADER_BYTES) throw new MultipartError(`multipart part headers exceed ${MAX_HEADER_BYTES} bytes`);
      if (!(await reader.fill())) throw new MultipartError("multipart body ended inside part headers");
      headerEnd = reader.pending.indexOf(HEADER_END);
    }
    let headers: Map<string, string>;
    if (headerEnd < 0) {
      headers = new Map();
      reader.consume(2);
    } else {
      headers = parseHeaders(reader.pending.subarray(0, headerEnd).toString("utf8"));
      reader.consume(headerEnd + HEADER_END.length);
    }

    const disposition = headers.get("content-disposition") ?? "";
    let finished = false;
    async function* body(): AsyncGenerator<Uint8Array> {
      for (;;) {
        const at = reader.pending.indexOf(delimiter);
        if (at >= 0) {
          if (at > 0) yield reader.pending.subarray(0, at);
          reader.consume(at + delimiter.length);
          finished = true;
          return;
        }
        // Everything but a tail that could be the start of the delimiter is content.
        const safe = reader.pending.length - (delimiter.length - 1);
        if (safe > 0) {
          // A view, not a copy: the reader never writes into a buffer it has handed out.
          const out = reader.pending.subarray(0, safe);
          reader.consume(safe);
          yield out;
        }
        const { more, released } = await reader.fillAfterContent(delimiter);
        if (released !== undefined) yield released;
        if (!more) throw new MultipartError("multipart body ended inside a part (no closing boundary)");
      }
    }
    const part: MultipartPart = {
      headers,
      fieldName: dispositionParam(disposition, "name") ?? "",
      filename: decodeFilename(dispositionParam(disposition, "filename") ?? ""),
      contentType: headers.get("content-type") ?? "application/octet-stream",
      body: body(),
    };
    yield part;
    // Skip whatever the consumer left of this part's body.
    if (!finished) {
      for await (const _chunk of part.body) {
        // discarded
      }
      if (!finished) throw new MultipartError("multipart part was not terminated");
    }
  }
}
