// The test command (`npm test`): type-check the TypeScript, run every Solidity test (unit, fuzz,
// threat, invariant) and every TypeScript test against a real Hardhat node, then report coverage of
// contracts/ (scripts/coverage.ts). Extra arguments go to `hardhat test`, e.g. `npm test -- solidity`;
// `--no-coverage` skips the coverage stage.
//
// The last line is "N passed, N failed" summed over both runners.
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const hardhatCli = path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");

const args = process.argv.slice(2);
const coverage = !args.includes("--no-coverage");
const rest = args.filter((a) => a !== "--no-coverage");

console.log("• type-checking (tsc --noEmit)…");
const typecheck = spawnSync(process.execPath, [tsc, "--noEmit", "-p", root], { cwd: root, stdio: "inherit" });
if (typecheck.status !== 0) {
  console.log("0 passed, 1 failed");
  process.exit(1);
}

const hardhatArgs = [hardhatCli, "test", ...rest];
console.log(`• hardhat ${hardhatArgs.slice(1).join(" ")}`);
const child = spawn(process.execPath, hardhatArgs, { cwd: root, stdio: ["ignore", "pipe", "inherit"] });
let passed = 0;
let failed = 0;
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
child.on("exit", (code) => {
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
  console.log(`\n${passed} passed, ${failed} failed`);
  process.exit(status);
});
