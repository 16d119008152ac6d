// Indexer benchmark: backfill throughput in two block shapes on PGlite and PostgreSQL, latency from
// a transaction's receipt to its row in GraphQL, and GraphQL under concurrent load from a second
// process (autocannon) for the leaderboard and "contributions of a Datanet", and the most expensive
// queries the API accepts (just under the GraphQL cost limit) with plain queries beside them.
//
// Usage: node indexer/bench/indexer.ts [--events 100000] [--single-events 20000]
//          [--latency-samples 100] [--duration 10] [--connections 10] [--skip-postgres]
// (or INDEXER_BENCH_EVENTS, INDEXER_BENCH_SINGLE_EVENTS, INDEXER_SKIP_POSTGRES=1). Figures are printed.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { count } from "ponder";
import * as schema from "../ponder.schema.ts";
import { costLimitsOf, largestAccepted } from "../src/api/graphql-cost.ts";
import { describeSchema } from "../src/api/schema-shape.ts";
import { apiLimits } from "../src/settings.ts";
import { Protocol, contributionId, fileRef, startTestChain, type TestChain } from "@openledger/testkit";
import { sqlClient } from "../test/consistency.ts";
import { flood, prepareFlood } from "../test/load.ts";
import { query, startIndexer, type Indexer } from "@openledger/testkit";
import { skipPostgres, startPostgres, type Postgres } from "@openledger/testkit";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

