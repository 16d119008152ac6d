import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "trainer",
    include: ["test/**/*.test.ts"],
    testTimeout: 240_000,
    hookTimeout: 240_000,
    // tfjs-wasm keeps one heap per process: each file runs in a fork of its own.
    pool: "forks",
  },
});
