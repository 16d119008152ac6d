import { describe, expect, it } from "vitest";
import { AmountInputError, formatBps, formatBytes, formatDuration, formatOpen, formatRelative, parseOpen, shortAddress } from "../src/lib/format.ts";

const OPEN = 10n ** 18n;

describe("amounts are OPEN, never wei", () => {
  it("groups thousands and keeps at most four decimals, rounding down", () => {
    expect(formatOpen(1234n * OPEN + OPEN / 2n)).toBe("1,234.5 OPEN");
    expect(formatOpen(10n * OPEN)).toBe("10 OPEN");
    expect(formatOpen(OPEN / 3n)).toBe("0.3333 OPEN");
    expect(formatOpen(0n)).toBe("0 OPEN");
  });
  it("never shows a positive dust amount as zero", () => {
    expect(formatOpen(1n)).toBe("< 0.0001 OPEN");
  });
  it("parses what people type, and refuses what is not an amount with the reason", () => {
    expect(parseOpen("1,000.5")).toBe(1000n * OPEN + OPEN / 2n);
    expect(parseOpen(" 2 ")).toBe(2n * OPEN);
    expect(() => parseOpen("")).toThrow(AmountInputError);
    expect(() => parseOpen("ten")).toThrow(/"ten" is not a number of OPEN/);
    expect(() => parseOpen("0")).toThrow(/above zero/);
    expect(parseOpen("0", { allowZero: true })).toBe(0n);
    expect(() => parseOpen("1.0000000000000000001")).toThrow(/18 decimals/);
    expect(() => parseOpen("-1")).toThrow(/not a number/);
    expect(() => parseOpen("5", { max: 4n * OPEN })).toThrow(/over the 4 OPEN available/);
  });
});

describe("addresses, sizes, rates and times", () => {
  it("shortens a checksummed address", () => {
    expect(shortAddress("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266")).toBe("0xf39F…2266");
  });
  it("writes sizes as the SDK does (sdk/test/unit/units.unit.test.ts)", () => {
    expect(formatBytes(1536)).toBe("1.5 KiB");
  });
  it("writes basis points as a percentage", () => {
    expect(formatBps(6667)).toBe("66.67 %");
    expect(formatBps(null)).toBe("—");
  });
  it("writes durations and relative times in words", () => {
    expect(formatDuration(300)).toBe("5 min");
    expect(formatRelative(1_000, 700)).toBe("in 5 min");
    expect(formatRelative(700, 1_000)).toBe("5 min ago");
  });
});
