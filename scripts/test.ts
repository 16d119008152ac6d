// The test command. Two tiers:
//
//   npm test             everything, as CI runs it: type-check every package, compile the contracts
//                        and check the protocol package's generated files are current, the Solidity
//                        tests (unit, fuzz, threat, invariant), coverage of contracts/, then every
//                        Vitest project (protocol, sdk, ipfs, indexer, trainer, app, app-e2e, and
//                        test/ — the whole-stack suites), two files at a time, longest first
//                        (vitest.config.ts). The Solidity stages beside Vitest were measured slower
//                        in all (722 s against 640 s): both use every core.
//   npm run test:unit    the inner loop, no servers: type-check, the Solidity tests on Hardhat's
//                        in-process EVM (a quarter of the fuzz and invariant runs), and the Vitest
//                        files named `*.unit.test.ts` (nothing that starts a chain node, an IPFS
//                        node, an indexer or a stack).
//
// Flags: --no-typecheck, --no-hardhat (Solidity and coverage), --no-coverage, --no-vitest; any other
// argument is passed to Vitest (a project or a file filter). Each stage prints its duration, and
// the last line is "N passed, N failed" summed over every runner.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { CompilerOutputFilter } from "@openledger/protocol/build";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const bin = {
  hardhat: path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js"),
  tsc: path.join(root, "node_modules", "typescript", "bin", "tsc"),
  vitest: path.join(root, "node_modules", "vitest", "vitest.mjs"),
};
const tsFlags = ["--disable-warning=ExperimentalWarning"];
/** Test files of the unit tier carry this in their names. */
const UNIT_FILES = ".unit.test.";

const args = process.argv.slice(2);
const unit = args.includes("--unit");
const skip = (flag: string) => args.includes(flag);
const passThrough = args.filter((a) => !a.startsWith("--"));

let passed = 0;
let failed = 0;
const timings: [string, number][] = [];

function strip(text: string): string {
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/** Runs one stage, echoing its output; `count` reads pass/fail totals from the output's tail. A
 * `compiler` stage (one that may compile contracts) leaves out the dependencies' compiler warnings. */
function stage(name: string, argv: string[], count?: (tail: string) => [number, number], options: { buffered?: boolean; compiler?: boolean; env?: Record<string, string> } = {}): Promise<number> {
  if (!options.buffered) console.log(`\n• ${name}`);
  const started = Date.now();
  const filter = options.compiler ? new CompilerOutputFilter() : undefined;
  const piped = options.buffered || filter !== undefined;
  const child = spawn(process.execPath, argv, { cwd: root, stdio: ["ignore", "pipe", piped ? "pipe" : "inherit"], env: { ...process.env, FORCE_COLOR: "0", ...options.env } });
  let tail = "";
  let held = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    if (options.buffered) held += chunk.toString();
    else process.stdout.write(chunk);
    tail = (tail + chunk.toString()).slice(-8_000);
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    const text = filter ? filter.write(chunk) : chunk;
    if (options.buffered) held += text;
    else process.stderr.write(text);
  });
  return new Promise((resolve) => {
    // "close", not "exit": the output streams are read to their end first.
    child.on("close", (code) => {
      const rest = filter?.end() ?? "";
      if (options.buffered) held += rest;
      else process.stderr.write(rest);
      const seconds = (Date.now() - started) / 1000;
      timings.push([name, seconds]);
      // A buffered stage (run beside another) prints its output whole when it ends.
      if (options.buffered) console.log(`\n• ${name}\n${held}`.trimEnd());
      const [p, f] = count ? count(strip(tail)) : [0, 0];
      passed += p;
      failed += f;
      if (code !== 0 && f === 0) failed += 1;
      console.log(`  (${name}: ${seconds.toFixed(0)} s)`);
      resolve(code ?? 1);
    });
  });
}

// Hardhat ends with mocha-style totals: "254 passing (247 solidity, 7 nodejs)" and "2 failing".
const hardhatCount = (tail: string): [number, number] => [
  Number(/(\d+) passing/.exec(tail)?.[1] ?? 0),
  Number(/(\d+) failing/.exec(tail)?.[1] ?? 0),
];
// Vitest's summary: "Tests  3 failed | 120 passed | 2 skipped (125)".
const vitestCount = (tail: string): [number, number] => {
  const line = tail.split("\n").find((l) => /^\s*Tests\s+/.test(l)) ?? "";
  const n = (word: string) => Number(new RegExp(`(\\d+) ${word}`).exec(line)?.[1] ?? 0);
  return [n("passed"), n("failed")];
};

