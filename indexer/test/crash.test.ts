// Crash recovery: kill -9 the indexer in the middle of a backfill of many events, restart it on the
// same database and schema, and compare every table with an uninterrupted run: identical. On both
// databases; the uninterrupted run is one, on PGlite, for both (the tables are read through the
// indexer's SQL endpoint, the same rows whatever the database).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Protocol, startTestChain, type TestChain } from "@openledger/testkit";
import { dumpTables, sqlClient, waitForConsistency } from "./consistency.ts";
import { flood, prepareFlood } from "./load.ts";
import { startIndexer, type Indexer } from "@openledger/testkit";
import { DATABASES, startPostgres, type Postgres } from "@openledger/testkit";
import * as schema from "../ponder.schema.ts";
import { count } from "ponder";

// 2,000 events in blocks of 200 and 150 one per block: the first rows Ponder writes come well before
// the end of the backfill (the kill lands with about 2,016 of 2,150 written, ~130 blocks still to go).
const MANY_PER_BLOCK = Number(process.env.INDEXER_CRASH_EVENTS ?? 2_000);
const ONE_PER_BLOCK = Number(process.env.INDEXER_CRASH_SINGLE_EVENTS ?? 150);

async function waitForSubmissions(indexer: Indexer, n: number, timeoutMs = 180_000) {
  const deadline = Date.now() + timeoutMs;
  let seen = 0;
  while (Date.now() < deadline) {
    if (indexer.process.exitCode !== null || indexer.process.signalCode !== null) throw new Error(`indexer exited:\n${indexer.log().slice(-3000)}`);
    if (/"level":50/.test(indexer.log())) throw new Error(`indexer logged an error:\n${indexer.log().slice(-3000)}`);
    try {
      seen = (await sqlClient(indexer).db.select({ n: count() }).from(schema.submission))[0]!.n;
    } catch {
      seen = 0;
    }
    if (seen >= n && (await fetch(`${indexer.url}/ready`)).status === 200) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`indexer reached ${seen} of ${n} submissions in ${timeoutMs} ms:\n${indexer.log().slice(-2000)}`);
}

// One chain, flooded once, for both databases: the indexers only read it.
let t: TestChain;
const total = MANY_PER_BLOCK + ONE_PER_BLOCK;
let clean: Promise<Indexer> | undefined;
let cleanTables: ReturnType<typeof dumpTables> | undefined;
/** Every table of the uninterrupted run, once it has indexed the whole flood (read once). */
const cleanDump = () =>
  (cleanTables ??= (async () => {
    const indexer = await clean!;
    await waitForSubmissions(indexer, total);
    return dumpTables(indexer);
  })());

beforeAll(async () => {
  t = await startTestChain();
  const p = new Protocol(t);
  const started = Date.now();
  const d = await prepareFlood(p);
  await flood(p, d, MANY_PER_BLOCK, 200, "many");
  await flood(p, d, ONE_PER_BLOCK, 1, "one");
  // Past Ponder's 30-block finality on 31337, so that the whole flood is backfill, not live.
  await p.mine(35);
  console.log(`crash: ${total} events on chain in ${Date.now() - started} ms`);
  // The uninterrupted run indexes meanwhile (on PostgreSQL, the restart waits out the killed
  // instance's lock: Ponder's 25 s heartbeat timeout).
  clean = startIndexer({ rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, schema: "clean" });
  clean.catch(() => {}); // a failed start fails the comparison that needs it
});

afterAll(async () => {
  await (await clean?.catch(() => undefined))?.stop();
  await t?.stop();
});

describe.each(DATABASES)("crash recovery on %s", (database) => {
  let pg: Postgres | undefined;
  const running: Indexer[] = [];

  beforeAll(async () => {
    if (database === "postgres") pg = await startPostgres();
  });

  afterAll(async () => {
    for (const i of running) await i.stop();
    await pg?.stop();
  });

  const start = async (schemaName: string, pgliteDir?: string) => {
    const indexer = await startIndexer({
      rpcUrl: t.rpcUrl,
      deploymentFile: t.deploymentFile,
      schema: schemaName,
      ...(pg ? { databaseUrl: pg.url } : {}),
      ...(pgliteDir ? { pgliteDir } : {}),
    });
    running.push(indexer);
    return indexer;
  };

  test("kill -9 during backfill, restart, and every table equals an uninterrupted run", async () => {
    const crashed = await start("crashed");
    const pgliteDir = crashed.options.pgliteDir;
    const submissions = async () => {
      try {
        return (await sqlClient(crashed).db.select({ n: count() }).from(schema.submission))[0]!.n;
      } catch {
        return 0;
      }
    };
    let seen = 0;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      seen = await submissions();
      if (seen > 0) break;
      if ((await fetch(`${crashed.url}/ready`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const readyBeforeKill = (await fetch(`${crashed.url}/ready`)).status === 200;
    await crashed.kill9();
    expect(readyBeforeKill, "the backfill finished before the kill: raise INDEXER_CRASH_EVENTS").toBe(false);
    expect(seen).toBeLessThan(total);

    const resumed = await start("crashed", pgliteDir);
    await waitForSubmissions(resumed, total);
    expect(resumed.log()).not.toMatch(/MigrationError/);
    expect((await waitForConsistency(t, resumed, 60_000)).mismatches).toEqual([]);

    const a = await dumpTables(resumed);
    const b = await cleanDump();
    expect(a.submission.length).toBe(total);
    expect(a).toEqual(b);
    console.log(`crash (${database}): killed with ${seen} of ${total} submissions written; resumed run equals the clean run`);
  });
});
