// SQL over HTTP for @ponder/client (`GET /sql/db?sql=<superjson {sql, params, typings}>`, answered
// with the query's result as JSON), served here instead of by Ponder's `client()` middleware, which
// on PGlite runs the statement outside any transaction and trusts a cached allow-list verdict keyed
// by 40 bits of the statement's hash (see the README's "SQL over HTTP"). Every statement here:
//
// 1. passes Ponder's own allow-list (a single SELECT over tables, allowed functions only), checked on
//    the statement followed by a comment holding a keyed MAC of it, so that the verdict cache's key
//    cannot be predicted and no write can borrow a SELECT's verdict;
// 2. names no internal table (`_ponder_*`, `_reorg__*`, the manifest and content workers' own tables);
// 3. runs in a READ ONLY transaction, as a role that may only SELECT the indexed tables, with a
//    statement timeout, after its planner cost (EXPLAIN, nothing executed) is checked against a limit.
//
// Live queries (`/sql/live`) are not served: @ponder/client users poll `/sql/db`.
import { createHmac, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Context } from "hono";
import { sql } from "ponder";
import superjson from "superjson";

export interface SqlLimits {
  timeoutMs: number;
  maxCost: number;
  maxLength: number;
}

interface Query {
  sql: string;
  params: unknown[];
  typings?: unknown[];
}

interface SqlParse {
  validateAllowableSQLQuery(sql: string): Promise<void>;
  getSQLQueryRelations(sql: string): Promise<Set<string>>;
}

/** A drizzle database as "ponder:api" gives it: transactions and raw statements. */
interface Database {
  transaction<T>(run: (tx: Transaction) => Promise<T>, config: { accessMode: "read only" }): Promise<T>;
}
/** Ponder's writing connection (the manifest worker's), for creating the reader role. */
export interface Writer {
  query(text: string): Promise<unknown>;
}
interface Transaction {
  execute(statement: ReturnType<typeof sql.raw>): Promise<unknown>;
  _: { session: { prepareQuery(query: Query, fields: undefined, name: undefined, arrayMode: false): { execute(): Promise<unknown> } } };
}

/** Tables the SQL endpoint never reads: Ponder's bookkeeping and the manifest worker's retry state. */
export const INTERNAL_TABLES = /^(_ponder_|_reorg__|manifest_check|content_check)/;

class Refused extends Error {
  readonly status: 400 | 503 | 504;
  constructor(message: string, status: 400 | 503 | 504 = 400) {
    super(message);
    this.status = status;
  }
}

/** The database name of a table of Ponder's schema (drizzle's own marks); none for enums, relations, views. */
function tableName(value: unknown): string[] {
  if (typeof value !== "object" || value === null || !(Symbol.for("drizzle:IsDrizzleTable") in value)) return [];
  return [(value as Record<symbol, string>)[Symbol.for("drizzle:Name")]!];
}

/** Ponder's SQL parser and allow-list (not exported by "ponder"; pinned at 0.16.10 in package.json). */
async function loadPonderSqlParse(): Promise<SqlParse> {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths("ponder") ?? []) {
    const file = path.join(dir, "ponder", "dist", "esm", "utils", "sql-parse.js");
    if (existsSync(file)) return (await import(pathToFileURL(file).href)) as SqlParse;
  }
  throw new Error("ponder's dist/esm/utils/sql-parse.js not found");
}

/**
 * The `/sql/*` handler: statements run on Ponder's read-only database `db`, over the tables of
 * `schema` in the database schema `databaseSchema`; `writer` creates the reader role.
 */
