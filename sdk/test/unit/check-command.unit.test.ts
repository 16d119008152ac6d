// `openledger check`: the file checks as a dry run, with no key, no chain and no IPFS node.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { png, txt } from "@openledger/sdk/samples";

const CLI = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "src", "cli", "main.ts");

function run(args: string[]) {
  const env: Record<string, string | undefined> = { ...process.env, OPENLEDGER_RPC_URL: "http://127.0.0.1:9", IPFS_URL: "http://127.0.0.1:9" };
  delete env.OPENLEDGER_PRIVATE_KEY;
  const child = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", CLI, ...args], { env, encoding: "utf8" });
  return { code: child.status, stdout: child.stdout, stderr: child.stderr };
}

describe("openledger check", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "openledger-check-"));
  writeFileSync(path.join(dir, "a.png"), png(3));
  writeFileSync(path.join(dir, "b.txt"), txt(4));
  writeFileSync(path.join(dir, "c.png"), png(5).subarray(0, 60));

  it("prints a verdict per file as JSON and exits 3 when any is refused", () => {
    const result = run(["check", "--json", dir]);
    expect(result.code).toBe(3);
    const rows = JSON.parse(result.stdout) as { file: string; ok: boolean; format: string | null; rule: string | null; message: string | null }[];
    expect(rows.map((r) => [path.basename(r.file), r.ok, r.format, r.rule])).toEqual([
      ["a.png", true, "png", null],
      ["b.txt", true, "txt", null],
      ["c.png", false, null, "truncated"],
    ]);
    expect(rows[2]!.message).toMatch(/needs \d+ bytes but the file has 60/);
  });

  it("exits 0 when every file passes, and refuses formats outside --formats", () => {
    expect(run(["check", path.join(dir, "a.png"), path.join(dir, "b.txt")]).code).toBe(0);
    const limited = run(["check", "--formats", "txt,md", path.join(dir, "a.png")]);
    expect(limited.code).toBe(3);
    expect(limited.stdout).toMatch(/refused\s+png\s+format-not-allowed/);
    expect(run(["check", "--formats", "nope", dir]).code).toBe(2);
  });
});
