// One add request of many tiny files: what the node keeps per file until the request ends stays
// small, measured in a child process (with --expose-gc) as the retained heap after full collections.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const CHILD = fileURLToPath(new URL("./child/many-tiny-files.ts", import.meta.url));
/**
 * The node kept ~4.4 KB per file before (CID objects with their cached text, held as ropes of
 * ~90 string pieces); it keeps ~0.7 KB now (flat strings). The bound leaves ~3× headroom.
 */
const MAX_RETAINED_BYTES_PER_FILE = 2048;

describe("add of many tiny files in one request", () => {
  it("keeps a small, bounded amount of memory per file until the request ends", async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ["--expose-gc", CHILD], { timeout: 120_000 });
    const result = JSON.parse(stdout.trim().split("\n").pop() as string) as { files: number; retainedBytesPerFile: number; microsPerFile: number; lines: number };
    expect(result.lines).toBe(3300);
    expect(result.retainedBytesPerFile).toBeLessThan(MAX_RETAINED_BYTES_PER_FILE);
  }, 150_000);
});
