// Benchmark: contributions per second the SDK pushes to a local Hardhat node, one file per
// transaction and in batches, and gas per file from the receipts (development build profile;
// `npm run bench:gas` measures the production profile); then the whole `contribute`
// path (file checks, CID, upload to the embedded IPFS node, submission) for the same batch sizes.
// Medians of several rounds, printed as a table; nothing is asserted.
//
//   npm run bench:sdk                  defaults: 3 rounds of 256 contributions per mode
//   npm run bench:sdk -- --files 512 --rounds 5
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { toHex, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { datanetsAbi } from "@openledger/protocol";
import { startIpfsNode } from "@openledger/ipfs-node";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, publicClientFor } from "@openledger/protocol/deploy";
import { startChain } from "@openledger/stack";
import { CidCodec, contribute, createDatanet, createIpfsClient, Format, Modality, submitFiles, type FileRef } from "../src/index.ts";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}
const FILES = arg("files", 256);
const ROUNDS = arg("rounds", 3);
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
  await client.waitForTransactionReceipt({
    hash: await admin.writeContract({ address: contracts.Datanets, abi: datanetsAbi, functionName: "setProtocolLimits", args: [10 * 1024 * 1024, 4_000_000_000, 65_535, 100] }),
  });
  const wallet = devWallet(chain.rpcUrl, 0);
  const ipfs = createIpfsClient(ipfsNode.url);
  const metadata = await ipfs.add(new TextEncoder().encode('{"name":"bench"}'));
  const datanetId = (
    await createDatanet(wallet, { contracts, modality: Modality.Text, formats: [Format.Txt], metadata, limits: { dailyBytes: 4_000_000_000, dailyFiles: 65_535 } })
  ).result.datanetId;

  let counter = 0;
  const randomRef = (): FileRef => ({ digest: toHex(crypto.getRandomValues(new Uint8Array(32))) as Hex, codec: CidCodec.Raw, format: Format.Txt, size: 1_000 });
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

  for (const batch of [1, 50]) {
    const rates: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const n = batch === 1 ? Math.min(FILES, 32) : Math.min(FILES, 200);
      const start = performance.now();
      for (let i = 0; i < n; i += batch) {
        const files = Array.from({ length: Math.min(batch, n - i) }, () => ({ name: `f${++counter}.txt`, bytes: new TextEncoder().encode(`benchmark contribution ${counter} ${Math.random()}\n`) }));
        await contribute(wallet, { contracts, ipfs, datanetId, files });
      }
      rates.push(n / ((performance.now() - start) / 1000));
    }
    rows.push([`contribute (check + upload + submit), ${batch === 1 ? "one file per call" : `${batch} files per call`}`, median(rates).toFixed(1), "as above"]);
  }

  const widths = [62, 22, 14];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("");
  console.log(`\nSDK → local Hardhat node, medians of ${ROUNDS} rounds (${FILES} contributions per batched round)\n`);
  console.log(line(["mode", "contributions / s", "gas per file"]));
  for (const r of rows) console.log(line(r));
} finally {
  await ipfsNode.stop();
  await chain.stop();
  rmSync(dir, { recursive: true, force: true });
}
