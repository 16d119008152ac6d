import { createRequire } from "node:module";
import path from "node:path";
import { defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";

// The compilers are wasm builds shipped by npm packages, so builds work offline. Their versions are
// read from the installed packages so that config and compiler cannot drift apart.
//
// Two compilers, one per purpose:
// - `solc` 0.8.28 builds what ships (the production profile, viaIR). Against 0.8.37 with the same
//   settings it spends less gas on 28 of the 30 operations of `npm run bench:gas` (the steady-state
//   submission 74,750 against 78,815; the life of a contribution 83,593 against 88,046).
// - `solc-dev` 0.8.37 builds for tests, coverage and the local stack, as one compilation job. The
//   0.8.28 wasm build aborts ("memory access out of bounds") on a job that holds the protocol and its
//   tests together, which forced one job per file (the protocol and OpenZeppelin compiled again
//   for each of 20 test files: 328 s from a clean clone); 0.8.37 compiles the single job in about 60 s.
const require = createRequire(import.meta.url);
function wasmCompiler(packageName: string) {
  const packageJson = require.resolve(`${packageName}/package.json`);
  const { version } = require(packageJson) as { version: string };
  return { version, path: path.join(path.dirname(packageJson), "soljson.js") };
}
const shipping = wasmCompiler("solc");
const development = wasmCompiler("solc-dev");

/**
 * A coverage run (`--coverage`, as `npm run coverage` passes it) builds instrumented contracts. It
 * keeps its build cache and artifacts under coverage/build/, apart from the plain build in cache/
 * and artifacts/ that the stacks deploy: the two builds never overwrite each other's files, so they
 * can run side by side (`npm test` does), and neither invalidates the other's cache.
 */
const coverageRun = process.argv.includes("--coverage");

/**
 * A `hardhat node` started with OPENLEDGER_UNDECODED_NODE=1 (`startChain({ decodeContracts: false })`
 * in stack/src/chain.ts, as the tests start their chains) gets an artifacts folder that holds no
 * build info: it then skips building the contract decoder from the whole build (protocol and
 * Solidity tests, about 57 MB of compiler output), which is most of its start (3.0 s → 1.2 s, 4.3 →
 * 1.9 CPU-s here). Its log then names no contracts; reverts still carry their data, which the SDK
 * decodes from the ABIs.
 */
const undecodedNode = process.env.OPENLEDGER_UNDECODED_NODE === "1";

/** Fewer fuzz and invariant runs for the fast test tier (see `test.solidity`). */
const quickFuzz = process.env.OPENLEDGER_QUICK_FUZZ === "1";

export default defineConfig({
  plugins: [hardhatViem, hardhatNetworkHelpers],
  solidity: {
    profiles: {
      // Fast builds for tests and the local stack.
      default: {
        ...development,
        settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 200 } },
      },
      // `npm run coverage` (scripts/coverage.ts): the same sources, instrumented, kept apart from the
      // default build. Without the optimizer, as coverage tools usually build: which statements run
      // does not depend on it, and the compile takes about 40 s here instead of 60.
      coverage: {
        ...development,
        settings: { evmVersion: "cancun", optimizer: { enabled: false } },
      },
      // What ships: viaIR + optimizer. `npm run bench:gas` measures this profile.
      production: {
        ...shipping,
        settings: {
          evmVersion: "cancun",
          viaIR: true,
          optimizer: { enabled: true, runs: 1_000 },
        },
      },
    },
  },
  coverage: {
    // The test helpers are not what coverage measures.
    skipFiles: ["contracts/test/**"],
  },
  paths: {
    ...(coverageRun ? { cache: "./coverage/build/cache", artifacts: "./coverage/build/artifacts" } : {}),
    ...(undecodedNode ? { artifacts: "./cache/undecoded-node" } : {}),
    sources: "./contracts",
    tests: { solidity: "./contracts/test" },
  },
  test: {
    solidity: {
      // The unit tier (`npm run test:unit`) sets OPENLEDGER_QUICK_FUZZ=1 for a quarter of the runs;
      // `npm test` (and CI) runs them all.
      fuzz: { runs: quickFuzz ? 64 : 256, seed: "0x4f50454e" },
      invariant: { runs: quickFuzz ? 16 : 64, depth: 40, failOnRevert: false },
    },
  },
  networks: {
    localhost: { type: "http", url: "http://127.0.0.1:8545" },
  },
});
