// Starts the indexer: `ponder start` with this package's config, after one check of its own.
//
// PGlite does not survive a kill -9 in the middle of a backfill: rows of the interrupted batch
// can be on disk while Ponder's checkpoint is not, and the restarted indexer then trips over rows
// it already wrote. So on PGlite this launcher leaves a marker (the Ponder process id) in the
// file beside the database folder while the indexer runs and removes it on a clean exit; a marker left behind by
// a process that is gone means the last run did not end cleanly, and the folder is rebuilt from
// the chain (for the local stack, a backfill of seconds). PostgreSQL resumes where it stopped.
//
// Not in src/: Ponder runs every file there as indexing code.
//
// Usage: node indexer/bin/start.ts [ponder start options, e.g. --schema openledger --port 42069]
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { deploymentFile, indexerRoot, loadSettings } from "../src/settings.ts";

const ponderCli = path.resolve(indexerRoot, "..", "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A killed process whose parent died too can linger as a zombie until it is reaped.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/**
 * Fills an absent or empty PGlite folder with a copy of an empty database cluster. Creating a
 * cluster (initdb, in WebAssembly) is about 1.7 s of the indexer's 6.6 s start; copying one takes
 * about 50 ms. The cluster is made once per PGlite version, in node_modules/.cache. Both the
 * cluster and each copy are written beside their place and put there by a rename, so a launcher
 * killed meanwhile, or two starting together, never leave half of one. Anything that goes wrong
 * here only costs the time: Ponder then creates the cluster itself.
 */
async function seedPglite(dir: string): Promise<void> {
  if (existsSync(dir) && readdirSync(dir).length > 0) return;
  const pending: string[] = [];
  try {
    const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.resolve("@electric-sql/pglite"))));
    const { version } = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string };
    const cache = path.resolve(indexerRoot, "..", "node_modules", ".cache", "openledger-indexer");
    const template = path.join(cache, `pglite-${version}`);
    if (!existsSync(path.join(template, "PG_VERSION"))) {
      mkdirSync(cache, { recursive: true });
      const making = mkdtempSync(path.join(cache, "making-"));
      pending.push(making);
      const { PGlite } = await import("@electric-sql/pglite");
      const db = new PGlite(making);
      await db.waitReady;
      await db.close();
      try {
        renameSync(making, template);
      } catch (error) {
        if (!existsSync(path.join(template, "PG_VERSION"))) throw error; // not a launcher that made it first
      }
    }
    const copy = `${dir}.copying-${process.pid}`;
    pending.push(copy);
    cpSync(template, copy, { recursive: true });
    rmSync(dir, { recursive: true, force: true }); // empty, checked above
    renameSync(copy, dir);
  } catch (error) {
    console.error(`(the indexer's PGlite folder starts without the cached empty cluster: ${error instanceof Error ? error.message : String(error)})`);
  } finally {
    for (const folder of pending) rmSync(folder, { recursive: true, force: true });
  }
}

const settings = loadSettings(process.env);
const args = process.argv.slice(2);
if (!args.includes("--schema") && !process.env.DATABASE_SCHEMA) args.push("--schema", "openledger");
if (!args.includes("--hostname") && !args.includes("-H")) args.push("--hostname", "127.0.0.1");

let marker: string | undefined;
if (!settings.databaseUrl) {
  // Beside the folder, not in it: PGlite refuses a data folder with files it did not write.
  marker = `${settings.pgliteDir}.pid`;
  if (existsSync(marker)) {
    const pid = Number(readFileSync(marker, "utf8"));
    // A process killed a moment ago may still be on its way out.
    for (let i = 0; i < 50 && Number.isInteger(pid) && pid > 0 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      let state = "";
      try {
        state = readFileSync(`/proc/${pid}/stat`, "utf8").slice(0, 60);
      } catch {
        // no /proc: not Linux
      }
      console.error(`another indexer (pid ${pid}${state ? `: ${state}` : ""}) is using ${settings.pgliteDir}; stop it or set PGLITE_DIR`);
      process.exit(1);
    }
    console.error(`the last indexer on ${settings.pgliteDir} did not shut down cleanly; PGlite cannot resume it safely, so the index is rebuilt from the chain`);
    rmSync(settings.pgliteDir, { recursive: true, force: true });
  }
  mkdirSync(path.dirname(settings.pgliteDir), { recursive: true });
  await seedPglite(settings.pgliteDir);
}

const child = spawn(process.execPath, [ponderCli, "start", ...args], {
  cwd: indexerRoot,
  stdio: "inherit",
  // Paths resolved here (relative to where the launcher was started), since Ponder runs in indexer/.
  env: {
    PONDER_TELEMETRY_DISABLED: "true",
    ...process.env,
    PGLITE_DIR: settings.pgliteDir,
    INDEXER_DEPLOYMENT_FILE: deploymentFile(process.env),
  },
});
if (marker && child.pid) writeFileSync(marker, String(child.pid));

for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));

child.on("exit", (code, signal) => {
  // Ponder exits with a code after a SIGINT/SIGTERM shutdown; a signal here means it was killed.
  const clean = signal === null && (code === 0 || code === 75 || code === 130 || code === 143);
  if (marker && clean) rmSync(marker, { force: true });
  process.exit(code ?? 1);
});
