// `bin/openledger.mjs` runs the CLI from a bundle it builds (sdk/dist) and rebuilds when any file the
// bundle was built from changes; its output must be the sources' output, byte for byte.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const SDK = path.resolve(import.meta.dirname, "..", "..");
const BIN = path.join(SDK, "bin", "openledger.mjs");
const INPUTS = path.join(SDK, "dist", "openledger.inputs.json");
const dir = mkdtempSync(path.join(os.tmpdir(), "cli-bundle-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], sources = false) {
  const env = { ...process.env, OPENLEDGER_CLI_SOURCES: sources ? "1" : "0" };
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8", env, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const builtAt = () => (JSON.parse(readFileSync(INPUTS, "utf8")) as { builtAt: string }).builtAt;

describe("the CLI bundle", () => {
  it("prints what the sources print, for help, a check and a usage error", () => {
    const good = path.join(dir, "qa.jsonl");
    const bad = path.join(dir, "broken.csv");
    writeFileSync(good, '{"q":"2+2?","a":"4"}\n');
    writeFileSync(bad, "a,b\n1\n");
    for (const args of [["--help"], ["check", "--json", good, bad], ["quota", "x"]]) {
      const bundled = run(args);
      const sources = run(args, true);
      expect(bundled, args.join(" ")).toEqual(sources);
    }
    const inputs = Object.keys((JSON.parse(readFileSync(INPUTS, "utf8")) as { inputs: Record<string, unknown> }).inputs);
    expect(inputs).toContain(path.join(SDK, "src", "cli", "main.ts"));
    expect(inputs.some((f) => f.includes(`${path.sep}viem${path.sep}`))).toBe(true);
  });

  it("is rebuilt when a file it was built from changes, and reused otherwise", () => {
    expect(run(["--help"]).code).toBe(0);
    const before = builtAt();
    expect(run(["--help"]).code).toBe(0);
    expect(builtAt()).toBe(before);
    // A source edited after the build (here only its modification time moves).
    const source = path.join(SDK, "src", "cli", "exit.ts");
    const { atime, mtime } = statSync(source);
    utimesSync(source, atime, new Date(mtime.getTime() + 2_000));
    try {
      expect(run(["--help"]).code).toBe(0);
      expect(builtAt()).not.toBe(before);
    } finally {
      utimesSync(source, atime, mtime);
    }
  });
});
