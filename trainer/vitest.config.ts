import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "trainer",
    include: ["test/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // tfjs-wasm keeps one heap per process; files run in separate forks, one at a time on 2 cores.
    pool: "forks",
    fileParallelism: false,
  },
});
