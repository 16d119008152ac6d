// One Vitest run over every workspace; each package has its own vitest.config.ts, and `test/` holds
// the whole-stack suites. Suites start real chains, IPFS nodes, indexers, training processes and
// Chromium, so files run one at a time: the machines this runs on have two cores.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["protocol", "sdk", "ipfs", "indexer", "trainer", "app", "app/vitest.e2e.config.ts", "test"],
    fileParallelism: false,
    maxWorkers: 1,
  },
});
