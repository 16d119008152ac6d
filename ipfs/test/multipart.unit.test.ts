import { describe, expect, it } from "vitest";
import { boundaryOf, MultipartError, readMultipart } from "../src/multipart.ts";
import { collect } from "./helpers.ts";

const BOUNDARY = "-----------------------------abc123";

function body(parts: Array<{ name: string; filename: string; type?: string; content: Uint8Array | string }>): Buffer {
  const pieces: Buffer[] = [];
  parts.forEach((part, i) => {
    if (i > 0) pieces.push(Buffer.from("\r\n"));
    pieces.push(Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"; filename="${part.filename}"\r\nContent-Type: ${part.type ?? "application/octet-stream"}\r\n\r\n`));
    pieces.push(Buffer.from(part.content));
  });
  pieces.push(Buffer.from(`\r\n--${BOUNDARY}--\r\n`));
  return Buffer.concat(pieces);
}

/** Feeds `bytes` in chunks of `size` bytes, to exercise every split point of the delimiter. */
async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function parse(bytes: Uint8Array, chunkSize: number) {
  const out: Array<{ fieldName: string; filename: string; contentType: string; content: Buffer }> = [];
  for await (const part of readMultipart(chunked(bytes, chunkSize), BOUNDARY)) {
    out.push({ fieldName: part.fieldName, filename: part.filename, contentType: part.contentType, content: Buffer.from(await collect(part.body)) });
  }
  return out;
}

describe("multipart reader", () => {
  it("reads the boundary from the Content-Type header and refuses other bodies", () => {
    expect(boundaryOf(`multipart/form-data; boundary=${BOUNDARY}`)).toBe(BOUNDARY);
    expect(boundaryOf(`multipart/form-data; boundary="quoted"`)).toBe("quoted");
    expect(() => boundaryOf("application/json")).toThrow(MultipartError);
    expect(() => boundaryOf(undefined)).toThrow(MultipartError);
    expect(() => boundaryOf("multipart/form-data")).toThrow(/boundary/);
  });

  it("gives identical parts whatever the chunking, including content that resembles the delimiter", async () => {
    // Content holding a CRLF and a near-boundary, to trip a reader that matches too early.
    const tricky = Buffer.from(`a\r\n--${BOUNDARY.slice(0, -1)}X\r\n--b`);
    const encoded = body([
      { name: "file", filename: "one.txt", content: "hello world" },
      { name: "file-1", filename: encodeURIComponent("two words.bin"), content: tricky },
      { name: "file-2", filename: "", content: new Uint8Array(0) },
    ]);
    const expected = await parse(encoded, encoded.length);
    expect(expected.map((p) => p.filename)).toEqual(["one.txt", "two words.bin", ""]);
    expect(expected.map((p) => p.fieldName)).toEqual(["file", "file-1", "file-2"]);
    expect(expected[0]?.content.toString()).toBe("hello world");
    expect(expected[1]?.content.equals(tricky)).toBe(true);
    expect(expected[2]?.content.length).toBe(0);
    for (const size of [1, 2, 3, 5, 7, 13, 38, 64]) {
      expect(await parse(encoded, size)).toEqual(expected);
    }
  });

  it("streams a large part without loss", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const parts = await parse(body([{ name: "file", filename: "big", content: big }]), 65_536);
    expect(parts).toHaveLength(1);
    expect(parts[0]?.content.equals(big)).toBe(true);
  });

  it("refuses a truncated body", async () => {
    const encoded = body([{ name: "file", filename: "x", content: "hello" }]);
    await expect(parse(encoded.subarray(0, encoded.length - 12), 4)).rejects.toThrow(MultipartError);
    await expect(parse(Buffer.from("no boundary at all"), 4)).rejects.toThrow(/first boundary/);
  });
});
