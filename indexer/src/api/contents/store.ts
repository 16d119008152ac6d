// The content worker's store: its own table `content_check` (one row per contribution: what IPFS
// holds under its CID), beside Ponder's tables in the same schema, and `publish`, which copies each
// check into the contribution row's `storedSize` and `sizeCheck` for GraphQL and SQL clients. Like
// the manifest worker's, it copies whatever differs on every pass, so a copy undone by a reorg or by
// a handler's update of the row (a resubmission declares a size again) is made again.
import type { Hex } from "viem";
import type { SqlClient } from "../manifests/store.ts";
import type { ContentResult } from "./check.ts";

export interface ContentToCheck {
  contributionId: Hex;
  digest: Hex;
  codec: number;
  /** Timed attempts so far (0 before the first). */
  attempts: number;
}

export interface ContentRecord extends ContentResult {
  attempts: number;
  /** When an unavailable root is tried next (ms since the epoch); null when no retry is timed. */
  nextAttemptAt: number | null;
  checkedAt: number;
}

export interface ContentStore {
  prepare(): Promise<void>;
  /**
   * The next contributions past the store's cursor (in submission order) that have no check, and the
   * unavailable ones due again; `scanned` counts the rows the cursor moved over (a full batch means
   * more may follow at once).
   */
  due(nowMs: number, limit: number): Promise<{ items: ContentToCheck[]; scanned: number }>;
  record(item: ContentToCheck, record: ContentRecord): Promise<void>;
  /** Copies checks into the contribution rows the last `due` and `record` touched, and every row now and then (idempotent); true when it changed rows. */
  publish(): Promise<boolean>;
}

/** Every this many passes (10 minutes at the default poll), the cursor starts again and the copy compares every row (it repairs what a reorg undid). */
export const FULL_SWEEP_EVERY = 2_400;

export function sqlContentStore(db: SqlClient, schema: string): ContentStore {
  const t = (name: string) => `"${schema}"."${name}"`;
  // What a contribution row should show, from its declared size and the check.
  const verdict = `CASE WHEN k.status = 'Unavailable' THEN 'Unavailable'
                        WHEN k.status = 'Sized' AND k.stored_size = c.size THEN 'Match'
                        ELSE 'Mismatch' END`;
  const differs = `(c.size_check::text IS DISTINCT FROM (${verdict}) OR c.stored_size IS DISTINCT FROM k.stored_size::integer)`;
  // In memory: a restart begins again from the first contribution (rows already checked are skipped).
  let cursor: { block: string; id: string } = { block: "-1", id: "" };
  let passes = 0;
  let sweep = true;
  let touched = new Set<string>();
  return {
    async prepare() {
      await db.query(`CREATE TABLE IF NOT EXISTS ${t("content_check")} (
        contribution_id text PRIMARY KEY,
        status text NOT NULL,
        stored_size bigint,
        issue text,
        attempts integer NOT NULL,
        next_attempt_at bigint,
        checked_at bigint NOT NULL
      )`);
      await db.query(`CREATE INDEX IF NOT EXISTS content_check_retry ON ${t("content_check")} (status, next_attempt_at)`);
    },

    async due(nowMs, limit) {
      if (passes++ % FULL_SWEEP_EVERY === 0) {
        cursor = { block: "-1", id: "" };
        sweep = true;
      }
      const { rows: retries } = await db.query(
        `SELECT c.id, c.digest, c.codec, k.attempts FROM ${t("content_check")} k JOIN ${t("contribution")} c ON c.id = k.contribution_id
          WHERE k.status = 'Unavailable' AND k.next_attempt_at <= $1::bigint ORDER BY k.next_attempt_at LIMIT $2::integer`,
        [String(nowMs), limit],
      );
      const { rows: next } = await db.query(
        `SELECT c.id, c.digest, c.codec, c.submitted_block::text AS submitted_block, k.contribution_id IS NOT NULL AS checked
           FROM ${t("contribution")} c LEFT JOIN ${t("content_check")} k ON k.contribution_id = c.id
          WHERE (c.submitted_block, c.id) > ($1::numeric, $2)
          ORDER BY c.submitted_block, c.id
          LIMIT $3::integer`,
        [cursor.block, cursor.id, limit],
      );
      const last = next.at(-1);
      if (last) cursor = { block: last.submitted_block as string, id: last.id as string };
      // A row seen again after a resubmission already has its check: only its copy is due.
      for (const r of next) touched.add(r.id as string);
      const item = (r: Record<string, unknown>) => ({ contributionId: r.id as Hex, digest: r.digest as Hex, codec: Number(r.codec), attempts: Number(r.attempts ?? 0) });
      return { items: [...retries.map(item), ...next.filter((r) => !r.checked).map(item)], scanned: next.length + retries.length };
    },

    async record(item, record) {
      touched.add(item.contributionId);
      await db.query(
        `INSERT INTO ${t("content_check")} (contribution_id, status, stored_size, issue, attempts, next_attempt_at, checked_at)
         VALUES ($1, $2, $3::bigint, $4, $5::integer, $6::bigint, $7::bigint)
         ON CONFLICT (contribution_id) DO UPDATE SET status = excluded.status, stored_size = excluded.stored_size,
           issue = excluded.issue, attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at, checked_at = excluded.checked_at`,
        [item.contributionId, record.status, record.storedSize === null ? null : String(record.storedSize), record.issue, record.attempts,
          record.nextAttemptAt === null ? null : String(record.nextAttemptAt), String(record.checkedAt)],
      );
    },

    async publish() {
      const ids = [...touched];
      touched = new Set();
      const full = sweep;
      sweep = false;
      if (!full && ids.length === 0) return false;
      const only = full ? "" : "AND c.id = ANY($1::text[])";
      const params = full ? [] : [ids];
      const { rows } = await db.query(`SELECT count(*)::integer AS n FROM ${t("contribution")} c JOIN ${t("content_check")} k ON c.id = k.contribution_id WHERE ${differs} ${only}`, params);
      if (Number(rows[0]?.n ?? 0) === 0) return false;
      // Ponder's live-query triggers need this temporary table in the transaction (as in the manifest
      // store). The script takes no parameters: the ids are written into it as string literals.
      const list = full ? "" : `AND c.id IN (${ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(", ")})`;
      await db.exec(`
        CREATE TEMP TABLE IF NOT EXISTS live_query_tables (table_name TEXT PRIMARY KEY) ON COMMIT DROP;
        UPDATE ${t("contribution")} c SET stored_size = k.stored_size::integer, size_check = (${verdict})::${t("size_check")}
          FROM ${t("content_check")} k WHERE c.id = k.contribution_id AND ${differs} ${list};`);
      return true;
    },
  };
}
