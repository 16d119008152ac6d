import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "indexer",
    include: ["test/**/*.test.ts"],
    // Each file runs a Hardhat node and a Ponder process: one file at a time on small machines.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 180_000,
  },
});
