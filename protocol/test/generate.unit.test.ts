// The generator's skip: `npm start` runs it on every start, and rendering reads the build infos'
// ASTs (seconds), so a run whose inputs and outputs are as the last run left them renders nothing.
// It must never skip when a generated file or an input differs. Copies of the generated files and
// a stamp of their own, so the package's files are never touched.
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { GENERATED_FILES, stampIsCurrent, writeGenerated } from "../scripts/generate.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "protocol-generate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const files = { abis: path.join(dir, "abis.ts"), constants: path.join(dir, "constants.ts") };
const stamp = path.join(dir, "stamp.json");

describe("the protocol package's generator", () => {
  it("renders on a first run, skips while nothing changed, and renders again when a file or an input differs", () => {
    copyFileSync(GENERATED_FILES.abis, files.abis);
    copyFileSync(GENERATED_FILES.constants, files.constants);
    // No stamp: it renders, finds the checked-in files current, and records them.
    expect(writeGenerated(files, stamp)).toEqual({ skipped: false, written: [] });
    expect(writeGenerated(files, stamp)).toEqual({ skipped: true, written: [] });

    // Other inputs than the stamp's (a new build, or a changed generator) are not current.
    const recorded = readFileSync(stamp, "utf8");
    writeFileSync(stamp, JSON.stringify({ ...(JSON.parse(recorded) as object), inputs: "0".repeat(64) }));
    expect(stampIsCurrent(files, stamp)).toBe(false);
    // A stamp cut short (a writer killed midway) is not current either, and throws nothing.
    writeFileSync(stamp, recorded.slice(0, 20));
    expect(stampIsCurrent(files, stamp)).toBe(false);
    writeFileSync(stamp, recorded);
    expect(stampIsCurrent(files, stamp)).toBe(true);

    // Generated files edited by hand, or emptied, are rendered again, whatever the stamp says.
    writeFileSync(files.constants, readFileSync(files.constants, "utf8").replace(/= (\d+);/, "= 1$1;"));
    expect(stampIsCurrent(files, stamp)).toBe(false);
    writeFileSync(files.abis, "");
    expect(writeGenerated(files, stamp)).toEqual({ skipped: false, written: [files.abis, files.constants] });
    expect(readFileSync(files.constants, "utf8")).toBe(readFileSync(GENERATED_FILES.constants, "utf8"));
    expect(readFileSync(files.abis, "utf8")).toBe(readFileSync(GENERATED_FILES.abis, "utf8"));
    expect(writeGenerated(files, stamp).skipped).toBe(true);
  });
});
