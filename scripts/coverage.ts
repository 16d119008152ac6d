// Line and statement coverage of contracts/ (`npm run coverage`), from the Solidity unit, fuzz and
// round tests. Two suites are left out: once instrumented, the invariant handler and the threat
// tests (both heavy users of try/catch around re-entrant and reverting calls) make the wasm build
// of solc abort with "memory access out of bounds". Both run, uninstrumented, in `npm test`. The same
// abort (or "table index is out of bounds", "null function") comes back when one instrumented test
// file grows too large: Review.t.sol did once ModelRegistry grew the challenge, and was split in two
// (ReviewRewards.t.sol). Split a file that starts to fail here rather than leave it out.
// Since `Datanets` took committed submissions, instrumented builds of Submissions, Review,
// DatanetsAdmin, Models and Governance abort as well, even the 135-line Governance.t.sol (its job
// holds OpenZeppelin's timelock): the instrumented contracts themselves are near the limit, so
// splitting test files does not help. They are left out here, and run uninstrumented in `npm test`.
// This is a loss of coverage, to be won back by a smaller instrumented `Datanets` or a native solc.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const hardhatCli = path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js");
const testDir = path.join(root, "contracts", "test");
const OUT = ["Base.t.sol", "Threats.t.sol", "Submissions.t.sol", "Review.t.sol", "DatanetsAdmin.t.sol", "Models.t.sol", "Governance.t.sol"];
const files = readdirSync(testDir)
  .filter((name) => name.endsWith(".t.sol") && !OUT.includes(name))
  .map((name) => path.join("contracts", "test", name));
const result = spawnSync(process.execPath, [hardhatCli, "test", "solidity", "--coverage", ...files], { cwd: root, stdio: "inherit" });
process.exit(result.status ?? 1);
