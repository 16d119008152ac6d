// The test command (`npm test`): type-check the TypeScript of every package, run every Solidity
// test (unit, fuzz, threat, invariant) and the TypeScript tests of test/ against a real Hardhat
// node, report coverage of contracts/ (scripts/coverage.ts), then run the Vitest suites of the
// workspaces (sdk, ipfs, indexer, trainer) against real nodes and servers. Extra arguments go to
// `hardhat test`, e.g. `npm test -- solidity`; `--no-coverage` skips the coverage stage,
// `--no-hardhat` the Hardhat and coverage stages, `--no-vitest` the workspaces' suites.
//
// The last line is "N passed, N failed" summed over every runner.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const hardhatCli = path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");

const args = process.argv.slice(2);
const flags = new Set(["--no-coverage", "--no-hardhat", "--no-vitest"]);
const coverage = !args.includes("--no-coverage");
const hardhat = !args.includes("--no-hardhat");
const vitest = !args.includes("--no-vitest");
const rest = args.filter((a) => !flags.has(a));
const vitestCli = path.join(root, "node_modules", "vitest", "vitest.mjs");
const WORKSPACES = ["sdk", "ipfs", "indexer", "trainer"];

for (const project of [root, ...WORKSPACES.map((w) => path.join(root, w))]) {
  console.log(`• type-checking ${path.relative(root, project) || "the root"} (tsc --noEmit)…`);
  const typecheck = spawnSync(process.execPath, [tsc, "--noEmit", "-p", project], { cwd: root, stdio: "inherit" });
  if (typecheck.status !== 0) {
    console.log("0 passed, 1 failed");
    process.exit(1);
  }
}

let passed = 0;
let failed = 0;

/** Runs the workspaces' Vitest suites and adds their totals. */
function runVitest(): Promise<number> {
  if (!vitest) return Promise.resolve(0);
  console.log("• vitest run (sdk, ipfs, indexer, trainer)…");
  const child = spawn(process.execPath, [vitestCli, "run"], { cwd: root, stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, FORCE_COLOR: "0" } });
  let tail = "";
  child.stdout.on("data", (chunk: Buffer) => {
    process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-4_000);
  });
  return new Promise((resolve) => {
    child.on("exit", (code) => {
      // Vitest's summary: "Tests  3 failed | 120 passed | 2 skipped (125)".
      const line = tail.replace(/\x1b\[[0-9;]*m/g, "").split("\n").find((l) => /^\s*Tests\s+/.test(l)) ?? "";
      const count = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0);
      passed += count("passed");
      failed += count("failed");
      if (code !== 0 && count("failed") === 0) failed += 1;
      resolve(code ?? 1);
    });
  });
}

if (!hardhat) {
  const status = await runVitest();
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(status);
}

const hardhatArgs = [hardhatCli, "test", ...rest];
console.log(`• hardhat ${hardhatArgs.slice(1).join(" ")}`);
const child = spawn(process.execPath, hardhatArgs, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
let buffer = "";
child.stdout.on("data", (chunk: Buffer) => {
  process.stdout.write(chunk);
  buffer += chunk.toString();
  const lines = buffer.split("\n");
  buffer = lines.pop() ?? "";
  for (const line of lines) {
    // Hardhat ends with mocha-style totals over both runners: "254 passing (247 solidity, 7 nodejs)".
    const clean = line.replace(/\x1b\[[0-9;]*m/g, "");
    const pass = /^\s*(\d+) passing/.exec(clean);
    const fail = /^\s*(\d+) failing/.exec(clean);
    if (pass) passed += Number(pass[1]);
    if (fail) failed += Number(fail[1]);
  }
});
child.on("exit", async (code) => {
  if (code !== 0 && failed === 0) failed = 1;
  let status = code ?? 1;
  if (status === 0 && coverage) {
    console.log("• coverage of contracts/ (scripts/coverage.ts)…");
    const report = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", path.join(root, "scripts", "coverage.ts")], {
      cwd: root,
      stdio: "inherit",
    });
    if (report.status !== 0) {
      console.log("the coverage stage failed");
      failed += 1;
      status = report.status ?? 1;
    }
  }
  const vitestStatus = await runVitest();
  if (status === 0) status = vitestStatus;
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(status);
});
