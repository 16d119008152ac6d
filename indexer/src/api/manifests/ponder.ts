// The indexer's database as the Ponder process holds it, for the manifest worker's writes. The API's
// `db` from "ponder:api" is read-only, so the worker uses Ponder's own connection: PGlite's single
// instance (its queries wait for Ponder's transactions) or Ponder's indexing pool on PostgreSQL. These
// are the globals "ponder:api" itself reads (Ponder 0.16.10, pinned in package.json).
import type { SqlClient } from "./store.ts";

type Queryable = Pick<SqlClient, "query">;

/** The parts of Ponder's read-only pg pool (the API's connections) that statementTimeout uses. */
interface ReadonlyPool {
  options: { statement_timeout?: number };
  on(event: "acquire", listener: (client: Queryable) => void): void;
}

interface PonderGlobals {
  PONDER_DATABASE?: {
    driver: { dialect: "pglite"; instance: SqlClient } | { dialect: "postgres"; user: Queryable; readonly: ReadonlyPool };
  };
  PONDER_NAMESPACE_BUILD?: { schema: string };
}

/** The connection and the database schema Ponder indexes into (`--schema`). */
export function ponderDatabase(): { db: SqlClient; schema: string } {
  const globals = globalThis as PonderGlobals;
  const database = globals.PONDER_DATABASE;
  const schema = globals.PONDER_NAMESPACE_BUILD?.schema;
  if (!database || !schema) throw new Error("the manifest worker runs inside `ponder start` (no Ponder database here)");
  const driver = database.driver;
  if (driver.dialect === "pglite") return { db: driver.instance, schema };
  // A pg pool runs a query without parameters as a simple query: several statements, one transaction.
  const pool = driver.user;
  return { db: { query: (text, params) => pool.query(text, params), exec: (script) => pool.query(script) }, schema };
}

/**
 * Sets the statement timeout of Ponder's read-only connections (those of `db` from "ponder:api":
 * GraphQL and the API's own reads) on PostgreSQL, where Ponder's own is 30 s: new connections get it
 * at connect, and connections already open before their next use. PGlite has no timeout to set: it
 * runs each statement to its end on the indexer's thread. Returns whether it was set.
 */
export function limitReadonlyStatements(timeoutMs: number): boolean {
  const driver = (globalThis as PonderGlobals).PONDER_DATABASE?.driver;
  if (driver?.dialect !== "postgres") return false;
  const pool = driver.readonly;
  pool.options.statement_timeout = timeoutMs;
  const limited = new WeakSet<object>();
  pool.on("acquire", (client) => {
    if (limited.has(client)) return;
    limited.add(client);
    // Queued on the connection ahead of the statement the pool was asked for.
    void client.query(`SET statement_timeout = ${Math.floor(timeoutMs)}`).catch(() => {});
  });
  return true;
}
