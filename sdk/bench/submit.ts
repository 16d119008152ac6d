// Benchmark: contributions per second the SDK pushes to a local Hardhat node, one file per
// transaction and in batches, and gas per file from the receipts (development build profile;
// `npm run bench:gas` measures the production profile); then the whole `contribute` path (file
// checks, CID, upload to the embedded IPFS node, submission) as a share of bare batched
// submissions of files already on IPFS, measured in the same run; then the peak memory of checking
// a 10 MiB file of each format, each in a fresh process. Medians of several rounds, printed beside
// the targets; nothing is asserted (the memory test asserts the memory bound).
//
//   npm run bench:sdk                  defaults: 3 rounds of 256 contributions per mode
//   npm run bench:sdk -- --files 512 --rounds 5
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeFunctionData, toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { datanetsAbi, governanceOf } from "@openledger/protocol";
import { startIpfsNode } from "@openledger/ipfs-node";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, governDev, publicClientFor } from "@openledger/protocol/deploy";
import { startChain } from "@openledger/stack";
import { bytesSource, CidCodec, contribute, createDatanet, createIpfsClient, Format, FORMAT_NAMES, Modality, submitFiles, toOnchainCid, type FileRef } from "../src/index.ts";
import { checkInChild, PEAK_RSS_TARGET_MB, writeLargeFile } from "../test/memory/large-files.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const FILES = arg("files", 256);
const ROUNDS = arg("rounds", 3);
/** Files per `contribute` call and per batch of the bare submissions it is compared with. */
const CALL_BATCH = 50;
/** The issue's target for the whole contribute path, as a share of bare batched submissions. */
const CONTRIBUTE_TARGET = 0.7;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const chain = await startChain();
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-sdk-"));
const ipfsNode = await startIpfsNode({ dataDir: path.join(dir, "ipfs") });
try {
  const client = publicClientFor(chain.rpcUrl);
  const admin = devWallet(chain.rpcUrl, 0);
  const deployment = await deployProtocol({ wallet: admin, client, write: false, trainers: [privateKeyToAccount(DEV_PRIVATE_KEYS[0]!).address] });
  const contracts = deployment.contracts;
  // Raise the protocol's daily quotas so that one contributor can submit the whole benchmark.
  await governDev(admin, client, governanceOf(deployment), {
    target: contracts.Datanets,
    data: encodeFunctionData({ abi: datanetsAbi, functionName: "setProtocolLimits", args: [10 * 1024 * 1024, 4_000_000_000, 65_535, 100] }),
  });
  const wallet = devWallet(chain.rpcUrl, 0);
  const ipfs = createIpfsClient(ipfsNode.url);
  const metadata = await ipfs.add(new TextEncoder().encode('{"name":"bench"}'));
  const datanetId = (
    await createDatanet(wallet, { contracts, modality: Modality.Text, formats: [Format.Txt], metadata, limits: { dailyBytes: 4_000_000_000, dailyFiles: 65_535 } })
  ).result.datanetId;

  let counter = 0;
  const randomRef = (): FileRef => ({ digest: toHex(crypto.getRandomValues(new Uint8Array(32))) as Hex, codec: CidCodec.Raw, format: Format.Txt, size: 1_000 });
  /** A distinct text file of about 2 KB (as a source; `bytes` too, for SDK versions that took bytes). */
  const textFile = () => {
    const n = ++counter;
    const bytes = new TextEncoder().encode(`benchmark contribution ${n} ${Math.random()}\n${"lorem ipsum dolor sit amet ".repeat(75)}\n`);
    return Object.assign(bytesSource(`f${n}.txt`, bytes), { bytes });
  };
  const rows: string[][] = [];

  for (const batch of [1, 10, 50, 256]) {
    const rates: number[] = [];
    const gasPerFile: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const n = batch === 1 ? Math.min(FILES, 64) : FILES;
      let gas = 0n;
      const start = performance.now();
      for (let i = 0; i < n; i += batch) {
        const sent = await submitFiles(wallet, { contracts, datanetId, files: Array.from({ length: Math.min(batch, n - i) }, randomRef) });
        gas += sent.receipt.gasUsed;
      }
      const seconds = (performance.now() - start) / 1000;
      rates.push(n / seconds);
      gasPerFile.push(Number(gas) / n);
    }
    rows.push([`submitFiles, ${batch === 1 ? "one per tx" : `batches of ${batch}`}`, median(rates).toFixed(1), median(gasPerFile).toFixed(0)]);
  }

  // The comparison: the same number of real files, submitted bare (already on IPFS) and through contribute.
  const bare: number[] = [];
  const whole: number[] = [];
  const stages = new Map<string, number[]>();
  const n = Math.min(FILES, 200);
  for (let round = 0; round < ROUNDS; round++) {
    const added: FileRef[] = [];
    for (let i = 0; i < n; i++) {
      const f = textFile();
      added.push({ ...toOnchainCid(await ipfs.add(f.bytes)), format: Format.Txt, size: f.size });
    }
    let start = performance.now();
    for (let i = 0; i < n; i += CALL_BATCH) await submitFiles(wallet, { contracts, datanetId, files: added.slice(i, i + CALL_BATCH) });
    bare.push(n / ((performance.now() - start) / 1000));
    const calls = Array.from({ length: Math.ceil(n / CALL_BATCH) }, (_, i) => Array.from({ length: Math.min(CALL_BATCH, n - i * CALL_BATCH) }, textFile));
    start = performance.now();
    for (const files of calls) {
      const began = performance.now();
      const at: Record<string, number> = {};
      await contribute(wallet, { contracts, ipfs, datanetId, files, onProgress: (p) => void (at[p.stage] = performance.now() - began) });
      const end = performance.now() - began;
      // Where a call's time goes: checks (reads and byte checks), the pre-upload checks against the
      // chain, the upload, the submission, and the quota read after it.
      const spent = {
        checks: at.checked!,
        "pre-upload checks": at.uploading! - at.checked!,
        upload: at.submitting! - at.uploading!,
        submission: at.submitted! - at.submitting!,
        "quota after": end - at.submitted!,
      };
      for (const [stage, ms] of Object.entries(spent)) stages.set(stage, [...(stages.get(stage) ?? []), ms]);
    }
    whole.push(n / ((performance.now() - start) / 1000));
  }
  rows.push([`submitFiles of files already on IPFS, batches of ${CALL_BATCH}`, median(bare).toFixed(1), "as above"]);
  rows.push([`contribute (check + upload + submit), ${CALL_BATCH} files per call`, median(whole).toFixed(1), "as above"]);
  const single: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const m = Math.min(FILES, 32);
    const start = performance.now();
    for (let i = 0; i < m; i++) await contribute(wallet, { contracts, ipfs, datanetId, files: [textFile()] });
    single.push(m / ((performance.now() - start) / 1000));
  }
  rows.push(["contribute (check + upload + submit), one file per call", median(single).toFixed(1), "as above"]);

  const widths = [66, 22, 14];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("");
  console.log(`\nSDK → local Hardhat node, medians of ${ROUNDS} rounds (${FILES} contributions per batched round)\n`);
  console.log(line(["mode", "contributions / s", "gas per file"]));
  for (const r of rows) console.log(line(r));
  const ratio = median(whole) / median(bare);
  console.log(
    `\ncontribute path vs bare batched submissions (${CALL_BATCH} files per call): ${(ratio * 100).toFixed(0)}% ` +
      `(target ≥ ${CONTRIBUTE_TARGET * 100}%: ${ratio >= CONTRIBUTE_TARGET ? "met" : "not met"})`,
  );
  console.log(
    `  one call of ${CALL_BATCH} files, medians of ${stages.get("checks")?.length ?? 0} calls: ` +
      [...stages].map(([stage, ms]) => `${stage} ${median(ms).toFixed(1)} ms`).join(", ") +
      `; a bare batch of ${CALL_BATCH} takes ${((CALL_BATCH / median(bare)) * 1000).toFixed(1)} ms`,
  );

  console.log(
    `\nChecking a large file of each format in a fresh process, medians of ${ROUNDS}: peak RSS of the process, and the check's own ` +
      `share (peak RSS above what the process held once the checks were loaded; target < ${PEAK_RSS_TARGET_MB} MB)\n`,
  );
  const memoryWidths = [8, 12, 10, 18, 18, 10];
  const memoryLine = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(memoryWidths[i]!) : c.padStart(memoryWidths[i]!))).join("");
  console.log(memoryLine(["format", "size (MiB)", "verdict", "process peak (MB)", "check's own (MB)", "target"]));
  for (const format of FORMAT_NAMES) {
    const file = writeLargeFile(dir, format);
    const runs = [];
    for (let round = 0; round < ROUNDS; round++) runs.push(await checkInChild(file)); // one at a time: a quiet machine for each
    const own = median(runs.map((r) => r.checkRssMb));
    const cells = [format, (statSync(file).size / 1024 / 1024).toFixed(2), runs[0]!.ok ? "ok" : runs[0]!.rule!, median(runs.map((r) => r.peakRssMb)).toFixed(1), own.toFixed(1)];
    console.log(memoryLine([...cells, own < PEAK_RSS_TARGET_MB ? "met" : "not met"]));
    rmSync(file);
  }
} finally {
  await ipfsNode.stop();
  await chain.stop();
  rmSync(dir, { recursive: true, force: true });
}
