// A file's bytes as the SDK reads them: random access for the checks that start from a file's end
// (a ZIP's central directory, a PDF's cross-reference table) and a stream in order for hashing and
// upload, so that no step needs the whole file in memory. The same interface is backed by memory,
// by a browser `Blob`/`File`, and (in `@openledger/sdk/node`) by a file on disk.

/** The default chunk of a `stream()`: the CID profile's chunk size, 1 MiB. */
export const DEFAULT_READ_CHUNK = 1_048_576;

/** Random-access, re-readable bytes of one file. */
export interface ByteSource {
  /** Shown in messages (a file name or path); never used to decide the format. */
  readonly name: string;
  /** Length in bytes, known before any byte is read. */
  readonly size: number;
  /** Bytes [offset, offset + length), shorter only where the source ends. */
  read(offset: number, length: number): Promise<Uint8Array>;
  /** Every byte in order, in chunks of at most `chunkSize`; may be called again. */
  stream(chunkSize?: number): AsyncIterable<Uint8Array>;
}

function clampRange(size: number, offset: number, length: number): [number, number] {
  if (!Number.isSafeInteger(offset) || offset < 0) throw new RangeError(`read offset ${offset} is not a non-negative integer`);
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`read length ${length} is not a non-negative integer`);
  const start = Math.min(offset, size);
  return [start, Math.min(size, start + length)];
}

/** Streams a source by repeated `read`s. */
export async function* streamByReads(source: Pick<ByteSource, "size" | "read">, chunkSize = DEFAULT_READ_CHUNK): AsyncIterable<Uint8Array> {
  if (!Number.isSafeInteger(chunkSize) || chunkSize <= 0) throw new RangeError(`chunk size ${chunkSize} is not a positive integer`);
  for (let offset = 0; offset < source.size; offset += chunkSize) {
    const chunk = await source.read(offset, chunkSize);
    if (chunk.length === 0) throw new Error(`the source ended at byte ${offset} of the ${source.size} it announced`);
    yield chunk;
  }
}

/** Bytes already in memory. */
export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: bytes.length,
    read: async (offset, length) => {
      const [start, end] = clampRange(bytes.length, offset, length);
      return bytes.subarray(start, end);
    },
    stream: (chunkSize = DEFAULT_READ_CHUNK) => streamByReads({ size: bytes.length, read: async (o, l) => bytes.subarray(o, Math.min(bytes.length, o + l)) }, chunkSize),
  };
}

/** A browser `Blob` or `File` (a dropped file): read by slices, never whole. */
export function blobSource(blob: Blob, name = (blob as Blob & { name?: string }).name ?? "blob"): ByteSource {
  const read = async (offset: number, length: number) => {
    const [start, end] = clampRange(blob.size, offset, length);
    return new Uint8Array(await blob.slice(start, end).arrayBuffer());
  };
  return { name, size: blob.size, read, stream: (chunkSize) => streamByReads({ size: blob.size, read }, chunkSize) };
}

/** Reads a whole source into memory (for small sources only: callers check `size` first). */
export async function readAll(source: ByteSource): Promise<Uint8Array> {
  const out = new Uint8Array(source.size);
  let offset = 0;
  for await (const chunk of source.stream()) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  if (offset !== source.size) throw new Error(`${source.name} gave ${offset} bytes, not the ${source.size} it announced`);
  return out;
}
