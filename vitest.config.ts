// One Vitest run over every workspace; each package has its own vitest.config.ts.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    projects: ["sdk", "ipfs", "indexer", "trainer"],
  },
});
