// Run by many-files.test.ts as `node --expose-gc many-tiny-files.ts [src]`: one add request of many
// tiny files, streamed in two rounds. Between the rounds the request is still open, so what the
// node keeps per file until the request ends is what the heap (after a full collection) grows by.
// Prints one JSON line: { files, retainedBytesPerFile, microsPerFile, lines }.
import { randomBytes } from "node:crypto";
import http from "node:http";
import { CID } from "multiformats/cid";
import { sha256 } from "multiformats/hashes/sha2";
import { RAW_CODE } from "@openledger/protocol";
import type { startIpfsNode as StartIpfsNode } from "../../src/index.ts";
import { tempDir } from "../helpers.ts";

const WARM_UP_FILES = 300;
const MEASURED_FILES = 3000;
const BOUNDARY = "----many-tiny-files";

const source = process.argv[2] ?? "../../src/index.ts";
const { startIpfsNode } = (await import(source)) as { startIpfsNode: typeof StartIpfsNode };
const collect = (globalThis as { gc?: () => void }).gc;
if (collect === undefined) throw new Error("run with --expose-gc");

function retainedHeap(): number {
  collect?.();
  collect?.();
  return process.memoryUsage().heapUsed;
}

const dir = await tempDir();
const running = await startIpfsNode({ dataDir: dir.path, port: 0, gcIntervalMs: 0 });
let answer = "";
const req = http.request(`${running.url}/api/v0/add?cid-version=1&raw-leaves=true`, {
  method: "POST",
  headers: { "Content-Type": `multipart/form-data; boundary=${BOUNDARY}` },
});
const answered = new Promise<void>((resolve, reject) => {
  req.on("response", (res) => {
    res.setEncoding("utf8");
    res.on("data", (text: string) => (answer += text));
    res.on("end", resolve);
  });
  req.on("error", reject);
});

/** Sends files `from`…`to - 1` and waits until the node has stored all but the last (whose end the next delimiter marks). */
async function sendFiles(from: number, to: number): Promise<void> {
  let lastDone: CID | undefined;
  for (let i = from; i < to; i++) {
    const content = randomBytes(16);
    req.write(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file-${i}"; filename="f${i}"\r\nContent-Type: application/octet-stream\r\n\r\n`);
    req.write(content);
    req.write("\r\n");
    if (i === to - 2) lastDone = CID.createV1(RAW_CODE, await sha256.digest(content));
  }
  while (!(await running.node.hasBlock(lastDone as CID))) await new Promise((resolve) => setTimeout(resolve, 20));
}

try {
  await sendFiles(0, WARM_UP_FILES);
  const before = retainedHeap();
  const start = performance.now();
  await sendFiles(WARM_UP_FILES, WARM_UP_FILES + MEASURED_FILES);
  const seconds = (performance.now() - start) / 1000;
  const after = retainedHeap();
  req.end(`--${BOUNDARY}--\r\n`);
  await answered;
  const lines = answer.trim().split("\n").length;
  console.log(JSON.stringify({ files: MEASURED_FILES, retainedBytesPerFile: (after - before) / MEASURED_FILES, microsPerFile: (seconds * 1e6) / MEASURED_FILES, lines }));
} finally {
  await running.stop();
  await dir.cleanup();
}
