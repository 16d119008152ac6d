// Runs the indexer as a child process (`ponder start`) for tests and the benchmark, and talks to
// its HTTP API.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, openSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { freePort } from "@openledger/stack";

/** The indexer package's own launcher (`ponder start` with its config). */
const indexerRoot = path.dirname(createRequire(import.meta.url).resolve("@openledger/indexer/package.json"));
const launcher = path.join(indexerRoot, "bin", "start.ts");

export interface IndexerOptions {
  rpcUrl: string;
  deploymentFile: string;
  /** PostgreSQL connection string; PGlite in `pgliteDir` (a fresh temp dir by default) otherwise. */
  databaseUrl?: string;
  pgliteDir?: string;
  schema?: string;
  port?: number;
  ipfsUrl?: string;
  pollingIntervalMs?: number;
  env?: Record<string, string>;
}

export interface Indexer {
  url: string;
  port: number;
  process: ChildProcess;
  logFile: string;
  options: Required<Pick<IndexerOptions, "schema" | "pgliteDir">> & IndexerOptions;
  log(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

export async function startIndexer(options: IndexerOptions): Promise<Indexer> {
  const port = options.port ?? (await freePort());
  const work = mkdtempSync(path.join(tmpdir(), "indexer-run-"));
  const pgliteDir = options.pgliteDir ?? path.join(work, "pglite");
  const schema = options.schema ?? `t${process.pid}_${Date.now() % 1e8}`;
  const logFile = path.join(work, "ponder.log");
  const out = openSync(logFile, "a");
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PONDER_TELEMETRY_DISABLED: "true",
    PONDER_RPC_URL_31337: options.rpcUrl,
    INDEXER_DEPLOYMENT_FILE: options.deploymentFile,
    INDEXER_POLLING_INTERVAL_MS: String(options.pollingIntervalMs ?? 100),
    PGLITE_DIR: pgliteDir,
    ...(options.ipfsUrl ? { IPFS_URL: options.ipfsUrl } : {}),
    ...options.env,
  };
  delete env.DATABASE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  if (!options.ipfsUrl) delete env.IPFS_URL;
  const child = spawn(
    process.execPath,
    [launcher, "--schema", schema, "--port", String(port), "--hostname", "127.0.0.1", "--log-format", "json"],
    // Its own process group, so that kill9 takes the launcher and Ponder down at once, like a crash.
    { cwd: indexerRoot, env, stdio: ["ignore", out, out], detached: true },
  );
  const url = `http://127.0.0.1:${port}`;
  const log = () => readFileSync(logFile, "utf8");
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const indexer: Indexer = {
    url,
    port,
    process: child,
    logFile,
    options: { ...options, schema, pgliteDir, port },
    log,
    stop: () =>
      new Promise((resolve) => {
        if (exited()) return resolve();
        const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 15_000);
        child.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill("SIGTERM");
      }),
    kill9: () =>
      new Promise((resolve) => {
        if (exited()) return resolve();
        child.once("exit", () => resolve());
        process.kill(-child.pid!, "SIGKILL");
      }),
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exited()) throw new Error(`ponder exited with ${child.exitCode ?? child.signalCode}:\n${log().slice(-4000)}`);
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await indexer.kill9();
      throw new Error(`ponder did not answer /health within 90 s:\n${log().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return indexer;
}

/** The block the indexer has processed up to (Ponder's /status), or -1 before it has one. */
export async function indexedBlock(indexer: Indexer): Promise<number> {
  try {
    const r = await fetch(`${indexer.url}/status`);
    if (!r.ok) return -1;
    const status = (await r.json()) as Record<string, { block?: { number: number } }>;
    return status.openledger?.block?.number ?? -1;
  } catch {
    return -1;
  }
}

/** Waits until the indexer has processed `block` (the chain's head by default). */
export async function waitForBlock(indexer: Indexer, block: bigint | number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (indexer.process.exitCode !== null) throw new Error(`ponder exited:\n${indexer.log().slice(-4000)}`);
    if ((await indexedBlock(indexer)) >= Number(block)) return;
    if (Date.now() > deadline) throw new Error(`indexer did not reach block ${block} within ${timeoutMs} ms (at ${await indexedBlock(indexer)}):\n${indexer.log().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface GraphQLResult<T> {
  status: number;
  data?: T;
  errors?: { message: string }[];
  text: string;
}

export async function graphql<T = Record<string, unknown>>(indexer: Indexer, query: string, variables: Record<string, unknown> = {}): Promise<GraphQLResult<T>> {
  const r = await fetch(`${indexer.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const text = await r.text();
  let body: { data?: T; errors?: { message: string }[] } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // left empty: the caller sees status and text
  }
  return { status: r.status, ...body, text };
}

/** GraphQL that must succeed. */
export async function query<T = Record<string, unknown>>(indexer: Indexer, q: string, variables: Record<string, unknown> = {}): Promise<T> {
  const result = await graphql<T>(indexer, q, variables);
  if (result.status !== 200 || result.errors?.length || !result.data) throw new Error(`GraphQL failed (${result.status}): ${result.text.slice(0, 1000)}`);
  return result.data;
}
