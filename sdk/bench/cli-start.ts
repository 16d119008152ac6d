// Benchmark: how long an `openledger` call takes from the shell, for commands that only read, run
// from the bundle that `bin/openledger.mjs` builds and from the TypeScript sources side by side, on
// a local Hardhat node with the protocol deployed. Medians of several runs, in seconds, printed
// beside the target (a read-only command under 0.5 s); nothing is asserted.
//
//   npm run bench:cli                 defaults: 9 runs per case
//   npm run bench:cli -- --runs 15
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, publicClientFor } from "@openledger/protocol/deploy";
import { startChain } from "@openledger/stack";
import { privateKeyToAccount } from "viem/accounts";

const runsAt = process.argv.indexOf("--runs");
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 9;
if (!(RUNS >= 1 && RUNS <= 100)) throw new Error("--runs must be between 1 and 100");
const TARGET_S = 0.5;
const BIN = path.resolve(import.meta.dirname, "..", "bin", "openledger.mjs");
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Wall time of one call of the CLI, in seconds; a failing call stops the benchmark. */
function timeCall(args: string[], env: NodeJS.ProcessEnv): number {
  const start = performance.now();
  const run = spawnSync(process.execPath, [BIN, ...args], { env, encoding: "utf8" });
  const seconds = (performance.now() - start) / 1000;
  if (run.status !== 0) throw new Error(`openledger ${args.join(" ")} exited ${run.status}: ${run.stderr}`);
  return seconds;
}

const chain = await startChain();
const dir = mkdtempSync(path.join(os.tmpdir(), "bench-cli-"));
try {
  const deployment = await deployProtocol({ wallet: devWallet(chain.rpcUrl, 0), client: publicClientFor(chain.rpcUrl), write: false });
  const deploymentFile = path.join(dir, "deployment.json");
  writeFileSync(deploymentFile, JSON.stringify(deployment));
  const sample = path.join(dir, "sample.jsonl");
  writeFileSync(sample, '{"q":"What is the capital of France?","a":"Paris"}\n');
  const address = privateKeyToAccount(DEV_PRIVATE_KEYS[1]!).address;
  const env = { ...process.env, OPENLEDGER_RPC_URL: chain.rpcUrl, OPENLEDGER_DEPLOYMENT: deploymentFile, OPENLEDGER_HOME: path.join(dir, "home") };
  const cases: [string, string[]][] = [
    ["--help", ["--help"]],
    ["check (one file, no chain)", ["check", sample]],
    ["status --address (reads the chain)", ["status", "--address", address]],
    ["datanets list (reads the chain)", ["datanets", "list"]],
  ];
  timeCall(["--help"], env); // builds the bundle if it is stale, so no case pays for that
  const rows: string[][] = [];
  for (const [name, args] of cases) {
    const bundled: number[] = [];
    const sources: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      bundled.push(timeCall(args, env));
      sources.push(timeCall(args, { ...env, OPENLEDGER_CLI_SOURCES: "1" }));
    }
    const b = median(bundled);
    const s = median(sources);
    rows.push([name, b.toFixed(3), s.toFixed(3), `${(s / b).toFixed(1)}×`, b < TARGET_S ? "met" : "missed"]);
  }
  const widths = [38, 10, 10, 10, 16];
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("");
  console.log(`\nopenledger start-up under Node ${process.versions.node}, medians of ${RUNS} runs (seconds)\n`);
  console.log(line(["command", "bundle", "sources", "speed-up", `target < ${TARGET_S} s`]));
  for (const r of rows) console.log(line(r));
} finally {
  await chain.stop();
  rmSync(dir, { recursive: true, force: true });
}