function option(name: string, env: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i > 0 ? process.argv[i + 1] : process.env[env];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer`);
  return value;
}

const MANY = option("events", "INDEXER_BENCH_EVENTS", 100_000);
const SINGLE = option("single-events", "INDEXER_BENCH_SINGLE_EVENTS", 20_000);
const SAMPLES = option("latency-samples", "INDEXER_BENCH_LATENCY_SAMPLES", 100);
const DURATION = option("duration", "INDEXER_BENCH_DURATION", 10);
const CONNECTIONS = option("connections", "INDEXER_BENCH_CONNECTIONS", 10);
const databases: ("pglite" | "postgres")[] = skipPostgres || process.argv.includes("--skip-postgres") ? ["pglite"] : ["pglite", "postgres"];

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

async function submissions(indexer: Indexer): Promise<number> {
  try {
    return (await sqlClient(indexer).db.select({ n: count() }).from(schema.submission))[0]!.n;
  } catch {
    return 0;
  }
}

async function backfill(t: TestChain, database: "pglite" | "postgres", pg: Postgres | undefined, events: number) {
  const started = performance.now();
  const indexer = await startIndexer({ rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, ...(pg ? { databaseUrl: pg.url } : {}) });
  const up = performance.now();
  const deadline = Date.now() + 60 * 60_000;
  while ((await submissions(indexer)) < events || (await fetch(`${indexer.url}/ready`)).status !== 200) {
    if (Date.now() > deadline) throw new Error(`backfill did not finish within an hour on ${database}`);
    if (indexer.process.exitCode !== null) throw new Error(`indexer exited:\n${indexer.log().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const done = performance.now();
  return { indexer, seconds: (done - up) / 1000, startupSeconds: (up - started) / 1000, eventsPerSecond: events / ((done - up) / 1000) };
}

async function latency(t: TestChain, indexer: Indexer, samples: number) {
  const p = new Protocol(t);
  const wallet = t.wallets[9]!;
  const out: number[] = [];
  const datanetId = Number(await t.client.readContract({ address: p.addresses.Datanets, abi: (await import("@openledger/protocol")).datanetsAbi, functionName: "datanetCount" }));
  for (let i = 0; i < samples; i++) {
    const f = fileRef(`latency-${Date.now()}-${i}`, 10);
    await p.submit(wallet, datanetId, f);
    const start = performance.now();
    const id = contributionId(datanetId, f.digest);
    for (let n = 0; n < 2_000; n++) {
      const data = await query<{ contribution: { id: string } | null }>(indexer, `query($id: String!) { contribution(id: $id) { id } }`, { id });
      if (data.contribution) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    out.push(performance.now() - start);
  }
  return { p50: percentile(out, 50), p99: percentile(out, 99), max: Math.max(...out) };
}

async function load(indexer: Indexer, name: string, graphqlQuery: string) {
  const body = JSON.stringify({ query: graphqlQuery });
  // Sanity: the query works and returns rows.
  const probe = await query<Record<string, { items: unknown[] }>>(indexer, graphqlQuery);
  const rows = Object.values(probe)[0]!.items.length;
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [path.join(root, "node_modules", "autocannon", "autocannon.js"), "-c", String(CONNECTIONS), "-d", String(DURATION), "-m", "POST", "-H", "content-type=application/json", "-b", body, "-j", `${indexer.url}/graphql`],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  const r = JSON.parse(stdout) as { requests: { average: number; total: number }; latency: { p50: number; p99: number }; errors: number; non2xx: number; timeouts: number };
  return { name, rows, requestsPerSecond: r.requests.average, total: r.requests.total, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx + r.timeouts };
}

/**
 * The most expensive operations the indexer accepts on `database`, one per shape, each grown until
 * one step more would cross the default cost limit (src/api/graphql-cost.ts with that database's
 * weights: a row costs 2 on PGlite, 1 on PostgreSQL): nested lists (one query per parent row), a sort
 * on an unindexed column past an offset, wide pages (five aliases), and counts (`totalCount` scans).
 */
function expensiveOperations(database: "pglite" | "postgres"): string[] {
  const limits = costLimitsOf(apiLimits(database === "postgres" ? { DATABASE_URL: "postgresql://bench" } : {}));
  const shape = describeSchema(schema as Record<string, unknown>);
  const shapes: ((n: number) => string)[] = [
    (n) => `{ contributions(limit: ${n}) { items { datanet { id pool contributions(limit: 4) { items { id cid } } } } } }`,
    (n) => `{ contributions(orderBy: "size", limit: ${Math.min(n, 1_000)}, offset: ${Math.max(0, n - 1_000)}) { items { id cid size } } }`,
    (n) => `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: contributions(limit: ${Math.min(n, 1_000)}) { items { id cid size } }`).join(" ")} }`,
    (n) => `{ ${Array.from({ length: Math.min(n, 20) }, (_, i) => `a${i}: contributions(limit: 1) { totalCount }`).join(" ")} }`,
  ];
  return shapes.map((make) => {
    const n = largestAccepted(make, limits, shape);
    if (n === 0) throw new Error(`${make(1)} is over the cost limit already`);
    return make(n);
  });
}

/** Resident memory (bytes) of a process and everything it started (Linux /proc; 0 elsewhere). */
function treeRss(pid: number): number {
  try {
    const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? 0) * 1024;
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").split(" ").filter(Boolean).map(Number);
    return rss + children.reduce((sum, child) => sum + treeRss(child), 0);
  } catch {
    return 0;
  }
}

async function timedGraphql(indexer: Indexer, operation: string): Promise<{ ms: number; status: number; text: string }> {
  const t0 = performance.now();
  const r = await fetch(`${indexer.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: operation }) });
  const text = await r.text();
  return { ms: performance.now() - t0, status: r.status, text };
}

/**
 * Each expensive operation alone once, then each in turn, repeated for `seconds`, while one client
 * sends the leaderboard query in a loop: the worst accepted operation's time, the indexer's memory
 * growth, and the plain queries' p99 meanwhile.
 */
