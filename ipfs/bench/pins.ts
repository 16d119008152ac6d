// Per-item costs of the node through its Kubo RPC: `pin/ls` of one CID among many pins, and one
// add of many tiny files. `node ipfs/bench/pins.ts [--pins 2000] [--parts 2000] [--json FILE]`.
//
// Prints, for each case, the total time, the time per item and the growth of the server's
// resident memory, so that figures from two versions of the node on the same machine compare.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startIpfsNode } from "../src/index.ts";

const { values } = parseArgs({
  options: {
    pins: { type: "string", default: "2000" },
    parts: { type: "string", default: "2000" },
    json: { type: "string" },
  },
});
const pinCount = Number(values.pins);
const partCount = Number(values.parts);

const rssMiB = (): number => process.memoryUsage().rss / 1048576;

/** A multipart body of `count` files of a few bytes each, as kubo-rpc-client would send it. */
function tinyParts(count: number): { body: Uint8Array<ArrayBuffer>; type: string } {
  const boundary = "----bench-boundary";
  const pieces: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    pieces.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file-${i}"; filename="f${i}"\r\nContent-Type: application/octet-stream\r\n\r\n`));
    pieces.push(randomBytes(16), Buffer.from("\r\n"));
  }
  pieces.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: new Uint8Array(Buffer.concat(pieces)), type: `multipart/form-data; boundary=${boundary}` };
}

async function post(url: string, body?: { body: Uint8Array<ArrayBuffer>; type: string }): Promise<string> {
  const res = await fetch(url, { method: "POST", body: body?.body, headers: body === undefined ? {} : { "Content-Type": body.type } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${text.slice(0, 200)}`);
  return text;
}

const dir = await mkdtemp(join(tmpdir(), "ipfs-bench-pins-"));
const running = await startIpfsNode({ dataDir: join(dir, "node"), port: 0 });
const api = `${running.url}/api/v0`;
const results: Record<string, number> = {};
try {
  // Many tiny parts in one add.
  const parts = tinyParts(partCount);
  let rss = rssMiB();
  let start = performance.now();
  const lines = (await post(`${api}/add?cid-version=1&raw-leaves=true`, parts)).trim().split("\n");
  results.addSeconds = (performance.now() - start) / 1000;
  results.addRssMiB = rssMiB() - rss;
  if (lines.length !== partCount) throw new Error(`add answered ${lines.length} lines for ${partCount} parts`);

  // Pins: each file above is one pin; add more (two-leaf files) until there are `pinCount`.
  const roots = lines.map((line) => (JSON.parse(line) as { Hash: string }).Hash);
  for (let i = roots.length; i < pinCount; i++) roots.push((await running.node.add(randomBytes(1024 * 1024 + 64))).cid.toString());
  rss = rssMiB();
  const asked = [roots[0], roots[Math.floor(roots.length / 2)], roots[roots.length - 1]] as string[];
  start = performance.now();
  for (const cid of asked) await post(`${api}/pin/ls?arg=${cid}`);
  results.pinLsSeconds = (performance.now() - start) / 1000 / asked.length;
  results.pinLsRssMiB = rssMiB() - rss;
} finally {
  await running.stop();
  await rm(dir, { recursive: true, force: true });
}

console.log(`Per-item costs through the Kubo RPC (one process; memory is resident-set growth)`);
console.log(`  add of ${partCount} tiny files in one request: ${results.addSeconds?.toFixed(2)} s, ${((results.addSeconds as number) * 1e6 / partCount).toFixed(0)} µs per file, +${results.addRssMiB?.toFixed(0)} MiB`);
console.log(`  pin/ls of one CID among ${Math.max(pinCount, partCount)} pins: ${((results.pinLsSeconds as number) * 1000).toFixed(1)} ms, +${results.pinLsRssMiB?.toFixed(0)} MiB`);
if (values.json !== undefined) await writeFile(values.json, `${JSON.stringify({ pins: pinCount, parts: partCount, ...results }, null, 2)}\n`);
