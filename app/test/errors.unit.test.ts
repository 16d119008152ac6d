// What a person reads when a call fails: the SDK's decoded sentence with the numbers, a plain
// "rejected" for a refused signature, never a raw hex blob.
import { ProtocolError, QuotaExceededError } from "@openledger/sdk";
import { BaseError, UserRejectedRequestError } from "viem";
import { describe, expect, it } from "vitest";
import { describeError } from "../src/lib/errors.ts";
import { ServiceDownError } from "../src/lib/services.ts";

describe("describeError", () => {
  it("spells out a quota refusal: used, requested, limit, reset", () => {
    const error = new QuotaExceededError(["0x90F79bf6EB2c4f870365E785982E1f101E93b906", 1, 1, 20n, 1n, 20n, 1_796_256_000n]);
    const report = describeError(error);
    expect(report.kind).toBe("quota");
    expect(report.message).toMatch(/used 20, requested 1, limit 20; resets at 2026-12-03T00:00:00.000Z/);
  });

  it("names any other custom error with its numbers in words", () => {
    const report = describeError(new ProtocolError("InsufficientPool", [1, 5n * 10n ** 18n, 13n * 10n ** 18n]));
    expect(report.title).toContain("InsufficientPool");
    expect(report.message).toMatch(/pool has 5 OPEN but the rewards of this submission come to 13 OPEN/);
  });

  it("says a rejected signature changed nothing, however deep the wallet wrapped it", () => {
    const wrapped = new BaseError("The contract function failed", { cause: new UserRejectedRequestError(new Error("user said no")) });
    expect(describeError(wrapped)).toMatchObject({ kind: "rejected", message: expect.stringContaining("Nothing was sent") });
    expect(describeError({ code: 4001, message: "User denied" }).kind).toBe("rejected");
  });

  it("cuts long hex blobs out of messages", () => {
    const report = describeError(new Error(`execution reverted: 0x${"ab".repeat(100)}`));
    expect(report.message).not.toMatch(/[0-9a-f]{80}/);
    expect(report.message).toContain("(100 bytes)");
  });

  it("names a service that is down", () => {
    expect(describeError(new ServiceDownError("indexer")).title).toBe("The indexer is not answering");
  });
});
