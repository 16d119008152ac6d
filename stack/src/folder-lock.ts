// A lock between processes on one machine: a folder created with mkdir (atomic), holding the
// owner's process id. A lock whose owner is gone (killed mid-build) is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/** Whether a process with this id runs (one of another user counts; a zombie does not). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true; // no /proc: not Linux
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Runs `work` while holding the lock at `folder`, waiting up to `timeoutMs` for another holder.
 * Synchronous, for synchronous work such as a compiler run.
 */
export function withFolderLock<T>(folder: string, work: () => T, timeoutMs = 600_000): T {
  const owner = path.join(folder, "pid");
  const deadline = Date.now() + timeoutMs;
  mkdirSync(path.dirname(folder), { recursive: true });
  for (;;) {
    try {
      mkdirSync(folder);
      writeFileSync(owner, String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let pid = Number.NaN;
      try {
        pid = Number(readFileSync(owner, "utf8"));
      } catch {
        // the holder has not written its id yet
      }
      if (Number.isInteger(pid) && pid > 0 && !processAlive(pid)) {
        rmSync(folder, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${folder} is still held by process ${Number.isNaN(pid) ? "(unknown)" : pid} after ${timeoutMs / 1000} s`);
      pause(200);
    }
  }
  try {
    return work();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}
