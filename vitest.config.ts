// One Vitest run over every workspace; each package has its own vitest.config.ts, and `test/` holds
// the whole-stack suites. Every file starts what it needs (chains, IPFS nodes, indexers, stacks,
// Chromium) on free loopback ports (drawn below the kernel's ephemeral range: stack/src/ports.ts),
// with its own data folders, so files run side by side: two at a time by default (the machines
// this runs on have two cores; OPENLEDGER_TEST_WORKERS sets another count), the longest first
// (scripts/test-order.ts). What they share in the checkout is built under a lock (the contracts,
// stack/src/folder-lock.ts) or put in place by a rename (the app's and the CLI's bundles, the
// indexer's cached empty PGlite cluster).
import { defineConfig } from "vitest/config";
import LongestFirst from "./scripts/test-order.ts";

const workers = Number(process.env.OPENLEDGER_TEST_WORKERS ?? 2);

export default defineConfig({
  test: {
    projects: ["protocol", "sdk", "ipfs", "indexer", "trainer", "app", "app/vitest.e2e.config.ts", "test"],
    maxWorkers: Number.isInteger(workers) && workers > 0 ? workers : 2,
    sequence: { sequencer: LongestFirst },
  },
});