async function expensive(indexer: Indexer, database: "pglite" | "postgres", seconds: number) {
  const EXPENSIVE = expensiveOperations(database);
  const alone: string[] = [];
  for (const [i, operation] of EXPENSIVE.entries()) {
    console.log(`  expensive #${i + 1} (${database}): ${operation.length > 160 ? `${operation.slice(0, 160)}…` : operation}`);
    const r = await timedGraphql(indexer, operation);
    alone.push(`#${i + 1} ${r.status === 200 ? `${r.ms.toFixed(0)} ms` : `refused (${r.status}: ${r.text.slice(0, 160)})`}`);
  }
  const pid = indexer.process.pid!;
  const rssBefore = treeRss(pid);
  let rssPeak = rssBefore;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, treeRss(pid))), 100);
  const heavy: number[] = [];
  const plain: number[] = [];
  let refused = 0;
  const until = performance.now() + seconds * 1000;
  const heavyLoop = (async () => {
    for (let i = 0; performance.now() < until; i++) {
      const r = await timedGraphql(indexer, EXPENSIVE[i % EXPENSIVE.length]!);
      if (r.status === 200) heavy.push(r.ms);
      else refused++;
    }
  })();
  while (performance.now() < until) {
    const t0 = performance.now();
    await query(indexer, LEADERBOARD);
    plain.push(performance.now() - t0);
  }
  await heavyLoop;
  clearInterval(sampler);
  return { alone: alone.join(", "), worst: Math.max(0, ...heavy), runs: heavy.length, refused, plainP99: percentile(plain, 99), plainMax: Math.max(...plain), plain: plain.length, rssGrowthMiB: (rssPeak - rssBefore) / 1048576 };
}

const LEADERBOARD = `{ contributors(orderBy: "score", orderDirection: "desc", limit: 50) { items { address accepted acceptedBytes rejected acceptanceRateBps } } }`;
const CONTRIBUTIONS = `{ contributions(where: { datanetId: 1 }, orderBy: "sequence", orderDirection: "desc", limit: 50) { items { id cid contributor status size submittedAt } } }`;

const results: string[] = [];
const print = (line: string) => {
  results.push(line);
  console.log(line);
};

let pg: Postgres | undefined;
try {
  if (databases.includes("postgres")) pg = await startPostgres();
  for (const [shape, events, perBlock] of [
    ["many events per block", MANY, 200],
    ["one event per block", SINGLE, 1],
  ] as const) {
    if (events === 0) continue;
    const t = await startTestChain();
    try {
      const p = new Protocol(t);
      const d = await prepareFlood(p);
      const genStart = performance.now();
      await flood(p, d, events, perBlock, shape);
      await p.mine(35);
      print(`chain: ${events} events (${shape}) generated in ${((performance.now() - genStart) / 1000).toFixed(1)} s`);
      for (const database of databases) {
        // A fresh PostgreSQL database per run: a new schema is enough.
        const run = await backfill(t, database, database === "postgres" ? pg : undefined, events);
        print(`backfill ${database}, ${shape}: ${events} events in ${run.seconds.toFixed(1)} s = ${Math.round(run.eventsPerSecond)} events/s (startup ${run.startupSeconds.toFixed(1)} s before that)`);
        if (shape === "many events per block") {
          for (const q of [["leaderboard", LEADERBOARD], ["contributions of a Datanet", CONTRIBUTIONS]] as const) {
            const l = await load(run.indexer, q[0], q[1]);
            print(`graphql load ${database}, ${l.name} (${l.rows} rows, ${events} contributions indexed, ${CONNECTIONS} connections, ${DURATION} s): ${Math.round(l.requestsPerSecond)} req/s, p50 ${l.p50} ms, p99 ${l.p99} ms, errors ${l.errors}`);
            if (l.errors > 0) process.exitCode = 1;
          }
          const x = await expensive(run.indexer, database, DURATION);
          print(`expensive queries ${database} (just under the cost limit; alone: ${x.alone}; then ${DURATION} s in a loop): worst accepted ${x.worst.toFixed(0)} ms over ${x.runs} runs (${x.refused} refused), indexer memory +${x.rssGrowthMiB.toFixed(0)} MiB at peak; plain queries meanwhile p99 ${x.plainP99.toFixed(0)} ms, max ${x.plainMax.toFixed(0)} ms (${x.plain} queries)`);
          const lat = await latency(t, run.indexer, SAMPLES);
          print(`latency ${database}, receipt → row in GraphQL (${SAMPLES} submissions): p50 ${lat.p50.toFixed(0)} ms, p99 ${lat.p99.toFixed(0)} ms, max ${lat.max.toFixed(0)} ms`);
        }
        await run.indexer.stop();
      }
    } finally {
      await t.stop();
    }
  }
} finally {
  await pg?.stop();
}
console.log("\nsummary\n" + results.join("\n"));
