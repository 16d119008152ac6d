// One chain, one indexer per database, both following it live (the suites share them: each
// indexer start is several seconds of CPU):
//
// - a hostile client against the indexer's HTTP API: SQL over HTTP never changes data (plain
//   writes, and a write whose 40-bit hash prefix equals an allowed SELECT's, sent after it), never
//   reads the indexer's internal tables, and refuses statements the planner expects to be
//   expensive; GraphQL refuses an operation over the cost limit (naming the cost and the limit) and
//   negative pages before running it; normal queries keep answering meanwhile;
// - then a reorg, last because it rewrites the chain: a snapshot is taken, a few blocks are built on
//   it (submissions, a commit, funding), the chain is reverted to the snapshot and a different,
//   longer fork is built (other contributors, other content). Both indexers must end equal to the
//   chain: the rows of the abandoned fork gone, those of the new one present.
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseEther } from "viem";
import { Protocol, contributionId, fileRef, startTestChain, type TestChain } from "@openledger/testkit";
import { graphql, query, startIndexer, waitForBlock, type Indexer } from "@openledger/testkit";
import { DATABASES, startPostgres, type Postgres } from "@openledger/testkit";
import { checkConsistency, dumpTables, sqlClient, waitForConsistency } from "./consistency.ts";
import * as schema from "../ponder.schema.ts";
import { costLimitsOf, largestAccepted } from "../src/api/graphql-cost.ts";
import { describeSchema } from "../src/api/schema-shape.ts";
import { apiLimits, GRAPHQL_ROW_COST } from "../src/settings.ts";

/** GET /sql/db as @ponder/client sends it (superjson of {sql, params, typings}; no meta for plain JSON). */
async function rawSql(indexer: Indexer, statement: string): Promise<{ status: number; text: string }> {
  const sql = JSON.stringify({ json: { sql: statement, params: [], typings: [] } });
  const r = await fetch(`${indexer.url}/sql/db?sql=${encodeURIComponent(sql)}`);
  return { status: r.status, text: await r.text() };
}

const prefix = (text: string) => createHash("sha256").update(text).digest("hex").slice(0, 10);

/**
 * An allowed SELECT and a write whose SHA-256 hashes share their first 40 bits (the key of Ponder's
 * allow-list cache), found by a birthday search in 8 s: 2^21 SELECTs ending in a comment holding
 * i = 0, 1, … kept by prefix, then writes ending in a comment holding j = 0, 1, … until one's prefix
 * is among them.
 */
const COLLISION = { select: `SELECT id FROM datanet /* 560125 */`, write: `UPDATE datanet SET pool = 0 /* 788207 */` };

describe("Ponder's allow-list cache (the upstream defect the SQL endpoint does not rely on)", () => {
  test("a write that collides with a cached SELECT on 40 bits of its hash is let through", async () => {
    const require = createRequire(import.meta.url);
    const dir = (require.resolve.paths("ponder") ?? []).find((d) => existsSync(path.join(d, "ponder", "dist", "esm", "utils", "sql-parse.js")))!;
    const { validateAllowableSQLQuery } = (await import(pathToFileURL(path.join(dir, "ponder", "dist", "esm", "utils", "sql-parse.js")).href)) as {
      validateAllowableSQLQuery(sql: string): Promise<void>;
    };
    expect(prefix(COLLISION.select)).toBe(prefix(COLLISION.write));
    await expect(validateAllowableSQLQuery(`UPDATE datanet SET pool = 0 /* other */`)).rejects.toThrow(/not supported/);
    await validateAllowableSQLQuery(COLLISION.select);
    await expect(validateAllowableSQLQuery(COLLISION.write)).resolves.toBeUndefined();
  });
});

// One chain for both databases, and both indexers on it from the start: the hostile client only
// reads it (and its writes are refused); the reorg at the end rewrites it under both.
type Database = (typeof DATABASES)[number];
let t: TestChain;
let head: bigint;
let pg: Postgres | undefined;
const indexers = new Map<Database, Indexer>();

beforeAll(async () => {
  t = await startTestChain();
  const p = new Protocol(t);
  const [owner, alice] = [t.wallets[0]!, t.wallets[1]!];
  const d = await p.createDatanet(owner, { limits: { reward: parseEther("1") } });
  await p.fund(owner, d, parseEther("30"));
  await p.approve(alice, p.addresses.Datanets, parseEther("10"));
  await p.submitBatch(alice, d, Array.from({ length: 20 }, (_, i) => fileRef(`hostile-${i}`)));
  head = await p.blockNumber();
  if (DATABASES.includes("postgres")) pg = await startPostgres();
  await Promise.all(
    DATABASES.map(async (database) => {
      const indexer = await startIndexer({ rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, ...(database === "postgres" ? { databaseUrl: pg!.url } : {}) });
      indexers.set(database, indexer);
      await waitForBlock(indexer, head);
    }),
  );
});

afterAll(async () => {
  await Promise.all([...indexers.values()].map((indexer) => indexer.stop()));
  await pg?.stop();
  await t?.stop();
});

