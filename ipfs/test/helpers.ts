// Shared test helpers: temporary data folders, a running node, Kubo's deterministic test data.
import { createCipheriv, createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startIpfsNode, type RunningIpfsNode, type StartIpfsNodeOptions } from "../src/index.ts";

export const MiB = 1024 * 1024;

/** A fresh temporary folder; `cleanup` removes it. */
export async function tempDir(prefix = "ipfs-node-test-"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A node on a fresh data folder; `close` stops it and removes the folder. */
export async function startTestNode(options: Partial<StartIpfsNodeOptions> = {}): Promise<RunningIpfsNode & { dataDir: string; close: () => Promise<void> }> {
  const dir = await tempDir();
  const running = await startIpfsNode({ dataDir: dir.path, port: 0, ...options });
  return {
    ...running,
    dataDir: dir.path,
    close: async () => {
      await running.stop();
      await dir.cleanup();
    },
  };
}

/**
 * Kubo's deterministic test bytes (test/cli/testutils/random_deterministic.go in ipfs/kubo): the
 * ChaCha20 keystream under key sha256(seed) with a zero nonce and block counter 0, `size` bytes.
 * Node's "chacha20" cipher takes a 16-byte IV: a 4-byte little-endian counter then the 12-byte nonce.
 */
export async function* deterministicBytes(size: number, seed: string, chunkSize = MiB): AsyncGenerator<Uint8Array> {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("chacha20", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(chunkSize);
  for (let left = size; left > 0; left -= chunkSize) {
    const n = Math.min(chunkSize, left);
    yield cipher.update(n === chunkSize ? zeros : zeros.subarray(0, n));
  }
}

/** The same bytes in one buffer (for sizes that fit comfortably in memory). */
export async function deterministicBuffer(size: number, seed: string): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of deterministicBytes(size, seed)) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/** Concatenates an async iterable of chunks. */
export async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return new Uint8Array(Buffer.concat(chunks));
}

/** The profile as kubo-rpc-client options (camelCase; the client sends them kebab-cased). */
export const PROFILE_CLIENT_OPTIONS = { cidVersion: 1, rawLeaves: true, chunker: "size-1048576", hashAlg: "sha2-256" } as const;

/** Every item of an async iterable, in order. */
export async function all<T>(source: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
}
