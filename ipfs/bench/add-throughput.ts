// IPFS add throughput, as a ratio to plain sha256 of the same bytes on the same machine in the
// same run: `node ipfs/bench/add-throughput.ts [--sizes 1,10,64] [--runs 5] [--json FILE]`.
//
// Three ways of adding each payload, each timed end to end and reported as the median of the runs:
// - sha256: node:crypto over the bytes (the floor: every add hashes every byte at least once);
// - helia: `IpfsNode.add` straight into Helia on the filesystem blockstore, pinned;
// - http: kubo-rpc-client `add` through the node's Kubo RPC (multipart upload, import, pin);
// - post: the same request as one plain `fetch` of a ready multipart body, which leaves out
//   kubo-rpc-client's own cost (it builds and streams the body through web streams);
// - apart: the same body through node:http (which writes it to the socket as it is, where fetch
//   streams it through web streams) to a node in a process of its own (`ipfs/src/cli.ts`), as the
//   local stack runs it. The three paths above run the node in this process, where the client's
//   work and the node's share one thread.
// Each run adds fresh random bytes, so no run finds its blocks already stored.
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { create } from "kubo-rpc-client";
import { KUBO_ADD_PARAMS } from "@openledger/sdk";
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
  postMBps: number;
  postRatio: number;
  apartMBps: number;
  apartRatio: number;
}

/** The node's CLI in a child process on a free port; resolves once it prints its RPC address. */
async function startApart(dataDir: string, maxBodyMiB: number): Promise<{ url: string; stop: () => Promise<void> }> {
  const cli = new URL("../src/cli.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", cli, "--data", dataDir, "--port", "0", "--max-body-mib", String(maxBodyMiB)], { stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (c: Buffer) => {
      out += c.toString();
      const match = /rpc\s+(http:\/\/127\.0\.0\.1:\d+)\/api\/v0/.exec(out);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the IPFS node exited (${code}) before it listened:\n${out}`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGINT");
    await exited;
  };
  return { url, stop };
}

const BOUNDARY = "----bench-boundary";

/** One file as a multipart/form-data body, the way kubo-rpc-client frames it. */
function multipartBody(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="file"\r\nContent-Type: application/octet-stream\r\n\r\n`);
  return new Uint8Array(Buffer.concat([head, bytes, Buffer.from(`\r\n--${BOUNDARY}--\r\n`)]));
}

async function plainPost(url: string, body: Uint8Array<ArrayBuffer>): Promise<void> {
  const res = await fetch(`${url}/api/v0/add?${new URLSearchParams(KUBO_ADD_PARAMS)}`, {
    method: "POST",
    body,
    headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
  });
  if (res.status !== 200) throw new Error(`add: ${res.status} ${await res.text()}`);
  await res.text();
}

/** The same request through node:http, which writes the body to the socket as it is. */
function httpPost(url: string, body: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/api/v0/add?${new URLSearchParams(KUBO_ADD_PARAMS)}`, { method: "POST", headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}`, "Content-Length": body.byteLength } }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => (text += c.toString()));
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`add: ${res.statusCode} ${text}`))));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const rows: Row[] = [];
for (const sizeMiB of sizesMiB) {
  const size = sizeMiB * MiB;
  const megabytes = size / 1e6;
  // One node of each kind per size, reused across runs: what is measured is a running node's add,
  // not its start. Each run adds different bytes, so nothing is already stored.
  const direct = await freshDir();
  const node = await IpfsNode.open({ dataDir: direct.path });
  const served = await freshDir();
  // The body limit is raised only so that the largest payloads fit.
  const running = await startIpfsNode({ dataDir: served.path, port: 0, maxBodyBytes: size + MiB });
  const client = create({ url: running.url });
  const elsewhere = await freshDir();
  const apart = await startApart(elsewhere.path, Math.ceil(size / MiB) + 1);
  const profile = { cidVersion: 1 as const, rawLeaves: true, chunker: KUBO_ADD_PARAMS.chunker, hashAlg: KUBO_ADD_PARAMS.hash };
  const sha: number[] = [];
  const helia: number[] = [];
  const http: number[] = [];
  const post: number[] = [];
  const apartTimes: number[] = [];
  // Run -1 warms up each path and is not counted.
  for (let run = -1; run < runs; run++) {
    const bytes = randomBytes(size);
    const shaSeconds = await timed(async () => createHash("sha256").update(bytes).digest());
    const heliaSeconds = await timed(() => node.add(bytes));
    const other = randomBytes(size);
    const httpSeconds = await timed(() => client.add(other, profile));
    const framed = multipartBody(randomBytes(size));
    const postSeconds = await timed(() => plainPost(running.url, framed));
    const framedApart = multipartBody(randomBytes(size));
    const apartSeconds = await timed(() => httpPost(apart.url, framedApart));
    if (run >= 0) {
      post.push(postSeconds);
      apartTimes.push(apartSeconds);
      sha.push(shaSeconds);
      helia.push(heliaSeconds);
      http.push(httpSeconds);
    }
  }
  await running.stop();
  await apart.stop();
  await elsewhere.cleanup();
  await node.stop();
  await served.cleanup();
  await direct.cleanup();
  const shaMBps = megabytes / median(sha);
  const heliaMBps = megabytes / median(helia);
  const httpMBps = megabytes / median(http);
  const postMBps = megabytes / median(post);
  const apartMBps = megabytes / median(apartTimes);
  rows.push({ sizeMiB, sha256MBps: shaMBps, heliaMBps, httpMBps, heliaRatio: heliaMBps / shaMBps, httpRatio: httpMBps / shaMBps, postMBps, postRatio: postMBps / shaMBps, apartMBps, apartRatio: apartMBps / shaMBps });
}

const fmt = (n: number, digits = 0): string => n.toFixed(digits).padStart(9);
console.log(`IPFS add throughput (MB/s, median of ${runs} runs; ratio = add MB/s ÷ sha256 MB/s)`);
console.log("  size MiB   sha256    helia    ratio     http    ratio     post    ratio    apart    ratio");
for (const r of rows) {
  console.log(`${fmt(r.sizeMiB)}${fmt(r.sha256MBps)}${fmt(r.heliaMBps)}${fmt(r.heliaRatio, 3)}${fmt(r.httpMBps)}${fmt(r.httpRatio, 3)}${fmt(r.postMBps)}${fmt(r.postRatio, 3)}${fmt(r.apartMBps)}${fmt(r.apartRatio, 3)}`);
}
console.log("apart: the node in its own process, as the stack runs it (target for the RPC add: ratio ≥ 0.5)");
if (values.json !== undefined) {
  await writeFile(values.json, `${JSON.stringify({ runs, node: process.version, rows }, null, 2)}\n`);
}
