// A throwaway PostgreSQL for tests and benchmarks, from the installed binaries
// (/usr/lib/postgresql/<version>/bin or POSTGRES_BIN): a fresh cluster in a temp dir, listening on
// a free loopback port, run as the `postgres` system user when we are root (initdb refuses root).
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "@openledger/stack";

export interface Postgres {
  url: string;
  stop(): Promise<void>;
}

/** Whether the caller asked to skip the PostgreSQL runs (INDEXER_SKIP_POSTGRES=1). */
export const skipPostgres = process.env.INDEXER_SKIP_POSTGRES === "1";

export function postgresBin(): string {
  if (process.env.POSTGRES_BIN) return process.env.POSTGRES_BIN;
  const base = "/usr/lib/postgresql";
  const versions = existsSync(base) ? readdirSync(base).filter((v) => existsSync(path.join(base, v, "bin", "initdb"))) : [];
  versions.sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) {
    throw new Error(
      "PostgreSQL binaries not found (looked for /usr/lib/postgresql/<version>/bin/initdb; set POSTGRES_BIN). " +
        "Install PostgreSQL (e.g. apt-get install postgresql-15) or set INDEXER_SKIP_POSTGRES=1 to run the PGlite tests only.",
    );
  }
  return path.join(base, versions[0]!, "bin");
}

function asPostgresUser(): string[] {
  if (process.getuid?.() !== 0) return [];
  try {
    execFileSync("id", ["-u", "postgres"], { stdio: "ignore" });
  } catch {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "postgres"], { stdio: "inherit" });
  }
  return ["runuser", "-u", "postgres", "--"];
}

/** The postmaster's pid from its lock file in the data folder, if it is there. */
function postmasterPid(data: string): number | undefined {
  try {
    const pid = Number(readFileSync(path.join(data, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

export async function startPostgres(): Promise<Postgres> {
  const bin = postgresBin();
  const prefix = asPostgresUser();
  const dir = mkdtempSync(path.join(tmpdir(), "indexer-pg-"));
  const data = path.join(dir, "data");
  if (prefix.length) {
    chmodSync(dir, 0o777);
    execFileSync("chown", ["postgres", dir]);
  }
  const run = (file: string, args: string[]) => {
    const [cmd, ...rest] = prefix.length ? [...prefix, path.join(bin, file), ...args] : [path.join(bin, file), ...args];
    return execFileSync(cmd!, rest, { stdio: "pipe" });
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  const args = [
    "-D", data,
    "-p", String(port),
    "-k", dir,
    "-c", "listen_addresses=127.0.0.1",
    "-c", "fsync=off",
    "-c", "synchronous_commit=off",
    "-c", "full_page_writes=off",
    "-c", "max_connections=100",
  ];
  const [cmd, ...rest] = prefix.length ? [...prefix, path.join(bin, "postgres"), ...args] : [path.join(bin, "postgres"), ...args];
  const child: ChildProcess = spawn(cmd!, rest, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${stderr}`);
    try {
      run("pg_isready", ["-h", "127.0.0.1", "-p", String(port), "-U", "postgres"]);
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`postgres did not become ready on port ${port}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    stop: () =>
      new Promise((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        // With runuser in between, the signal must reach postgres itself (runuser does not pass
        // SIGINT on): its pid is the first line of postmaster.pid. SIGINT is a fast shutdown.
        const server = postmasterPid(data) ?? child.pid;
        const timer = setTimeout(() => {
          for (const pid of [server, child.pid]) signal(pid, "SIGKILL");
        }, 10_000);
        child.once("exit", () => {
          clearTimeout(timer);
          done();
        });
        signal(server, "SIGINT");
      }),
  };
}

/** The databases the indexer tests run on: PGlite always, PostgreSQL unless INDEXER_SKIP_POSTGRES=1. */
export const DATABASES: ("pglite" | "postgres")[] = skipPostgres ? ["pglite"] : ["pglite", "postgres"];
