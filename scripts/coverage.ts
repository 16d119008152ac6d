// Line and statement coverage of contracts/ (`npm run coverage`), from every Solidity test file of
// contracts/test (unit, fuzz, round and threat tests; the invariant suite runs in `npm test` only).
// The test helpers under contracts/test are not instrumented (`coverage.skipFiles`).
//
// It builds with the `coverage` profile (the development compiler, the wasm solc 0.8.37 of
// `solc-dev`, as one job), instrumented, into coverage/build/ (hardhat.config.ts): `artifacts/` and
// `cache/` keep the plain build that the other suites deploy, so the two builds can run side by side.
//
// It then holds the result to a floor: line coverage of contracts/ below `MIN_LINE_COVERAGE` percent
// fails the stage, naming the files under it (it is 100 % now).
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { runHardhatSync } from "@openledger/protocol/build";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const testDir = path.join(root, "contracts", "test");
const files = readdirSync(testDir)
  .filter((name) => name.endsWith(".t.sol") && name !== "Base.t.sol")
  .map((name) => path.join("contracts", "test", name));
const MIN_LINE_COVERAGE = 99;

const status = runHardhatSync(root, ["test", "solidity", "--coverage", "--build-profile", "coverage", ...files]);
if (status !== 0) process.exit(status);

// lcov: per file, SF:<path> … LH:<lines hit> LF:<lines found> … end_of_record.
const perFile = readFileSync(path.join(root, "coverage", "lcov.info"), "utf8")
  .split("end_of_record")
  .map((record) => ({
    file: /^SF:(.+)$/m.exec(record)?.[1] ?? "",
    hit: Number(/^LH:(\d+)$/m.exec(record)?.[1] ?? 0),
    found: Number(/^LF:(\d+)$/m.exec(record)?.[1] ?? 0),
  }))
  .filter((r) => r.file.startsWith("contracts/") && !r.file.startsWith("contracts/test/"));
const hit = perFile.reduce((sum, r) => sum + r.hit, 0);
const found = perFile.reduce((sum, r) => sum + r.found, 0);
const percent = found === 0 ? 0 : (100 * hit) / found;
const under = perFile.filter((r) => r.found > 0 && (100 * r.hit) / r.found < MIN_LINE_COVERAGE);
console.log(`line coverage of contracts/: ${percent.toFixed(2)} % (${hit} of ${found} lines), floor ${MIN_LINE_COVERAGE} %`);
if (percent < MIN_LINE_COVERAGE || under.length > 0) {
  for (const r of under) console.error(`  ${r.file}: ${((100 * r.hit) / r.found).toFixed(2)} % (${r.hit} of ${r.found} lines)`);
  console.error(`✖ line coverage is under the ${MIN_LINE_COVERAGE} % floor: add tests for the lines the table above lists`);
  process.exit(1);
}
