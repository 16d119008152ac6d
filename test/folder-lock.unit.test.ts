// The lock that keeps two stacks starting at once from running the contracts' build together
// (stack/src/folder-lock.ts): processes that contend for it run their work one at a time, and a
// lock left by a killed process is taken over instead of blocking every later start.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withFolderLock } from "@openledger/stack";

const stackEntry = import.meta.resolve("@openledger/stack");

/** A process that takes the lock, writes "in" and, after `holdMs`, "out" to `journal`. */
function contender(lock: string, journal: string, holdMs: number) {
  const script = `
    import { appendFileSync } from "node:fs";
    const { withFolderLock } = await import(${JSON.stringify(stackEntry)});
    withFolderLock(${JSON.stringify(lock)}, () => {
      appendFileSync(${JSON.stringify(journal)}, "in " + process.pid + "\\n");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
      appendFileSync(${JSON.stringify(journal)}, "out " + process.pid + "\\n");
    });`;
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", script], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise<void>((resolve, reject) => child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`contender exited ${code}: ${stderr}`)))));
}

describe("the build lock", () => {
  it("runs the work of processes that contend for it one at a time", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lock-"));
    const lock = path.join(dir, "cache", "build.lock");
    const journal = path.join(dir, "journal");
    writeFileSync(journal, "");
    await Promise.all([contender(lock, journal, 300), contender(lock, journal, 300), contender(lock, journal, 300)]);
    const lines = readFileSync(journal, "utf8").trim().split("\n");
    expect(lines).toHaveLength(6);
    // Every "in" is followed by the same process's "out": no two held the lock at once.
    for (let i = 0; i < lines.length; i += 2) expect(lines[i + 1]).toBe(lines[i]!.replace("in", "out"));
    expect(existsSync(lock)).toBe(false);
  });

  it("takes over a lock whose holder was killed, and waits for a live holder", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "lock-"));
    const lock = path.join(dir, "build.lock");
    const gone = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid!;
    mkdirSync(lock);
    writeFileSync(path.join(lock, "pid"), String(gone));
    expect(withFolderLock(lock, () => "ran")).toBe("ran");
    expect(existsSync(lock)).toBe(false);

    mkdirSync(lock);
    writeFileSync(path.join(lock, "pid"), String(process.pid)); // a holder that is alive
    expect(() => withFolderLock(lock, () => "ran", 500)).toThrow(new RegExp(`still held by process ${process.pid} after 0.5 s`));
  });
});
