import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "sdk",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Each file starts its own chain and IPFS node; run them one at a time on small machines.
    fileParallelism: false,
  },
});
