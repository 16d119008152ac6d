import { describe, expect, it } from "vitest";
import { formatBytes, formatDuration } from "@openledger/sdk";

describe("sizes and durations in words (the app, the CLI and governance's explanations)", () => {
  it("writes sizes in binary units, as the protocol's caps are stated", () => {
    expect(formatBytes(0)).toBe("0 bytes");
    expect(formatBytes(1)).toBe("1 byte");
    expect(formatBytes(1023)).toBe("1,023 bytes");
    expect(formatBytes(1536)).toBe("1.5 KiB");
    expect(formatBytes(10 * 1024 * 1024)).toBe("10 MiB");
    expect(formatBytes(1.234 * 1024 * 1024)).toBe("1.23 MiB");
    expect(formatBytes(123.45 * 1024 * 1024)).toBe("123.5 MiB");
    expect(formatBytes(5n * 1024n ** 3n)).toBe("5 GiB");
    expect(formatBytes(4096 * 1024 ** 3)).toBe("4,096 GiB");
  });
  it("writes spans of time in the largest units that say them", () => {
    expect(formatDuration(0)).toBe("0 s");
    expect(formatDuration(42)).toBe("42 s");
    expect(formatDuration(120)).toBe("2 min");
    expect(formatDuration(125)).toBe("2 min 5 s");
    expect(formatDuration(3_600)).toBe("1 h");
    expect(formatDuration(3_660)).toBe("1 h 1 min");
    expect(formatDuration(86_400)).toBe("1 d");
    expect(formatDuration(90_000)).toBe("1 d 1 h");
    expect(formatDuration(-5)).toBe("0 s");
  });
  it("says every unit where a rounded figure would hide one (governance's explanations)", () => {
    expect(formatDuration(86_460)).toBe("1 d");
    expect(formatDuration(86_460, { exact: true })).toBe("1 d 1 min");
    expect(formatDuration(3_659, { exact: true })).toBe("1 h 59 s");
    expect(formatDuration(120, { exact: true })).toBe("2 min");
    expect(formatBytes(10.25 * 1024 * 1024)).toBe("10.3 MiB");
    expect(formatBytes(10.25 * 1024 * 1024, { exact: true })).toBe("10.3 MiB (10,747,904 bytes)");
    expect(formatBytes(1_048_575, { exact: true })).toBe("1,024 KiB (1,048,575 bytes)");
    expect(formatBytes(10 * 1024 * 1024, { exact: true })).toBe("10 MiB");
    expect(formatBytes(1536, { exact: true })).toBe("1.5 KiB");
  });
});
