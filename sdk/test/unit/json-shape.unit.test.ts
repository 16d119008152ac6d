// The one shape of the CLI's `--json` output: amounts in wei beside OPEN, names instead of codes
// and bitmasks, ISO times, strings for large integers and CIDs, null for absent values.
import { describe, expect, it } from "vitest";
import { parseEther } from "viem";
import { Format, formatMask, Modality } from "@openledger/protocol";
import { computeCid } from "@openledger/sdk";
import { OPEN_AMOUNT_KEYS, toJsonShape } from "../../src/cli/output.ts";

describe("the CLI's JSON shape", () => {
  it("prints amounts of OPEN in wei beside OPEN, and other large integers as decimal strings", () => {
    const shaped = toJsonShape({ pool: parseEther("1.5"), limits: { reward: 10n ** 18n, deposit: 0n }, modelId: 7n, submissions: 12n, blockNumber: 2n ** 64n });
    expect(shaped).toEqual({
      pool: { wei: "1500000000000000000", open: "1.5" },
      limits: { reward: { wei: "1000000000000000000", open: "1" }, deposit: { wei: "0", open: "0" } },
      modelId: "7",
      submissions: "12",
      blockNumber: "18446744073709551616",
    });
  });

  it("names formats, modalities, methods and statuses instead of printing codes or bitmasks", () => {
    const shaped = toJsonShape({ formats: formatMask([Format.Txt, Format.Csv]), format: Format.Png, modality: Modality.Audio, method: 1, status: 2, rows: [{ format: Format.Wav }] });
    expect(shaped).toEqual({ formats: ["txt", "csv"], format: "png", modality: "audio", method: "qlora", status: "accepted", rows: [{ format: "wav" }] });
    // Names already given stay as they are.
    expect(toJsonShape({ formats: ["md"], status: "submitted" })).toEqual({ formats: ["md"], status: "submitted" });
  });

  it("prints times as ISO strings, CIDs as strings, absent values as null, and never file bytes", async () => {
    const cid = await computeCid(new TextEncoder().encode("hello"));
    const shaped = toJsonShape({ resetsAt: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)), cid, parent: undefined, bytes: new Uint8Array(9) });
    expect(shaped).toEqual({ resetsAt: "2026-01-02T03:04:05.000Z", cid: cid.toString(), parent: null, bytes: "<9 bytes>" });
    expect(JSON.stringify(shaped)).not.toMatch(/"\/"/);
  });

  it("lists only camelCase keys as amounts", () => {
    for (const key of OPEN_AMOUNT_KEYS) expect(key).toMatch(/^[a-z][A-Za-z]*$/);
  });
});
