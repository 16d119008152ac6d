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
  /** Contributions without a check, and unavailable ones due again, oldest first. */
  due(nowMs: number, limit: number): Promise<ContentToCheck[]>;
  record(item: ContentToCheck, record: ContentRecord): Promise<void>;
  /** Copies checks into the contribution rows (idempotent); true when it changed rows. */
  publish(): Promise<boolean>;
}

export function sqlContentStore(db: SqlClient, schema: string): ContentStore {
  const t = (name: string) => `"${schema}"."${name}"`;
  // What a contribution row should show, from its declared size and the check.
  const verdict = `CASE WHEN k.status = 'Unavailable' THEN 'Unavailable'
                        WHEN k.status = 'Sized' AND k.stored_size = c.size THEN 'Match'
                        ELSE 'Mismatch' END`;
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
    },

    async due(nowMs, limit) {
      const { rows } = await db.query(
        `SELECT c.id, c.digest, c.codec, COALESCE(k.attempts, 0) AS attempts
           FROM ${t("contribution")} c
           LEFT JOIN ${t("content_check")} k ON k.contribution_id = c.id
          WHERE k.contribution_id IS NULL OR (k.status = 'Unavailable' AND k.next_attempt_at <= $1::bigint)
          ORDER BY c.submitted_block, c.id
          LIMIT $2::integer`,
        [String(nowMs), limit],
      );
      return rows.map((r) => ({ contributionId: r.id as Hex, digest: r.digest as Hex, codec: Number(r.codec), attempts: Number(r.attempts) }));
    },

    async record(item, record) {
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
      const differs = `(c.size_check::text IS DISTINCT FROM (${verdict}) OR c.stored_size IS DISTINCT FROM k.stored_size::integer)`;
      const { rows } = await db.query(`SELECT count(*)::integer AS n FROM ${t("contribution")} c JOIN ${t("content_check")} k ON c.id = k.contribution_id WHERE ${differs}`);
      if (Number(rows[0]?.n ?? 0) === 0) return false;
      // Ponder's live-query triggers need this temporary table in the transaction (as in the manifest store).
      await db.exec(`
        CREATE TEMP TABLE IF NOT EXISTS live_query_tables (table_name TEXT PRIMARY KEY) ON COMMIT DROP;
        UPDATE ${t("contribution")} c SET stored_size = k.stored_size::integer, size_check = (${verdict})::${t("size_check")}
          FROM ${t("content_check")} k WHERE c.id = k.contribution_id AND ${differs};`);
      return true;
    },
  };
}
