import { describe, expect, it } from "vitest";
import { manifestPollMs } from "../src/lib/rows.ts";

describe("models are asked again until the indexer has settled their manifests", () => {
  it("polls fast while a manifest is unchecked, slowly while it is unavailable, and stops once all are settled", () => {
    expect(manifestPollMs(["Valid", "Unchecked", "Unavailable"])).toBe(2_000);
    expect(manifestPollMs(["Valid", "Unavailable"])).toBe(15_000);
    expect(manifestPollMs(["Valid", "Flagged"])).toBe(false);
    expect(manifestPollMs([])).toBe(false);
  });
});
