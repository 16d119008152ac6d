// IPFS add throughput, as a ratio to plain sha256 of the same bytes on the same machine in the
// same run: `node ipfs/bench/add-throughput.ts [--sizes 1,10,64] [--runs 5] [--json FILE]`.
//
// Three ways of adding each payload, each timed end to end and reported as the median of the runs:
// - sha256: node:crypto over the bytes (the floor: every add hashes every byte at least once);
// - helia: `IpfsNode.add` straight into Helia on the filesystem blockstore, pinned;
// - http: kubo-rpc-client `add` through the node's Kubo RPC (multipart upload, import, pin).
// A fresh data folder per run keeps later runs from finding blocks already stored.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create } from "kubo-rpc-client";
import { KUBO_ADD_PARAMS } from "../../sdk/src/cid.ts";
import { IpfsNode, startIpfsNode } from "../src/index.ts";

const MiB = 1024 * 1024;

const { values } = parseArgs({
  options: {
    sizes: { type: "string", default: "1,10,64" },
    runs: { type: "string", default: "5" },
    json: { type: "string" },
  },
});
const sizesMiB = values.sizes.split(",").map(Number);
const runs = Number(values.runs);
if (sizesMiB.some((s) => !(s > 0)) || !(runs >= 1 && runs <= 50)) throw new Error("--sizes must be positive MiB values and --runs between 1 and 50");

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

async function freshDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "ipfs-bench-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

interface Row {
  sizeMiB: number;
  sha256MBps: number;
  heliaMBps: number;
  httpMBps: number;
  heliaRatio: number;
  httpRatio: number;
}

const rows: Row[] = [];
for (const sizeMiB of sizesMiB) {
  const bytes = randomBytes(sizeMiB * MiB);
  const megabytes = bytes.length / 1e6;
  const sha: number[] = [];
  const helia: number[] = [];
  const http: number[] = [];
  // One warm-up round of each, not counted.
  for (let run = -1; run < runs; run++) {
    const shaSeconds = await timed(async () => createHash("sha256").update(bytes).digest());

    const direct = await freshDir();
    const node = await IpfsNode.open({ dataDir: direct.path });
    const heliaSeconds = await timed(() => node.add(bytes));
    await node.stop();
    await direct.cleanup();

    const served = await freshDir();
    // The body limit is raised only so that the largest payloads fit.
    const running = await startIpfsNode({ dataDir: served.path, port: 0, maxBodyBytes: bytes.length + MiB });
    const client = create({ url: running.url });
    const httpSeconds = await timed(() => client.add(bytes, { cidVersion: 1, rawLeaves: true, chunker: KUBO_ADD_PARAMS.chunker, hashAlg: KUBO_ADD_PARAMS.hash }));
    await running.stop();
    await served.cleanup();

    if (run >= 0) {
      sha.push(shaSeconds);
      helia.push(heliaSeconds);
      http.push(httpSeconds);
    }
  }
  const shaMBps = megabytes / median(sha);
  const heliaMBps = megabytes / median(helia);
  const httpMBps = megabytes / median(http);
  rows.push({ sizeMiB, sha256MBps: shaMBps, heliaMBps, httpMBps, heliaRatio: heliaMBps / shaMBps, httpRatio: httpMBps / shaMBps });
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits).padStart(9);
console.log(`IPFS add throughput (MB/s, median of ${runs} runs; ratio = add MB/s ÷ sha256 MB/s)`);
console.log("  size MiB   sha256    helia    ratio     http    ratio");
for (const r of rows) {
  console.log(`${fmt(r.sizeMiB)}${fmt(r.sha256MBps)}${fmt(r.heliaMBps)}${fmt(r.heliaRatio, 3)}${fmt(r.httpMBps)}${fmt(r.httpRatio, 3)}`);
}
if (values.json !== undefined) {
  await writeFile(values.json, `${JSON.stringify({ runs, node: process.version, rows }, null, 2)}\n`);
}