export function sqlOverHttp(db: unknown, writer: Writer, schema: Record<string, unknown>, databaseSchema: string, limits: SqlLimits) {
  const database = db as Database;
  const tables = Object.values(schema).flatMap(tableName);
  const reader = `${databaseSchema}_reader`.slice(0, 63);
  const macKey = randomBytes(32);
  const parser = loadPonderSqlParse();
  let readerReady: Promise<void> | undefined;

  const ensureReader = () => {
    readerReady ??= createReaderRole(writer, reader, databaseSchema, tables).catch((error: unknown) => {
      readerReady = undefined;
      throw new Refused(`the SQL endpoint is not ready: ${messageOf(error)}`, 503);
    });
    return readerReady;
  };

  async function check(query: Query) {
    if (query.sql.length > limits.maxLength) throw new Refused(`statement over ${limits.maxLength} characters`);
    const { validateAllowableSQLQuery, getSQLQueryRelations } = await parser;
    const keyed = `${query.sql}\n/* ${createHmac("sha256", macKey).update(query.sql).digest("hex")} */`;
    try {
      await validateAllowableSQLQuery(keyed);
      for (const relation of await getSQLQueryRelations(keyed)) {
        if (INTERNAL_TABLES.test(relation)) throw new Error(`table ${relation} is internal to the indexer`);
      }
    } catch (error) {
      throw new Refused(messageOf(error));
    }
  }

  async function run(query: Query): Promise<unknown> {
    await ensureReader();
    // Drizzle's own transaction: Ponder's query builder replaces `transaction` on its instance with
    // one that retries a failed callback up to nine times, which would repeat a cancelled statement.
    const transaction = (Object.getPrototypeOf(database) as Database).transaction;
    return transaction.call(database, 
      async (tx) => {
        await tx.execute(sql.raw(`SET LOCAL ROLE ${quoteIdentifier(reader)}`));
        await tx.execute(sql.raw(`SET LOCAL statement_timeout = ${Math.max(1, Math.floor(limits.timeoutMs))}`));
        // PGlite turns sequential scans off by default, which adds 10^10 to every plan that has one:
        // the planner's own defaults, so that its estimate is a cost and not a penalty.
        await tx.execute(sql.raw(`SET LOCAL enable_seqscan = on`));
        const prepare = (q: Query) => tx._.session.prepareQuery(q, undefined, undefined, false).execute();
        const plan = await prepare({ ...query, sql: `EXPLAIN (FORMAT JSON) ${query.sql}` });
        const cost = plannedCost(plan);
        if (cost > limits.maxCost) {
          throw new Refused(`query cost ${Math.round(cost)} (PostgreSQL's planner estimate) is over the limit of ${limits.maxCost}; select fewer rows or join less`);
        }
        return prepare(query);
      },
      { accessMode: "read only" },
    );
  }

  return async (c: Context) => {
    if (c.req.path === "/sql/live") return c.text("live queries are not served here: poll /sql/db", 501);
    if (c.req.path !== "/sql/db") return c.text(`no route ${c.req.method} ${c.req.path}`, 404);
    try {
      const query = parseRequest(c.req.query("sql"));
      await check(query);
      return c.json((await run(query)) as object);
    } catch (error) {
      if (error instanceof Refused) return c.text(`refused SQL query: ${error.message}`, error.status);
      if (isStatementTimeout(error)) return c.text(`refused SQL query: cancelled after the statement timeout of ${limits.timeoutMs} ms`, 504);
      return c.text(`refused SQL query: ${messageOf(error)}`, 400);
    }
  };
}

function parseRequest(raw: string | undefined): Query {
  if (raw === undefined) throw new Refused(`missing "sql" query parameter`);
  let query: Partial<Query>;
  try {
    query = superjson.parse<Partial<Query>>(raw);
  } catch (error) {
    throw new Refused(`invalid SQL request: ${messageOf(error)}`);
  }
  if (typeof query?.sql !== "string") throw new Refused(`invalid SQL request: no "sql" string`);
  if (query.params !== undefined && !Array.isArray(query.params)) throw new Refused(`invalid SQL request: "params" is not an array`);
  if (query.typings !== undefined && !Array.isArray(query.typings)) throw new Refused(`invalid SQL request: "typings" is not an array`);
  return { sql: query.sql, params: query.params ?? [], ...(query.typings ? { typings: query.typings } : {}) };
}

/** A NOLOGIN role with USAGE on the schema and SELECT on the indexed tables only (idempotent). */
async function createReaderRole(writer: Writer, role: string, schema: string, tables: string[]) {
  const r = quoteIdentifier(role);
  const s = quoteIdentifier(schema);
  await writer.query(
    `DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(role)}) THEN CREATE ROLE ${r} NOLOGIN; END IF; END $$`,
  );
  // Ponder's connection switches to the role in each transaction: it must be a member.
  await writer.query(`GRANT ${r} TO CURRENT_USER`);
  await writer.query(`GRANT USAGE ON SCHEMA ${s} TO ${r}`);
  for (const t of tables) await writer.query(`GRANT SELECT ON ${s}.${quoteIdentifier(t)} TO ${r}`);
}

function plannedCost(result: unknown): number {
  const rows = Array.isArray(result) ? result : ((result as { rows?: unknown[] }).rows ?? []);
  const first = rows[0] as Record<string, unknown> | undefined;
  let plan = first?.["QUERY PLAN"];
  if (typeof plan === "string") plan = JSON.parse(plan);
  const cost = (plan as { Plan?: { "Total Cost"?: number } }[] | undefined)?.[0]?.Plan?.["Total Cost"];
  if (typeof cost !== "number") throw new Error("no plan for the query");
  return cost;
}

function isStatementTimeout(error: unknown): boolean {
  return (error as { code?: string }).code === "57014" || /statement timeout/.test(messageOf(error));
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String((error as { message: unknown }).message);
  return String(error);
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;
const quoteLiteral = (text: string) => `'${text.replaceAll("'", "''")}'`;
