// The end-to-end journeys (Chromium against the real local stack): a project of their own, so that
// unit tests stay fast. `npx vitest run --project app-e2e`.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    name: "app-e2e",
    include: ["e2e/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 420_000,
  },
});