const startedAt = Date.now();

async function main(): Promise<number> {
  let status = 0;
  const keep = (code: number) => {
    if (status === 0 && code !== 0) status = code;
  };
  // Before Vitest, two lanes run side by side; each stage prints its output whole when it ends.
  // Most of these stages keep one core busy (tsc, and the wasm solc of each build), so on two cores
  // two lanes finish in about the time of the longer one:
  //   lane 1: type-check every package, type-check the app, then coverage (its own instrumented
  //           build, in its own folders: see hardhat.config.ts);
  //   lane 2: compile the contracts, check the generated protocol files, the Solidity tests.
  // Without coverage (the unit tier, --no-coverage) the app's type-check moves to the end of lane 2,
  // which is then the shorter one (82 s → 69 s for the unit tier, the contracts already built).
  // Three at once gain nothing on two cores (the compile beside both type-checks took 91 s against
  // 30 + 59 s one after the other). Vitest starts when both lanes have passed: run beside it, these
  // stages slowed it more than they saved (Vitest 628 s against 465 s).
  const typecheck = !skip("--no-typecheck");
  const hardhat = !skip("--no-hardhat");
  const coverage = hardhat && !unit && !skip("--no-coverage");
  // The app compiles for the browser (DOM types, JSX), so it has its own project.
  const typecheckApp = async (): Promise<void> => {
    if (typecheck) keep(await stage("type-check the app (tsc --noEmit -p app/tsconfig.json)", [bin.tsc, "--noEmit", "-p", "app/tsconfig.json"], undefined, { buffered: true }));
  };
  const laneOne = async (): Promise<void> => {
    if (typecheck) {
      keep(await stage("type-check every package (tsc --noEmit -p tsconfig.check.json)", [bin.tsc, "--noEmit", "-p", "tsconfig.check.json"], undefined, { buffered: true }));
    }
    if (coverage || !hardhat) await typecheckApp();
    if (coverage && status === 0) {
      keep(await stage("coverage of contracts/ (scripts/coverage.ts)", [...tsFlags, path.join(root, "scripts", "coverage.ts")], undefined, { buffered: true }));
    }
  };
  const laneTwo = async (): Promise<void> => {
    if (!hardhat) return;
    const compiled = await stage("compile the contracts (hardhat build)", [bin.hardhat, "build"], undefined, { compiler: true, buffered: true });
    keep(compiled);
    if (compiled !== 0) {
      if (!coverage) await typecheckApp();
      return;
    }
    keep(await stage("generated protocol files are current", [...tsFlags, path.join(root, "protocol", "scripts", "generate.ts"), "--check"], undefined, { buffered: true }));
    // The unit tier runs a quarter of the fuzz and invariant runs (hardhat.config.ts); the full run all of them.
    keep(
      await stage(`Solidity tests (hardhat test solidity${unit ? ", quick fuzz" : ""})`, [bin.hardhat, "test", "solidity"], hardhatCount, {
        compiler: true,
        buffered: true,
        ...(unit ? { env: { OPENLEDGER_QUICK_FUZZ: "1" } } : {}),
      }),
    );
    if (!coverage) await typecheckApp();
  };
  if (typecheck || hardhat) {
    console.log(`\n• ${[typecheck && "type-checks", coverage && "coverage", hardhat && "the contracts' build and Solidity tests"].filter(Boolean).join(", ")}: two lanes side by side`);
    await Promise.all([laneOne(), laneTwo()]);
    if (status !== 0) return status;
  }
  if (!skip("--no-vitest")) {
    // The unit tier is every file named `*.unit.test.ts`: no chain node, IPFS node, indexer or stack.
    const filter = unit && passThrough.length === 0 ? [UNIT_FILES] : [];
    keep(await stage(`vitest run ${unit ? "(unit files)" : "(every project)"}`, [bin.vitest, "run", ...filter, ...passThrough], vitestCount));
  }
  return status;
}

const status = await main();
console.log("\nStage durations:");
for (const [name, seconds] of timings) console.log(`  ${seconds.toFixed(0).padStart(5)} s  ${name}`);
console.log(`  ${((Date.now() - startedAt) / 1000).toFixed(0).padStart(5)} s  in all (wall clock; the stages before Vitest run in two lanes)`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(status);
