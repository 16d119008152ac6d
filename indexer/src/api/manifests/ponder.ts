// The indexer's database as the Ponder process holds it, for the manifest worker's writes. The API's
// `db` from "ponder:api" is read-only, so the worker uses Ponder's own connection: PGlite's single
// instance (its queries wait for Ponder's transactions) or Ponder's indexing pool on PostgreSQL. These
// are the globals "ponder:api" itself reads (Ponder 0.16.10, pinned in package.json).
import type { SqlClient } from "./store.ts";

type Queryable = Pick<SqlClient, "query">;

interface PonderGlobals {
  PONDER_DATABASE?: {
    driver: { dialect: "pglite"; instance: SqlClient } | { dialect: "postgres"; user: Queryable };
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
