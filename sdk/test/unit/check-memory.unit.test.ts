// Checks in bounded memory: a file of about 10 MiB in every format is checked in a fresh process,
// and the memory the check itself adds (peak resident memory above what the process held once the
// checks were loaded) stays under the target; a file far over the cap is refused from its size
// without a byte read.
import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { bytesSource, checkSource, FORMAT_NAMES, MAX_FILE_SIZE_CEILING, type ByteSource } from "@openledger/sdk";
import { fileSource } from "@openledger/sdk/node";
import { checkInChild, PEAK_RSS_TARGET_MB, writeLargeFile } from "../memory/large-files.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "check-memory-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("checking a large file", () => {
  // Side by side (each child process measures its own memory), a few at a time.
  it.concurrent.each(FORMAT_NAMES)(`checks a large %s file of about 10 MiB with less than ${PEAK_RSS_TARGET_MB} MB of memory of its own`, async (format) => {
    const file = writeLargeFile(dir, format);
    expect(statSync(file).size, format).toBeGreaterThan(9.4 * 1024 * 1024);
    const result = await checkInChild(file);
    rmSync(file);
    expect(result, JSON.stringify(result)).toMatchObject({ ok: true, format });
    expect(result.checkRssMb).toBeLessThan(PEAK_RSS_TARGET_MB);
  }, 60_000);
});

describe("files over the cap", () => {
  it("refuses a 3 GiB sparse file from its size, without reading it", async () => {
    const huge = path.join(dir, "huge.csv");
    writeFileSync(huge, "");
    truncateSync(huge, 3 * 1024 ** 3);
    const source = fileSource(huge);
    let reads = 0;
    const counted: ByteSource = { ...source, read: (offset, length) => (reads++, source.read(offset, length)), stream: () => (reads++, source.stream()) };
    const started = performance.now();
    const verdict = await checkSource(counted, { maxFileSize: MAX_FILE_SIZE_CEILING });
    expect(performance.now() - started).toBeLessThan(500);
    expect(reads).toBe(0);
    expect(verdict).toMatchObject({ ok: false, rule: "too-large", numbers: { size: 3 * 1024 ** 3, maxFileSize: MAX_FILE_SIZE_CEILING } });
    if (!verdict.ok) expect(verdict.message).toBe("the file is 3221225472 bytes; the protocol takes at most 10485760 bytes per file");
  });

  it("refuses an empty file without reading it, and reads a file once", async () => {
    let reads = 0;
    const of = (bytes: Uint8Array): ByteSource => {
      const source = bytesSource("a.txt", bytes);
      return { ...source, read: (o, l) => (reads++, source.read(o, l)), stream: (c) => (reads++, source.stream(c)) };
    };
    expect(await checkSource(of(new Uint8Array()), { maxFileSize: 10 })).toMatchObject({ ok: false, rule: "empty" });
    expect(reads).toBe(0);
    expect(await checkSource(of(new TextEncoder().encode("hello\n")), { maxFileSize: 10, cid: true })).toMatchObject({ ok: true, size: 6 });
    expect(reads).toBe(1);
  });
});