describe.each(DATABASES)("a hostile client on %s", (database) => {
  let indexer: Indexer;
  beforeAll(() => {
    indexer = indexers.get(database)!;
  });

  test("SQL writes are refused with a readable 4xx and change nothing, also after a colliding SELECT", async () => {
    const before = await dumpTables(indexer);
    const writes = [
      `CREATE TABLE evil (x int)`,
      `INSERT INTO datanet (id) VALUES (99)`,
      `UPDATE datanet SET pool = 0`,
      `DELETE FROM contribution`,
      `SELECT * FROM datanet FOR UPDATE`,
      `SET default_transaction_read_only = off`,
    ];
    for (const statement of writes) {
      const r = await rawSql(indexer, statement);
      expect(r.status, statement).toBeGreaterThanOrEqual(400);
      expect(r.status, statement).toBeLessThan(500);
      expect(r.text, statement).toMatch(/^refused SQL query: \w/);
      expect(r.text).not.toMatch(/object Object/);
    }
    expect((await rawSql(indexer, COLLISION.select)).status).toBe(200);
    const write = await rawSql(indexer, COLLISION.write);
    expect(write.status).toBe(400);
    expect(write.text).toMatch(/refused SQL query/);
    expect(await dumpTables(indexer)).toEqual(before);
  });

  test("internal tables are not readable through SQL", async () => {
    for (const table of ["_ponder_meta", "_ponder_checkpoint", `"_ponder_meta"`, "_reorg__datanet", "manifest_check", "manifest_check_leaf", "content_check"]) {
      const r = await rawSql(indexer, `SELECT * FROM ${table}`);
      expect(r.status, table).toBe(400);
      expect(r.text, table).toMatch(/internal to the indexer/);
    }
  });

  test("a SQL statement the planner expects to be expensive is refused with its cost", async () => {
    const joins = Array.from({ length: 6 }, (_, i) => `contribution c${i}`).join(", ");
    const started = performance.now();
    const r = await rawSql(indexer, `SELECT count(*) FROM ${joins}`);
    expect(r.status, `${r.text} after ${Math.round(performance.now() - started)} ms`).toBe(400);
    expect(r.text).toMatch(/query cost \d+ \(PostgreSQL's planner estimate\) is over the limit of 200000/);
  });

  test("GraphQL over the cost limit and negative pages are refused before they run", async () => {
    const nested = `datanets(limit: 100) { items { contributions(limit: 100) { items { datanet { contributions(limit: 100) { items { id } } } } } } }`;
    const over = await graphql(indexer, `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: ${nested}`).join(" ")} }`);
    expect(over.status).toBe(400);
    expect(over.errors?.[0]?.message).toMatch(/query cost of at least \d+ is over the limit of 5000 \(cost = rows read/);
    const viaVariables = await graphql(indexer, `query($n: Int) { datanets(limit: $n) { items { contributions(limit: $n) { items { id } } } } }`, { n: 1000 });
    expect(viaVariables.status).toBe(400);
    expect(viaVariables.errors?.[0]?.message).toMatch(/query cost of at least \d+ is over the limit of 5000/);
    // Few rows (1,000 Datanets, one contribution each) but one database query per Datanet.
    const nestedQueries = await graphql(indexer, `{ datanets(limit: 1000) { items { contributions(limit: 1) { items { id } } } } }`);
    expect(nestedQueries.status).toBe(400);
    // A row costs 2 on PGlite (it reads rows in the indexer's own thread), 1 on PostgreSQL.
    const rowCost = GRAPHQL_ROW_COST[database];
    const perRow = rowCost === 1 ? "" : ` × ${rowCost}`;
    expect(nestedQueries.errors?.[0]?.message).toContain("per database query (a nested list runs one per parent row)");
    expect(nestedQueries.errors?.[0]?.message).toContain(`most from datanets.contributions: 1000 rows${perRow} + 1000 queries × 100 = ${1000 * rowCost + 100_000}`);
    for (const [q, reason] of [
      [`{ contributions(limit: -1) { items { id } } }`, /contributions: limit must be a non-negative integer, not -1/],
      [`{ contributions(offset: -5) { items { id } } }`, /contributions: offset must be a non-negative integer, not -5/],
      [`{ datanets { items { contributions(limit: -1) { items { id } } } } }`, /limit must be a non-negative integer/],
    ] as const) {
      const r = await graphql(indexer, q);
      expect(r.status, q).toBe(400);
      expect(r.errors?.[0]?.message, q).toMatch(reason);
    }
    const negativeVariable = await graphql(indexer, `query($n: Int) { contributions(limit: $n) { items { id } } }`, { n: -3 });
    expect(negativeVariable.status).toBe(400);
  });

  test("normal queries answer, also while the most expensive accepted query runs", async () => {
    const sql = await sqlClient(indexer).db.select().from(schema.contribution);
    expect(sql).toHaveLength(20);
    // n contributions (+ a query), their Datanets (+ a query), 4 contributions of each (+ n queries), with
    // n as large as this database's weights allow (45 on PostgreSQL, 42 on PGlite, where a row costs 2).
    const nested = (n: number) => `{ contributions(limit: ${n}) { items { datanet { id pool contributions(limit: 4) { items { id cid } } } } } }`;
    const limits = costLimitsOf(apiLimits(database === "postgres" ? { DATABASE_URL: "postgresql://hostile" } : {}));
    const parents = largestAccepted(nested, limits, describeSchema(schema as Record<string, unknown>));
    expect(parents).toBeGreaterThan(10);
    expect((await graphql(indexer, nested(parents + 1))).status, "one parent more is over the limit").toBe(400);
    const expensive = nested(parents);
    const started = performance.now();
    const heavy = graphql(indexer, expensive).then((r) => ({ ...r, ms: performance.now() - started }));
    const latencies: number[] = [];
    let done = false;
    void heavy.finally(() => (done = true));
    while (!done || latencies.length < 5) {
      const t0 = performance.now();
      const ok = await query<{ datanets: { totalCount: number } }>(indexer, `{ datanets { totalCount } }`);
      latencies.push(performance.now() - t0);
      expect(ok.datanets.totalCount).toBe(1);
    }
    const result = await heavy;
    expect(result.status, result.text.slice(0, 300)).toBe(200);
    expect(result.ms).toBeLessThan(9_000);
    expect(Math.max(...latencies)).toBeLessThan(2_000);
    expect((await fetch(`${indexer.url}/health`)).status).toBe(200);
  });
});

describe("a reorg under both indexers", () => {
  test("revert a few blocks, build a different fork, and every indexer ends equal to the chain", async () => {
    const p = new Protocol(t);
    // Alice used her day's files in the setup above: Dave submits where the reorg needs a third contributor.
    const [owner, alice, bob, carol, dave, v1] = [t.wallets[0]!, t.wallets[1]!, t.wallets[2]!, t.wallets[3]!, t.wallets[4]!, t.wallets[5]!];
    const all = [...indexers.values()];
    const consistent = async (timeoutMs?: number) => {
      for (const indexer of all) expect((await waitForConsistency(t, indexer, timeoutMs)).mismatches).toEqual([]);
    };
    await p.stake(v1, parseEther("2000"));
    await p.advance(3_601);
    const d = await p.createDatanet(owner, { limits: { reward: parseEther("1") } });
    await p.fund(owner, d, parseEther("100"));
    await p.submit(dave, d, fileRef("shared-1"));
    await consistent();
    const inD = `{ contributions(where: { datanetId: ${d} }) { totalCount } }`;

    const snapshot = await p.snapshot();
    const forkA = [fileRef("fork-a-1"), fileRef("fork-a-2")];
    await p.submitBatch(bob, d, forkA);
    await p.commit(v1, d, [fileRef("shared-1").digest, ...forkA.map((f) => f.digest)], 0b111n, `0x${"aa".repeat(32)}`);
    await p.fund(bob, d, parseEther("5"));
    const headA = await p.blockNumber();
    await consistent();
    for (const indexer of all) expect((await query<{ contributions: { totalCount: number } }>(indexer, inD)).contributions.totalCount).toBe(3);

    await p.revert(snapshot);
    const forkB = [fileRef("fork-b-1"), fileRef("fork-b-2"), fileRef("fork-b-3")];
    await p.submitBatch(carol, d, forkB);
    await p.submit(dave, d, fileRef("fork-b-dave"));
    await p.commit(v1, d, [fileRef("shared-1").digest, ...forkB.map((f) => f.digest)], 0b0101n, `0x${"bb".repeat(32)}`);
    // The new fork must outgrow the old one for the indexers to switch to it.
    while ((await p.blockNumber()) <= headA + 2n) await p.mine(1);
    await consistent(60_000);

    const expected = [fileRef("shared-1"), ...forkB, fileRef("fork-b-dave")].map((f) => contributionId(d, f.digest)).sort();
    for (const indexer of all) {
      const tables = await dumpTables(indexer);
      const ids = (tables.contribution as { id: string; datanetId: number }[]).filter((r) => r.datanetId === d).map((r) => r.id).sort();
      expect(ids).toEqual(expected);
      // Bob's only contributions were on the abandoned fork: he is gone; Alice (the setup's), Carol and Dave stay.
      expect((tables.contributor as { address: string }[]).map((r) => r.address).sort()).toEqual([alice, carol, dave].map((w) => w.account.address.toLowerCase()).sort());
      const viaGraphql = await query<{ poolEvents: { totalCount: number } }>(indexer, `{ poolEvents(where: { datanetId: ${d} }) { totalCount } }`);
      expect(viaGraphql.poolEvents.totalCount).toBe(1);
      expect((tables.poolEvent as { datanetId: number }[]).filter((r) => r.datanetId === d)).toHaveLength(1);
      expect(indexer.log()).toMatch(/reorg/i);
      expect((await checkConsistency(t, indexer)).mismatches).toEqual([]);
    }
  });
});
