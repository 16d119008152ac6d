import { createRequire } from "node:module";
import path from "node:path";
import { defineConfig } from "hardhat/config";
import hardhatViem from "@nomicfoundation/hardhat-viem";
import hardhatNetworkHelpers from "@nomicfoundation/hardhat-network-helpers";

// The compiler is the wasm build shipped by the `solc` npm package, so builds work
// offline. Its version is read from the installed package so that config and
// compiler cannot drift apart.
const require = createRequire(import.meta.url);
const solcPackage = require("solc/package.json") as { version: string };
const solcPath = path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js");

const compiler = { version: solcPackage.version, path: solcPath };

// Coverage only (`npm run coverage`, `scripts/coverage.ts`): the wasm build of solc 0.8.28 aborts
// ("memory access out of bounds") once a compilation job holds the instrumented protocol and a
// test, even though each of its contracts compiles alone; the 0.8.37 wasm build compiles the same
// jobs. Coverage measures which lines run, so the newer compiler changes nothing it reports.
const coveragePackage = require("solc-coverage/package.json") as { version: string };
const coverageCompiler = {
  version: coveragePackage.version,
  path: path.join(path.dirname(require.resolve("solc-coverage/package.json")), "soljson.js"),
};

/** Fewer fuzz and invariant runs for the fast test tier (see `test.solidity`). */
const quickFuzz = process.env.OPENLEDGER_QUICK_FUZZ === "1";

export default defineConfig({
  plugins: [hardhatViem, hardhatNetworkHelpers],
  solidity: {
    profiles: {
      // Fast builds for tests and the local stack.
      default: {
        ...compiler,
        isolated: true,
        settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 200 } },
      },
      coverage: {
        ...coverageCompiler,
        isolated: true,
        settings: { evmVersion: "cancun", optimizer: { enabled: true, runs: 200 } },
      },
      // What ships: viaIR + optimizer. `npm run bench:gas` measures this profile.
      production: {
        ...compiler,
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
