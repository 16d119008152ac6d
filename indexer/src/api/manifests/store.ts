// The manifest worker's store in the indexer's database, beside Ponder's tables in the same schema.
//
// Its own tables, which Ponder neither creates nor writes: `manifest_check` (one row per model: the
// registration it checked, status, issues, attempts, next attempt, last error) and
// `manifest_check_leaf` (the manifest's leaves and each leaf's check). `publish` copies a recorded
// check into the indexed `model` row's manifest columns and `manifest_leaf`, which GraphQL and SQL
// clients read. It copies whatever differs, every pass, so a copy undone by a reorg or overwritten by
// a handler's update of the same row is made again; a check whose registration was reorged away is
// not copied (it names the registration's transaction) and the new registration is checked afresh.
import type { Hex } from "viem";
import type { KnownContribution } from "./check.ts";
import type { CheckRecord, ManifestStore, ModelToCheck } from "./worker.ts";

/** One statement with parameters, and a script of several without (run as one implicit transaction). */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  exec(script: string): Promise<unknown>;
}

export function sqlManifestStore(db: SqlClient, schema: string): ManifestStore {
  const t = (name: string) => `"${schema}"."${name}"`;
  return {
    async prepare() {
      await db.query(`CREATE TABLE IF NOT EXISTS ${t("manifest_check")} (
        model_id numeric(78, 0) PRIMARY KEY,
        registration_tx text NOT NULL,
        manifest_cid text NOT NULL,
        status text NOT NULL,
        issues jsonb NOT NULL,
        leaf_count integer,
        attempts integer NOT NULL,
        payment_count integer NOT NULL,
        next_attempt_at bigint,
        last_error text,
        checked_at bigint NOT NULL
      )`);
      await db.query(`CREATE TABLE IF NOT EXISTS ${t("manifest_check_leaf")} (
        model_id numeric(78, 0) NOT NULL,
        contribution_id text NOT NULL,
        contributor text NOT NULL,
        weight numeric(78, 0) NOT NULL,
        "check" text NOT NULL,
        PRIMARY KEY (model_id, contribution_id)
      )`);
    },

    async due(nowMs, limit, uncheckedToo) {
      const { rows } = await db.query(
        `SELECT m.id::text AS model_id, m.transaction_hash, m.manifest_cid, m.dataset_root, m.total_weight::text AS total_weight,
                m.datanet_ids, m.payment_count, COALESCE(c.attempts, 0) AS attempts
           FROM ${t("model")} m
           LEFT JOIN ${t("manifest_check")} c ON c.model_id = m.id AND c.registration_tx = m.transaction_hash
          WHERE c.model_id IS NULL
             OR (c.status = 'Unavailable' AND (c.next_attempt_at <= $1::bigint OR c.payment_count <> m.payment_count))
             OR ($3::boolean AND c.status = 'Unchecked')
          ORDER BY m.id
          LIMIT $2::integer`,
        [String(nowMs), limit, uncheckedToo],
      );
      return rows.map((r) => ({
        modelId: BigInt(r.model_id as string),
        registration: r.transaction_hash as Hex,
        manifestCid: r.manifest_cid as string,
        datasetRoot: r.dataset_root as Hex,
        totalWeight: BigInt(r.total_weight as string),
        datanetIds: (r.datanet_ids as number[]).map(Number),
        paymentCount: Number(r.payment_count),
        attempts: Number(r.attempts),
      }));
    },

    async contribution(id) {
      const { rows } = await db.query(`SELECT status::text AS status, contributor, datanet_id, size FROM ${t("contribution")} WHERE id = $1`, [id]);
      const row = rows[0];
      return row ? ({ status: row.status as string, contributor: row.contributor as Hex, datanetId: Number(row.datanet_id), size: Number(row.size) } satisfies KnownContribution) : undefined;
    },

    async record(model: ModelToCheck, record: CheckRecord) {
      const modelId = model.modelId.toString();
      // Leaves first: the check row is what marks the work done, so a crash in between redoes both.
      await db.query(`DELETE FROM ${t("manifest_check_leaf")} WHERE model_id = $1::numeric`, [modelId]);
      const leaves = record.leaves.map((l) => ({ contribution_id: l.contributionId, contributor: l.contributor, weight: l.weight.toString(), check: l.check }));
      await db.query(
        `INSERT INTO ${t("manifest_check_leaf")} (model_id, contribution_id, contributor, weight, "check")
         SELECT $1::numeric, x.contribution_id, x.contributor, x.weight::numeric, x."check"
           FROM jsonb_to_recordset($2::jsonb) AS x(contribution_id text, contributor text, weight text, "check" text)
         ON CONFLICT DO NOTHING`,
        [modelId, JSON.stringify(leaves)],
      );
      const leafCount = record.status === "Valid" || record.status === "Flagged" ? record.leaves.length : null;
      await db.query(
        `INSERT INTO ${t("manifest_check")}
           (model_id, registration_tx, manifest_cid, status, issues, leaf_count, attempts, payment_count, next_attempt_at, last_error, checked_at)
         VALUES ($1::numeric, $2, $3, $4, $5::jsonb, $6::integer, $7::integer, $8::integer, $9::bigint, $10, $11::bigint)
         ON CONFLICT (model_id) DO UPDATE SET
           registration_tx = excluded.registration_tx, manifest_cid = excluded.manifest_cid, status = excluded.status,
           issues = excluded.issues, leaf_count = excluded.leaf_count, attempts = excluded.attempts,
           payment_count = excluded.payment_count, next_attempt_at = excluded.next_attempt_at,
           last_error = excluded.last_error, checked_at = excluded.checked_at`,
        [
          modelId,
          model.registration,
          model.manifestCid,
          record.status,
          JSON.stringify(record.issues),
          leafCount,
          record.attempts,
          model.paymentCount,
          record.nextAttemptAt === null ? null : String(record.nextAttemptAt),
          record.lastError,
          String(record.checkedAt),
        ],
      );
    },

    async publish() {
      // Only checks not yet copied (the model row shows another check): cheap once all are.
      const unpublished = `SELECT c.* FROM ${t("manifest_check")} c
        JOIN ${t("model")} m ON m.id = c.model_id AND m.transaction_hash = c.registration_tx
        WHERE m.manifest_checked_at IS DISTINCT FROM c.checked_at OR m.manifest_status::text <> c.status`;
      const { rows } = await db.query(`SELECT count(*)::integer AS n FROM (${unpublished}) u`);
      const copy = Number(rows[0]?.n ?? 0) > 0;
      // Ponder's live-query triggers on its tables record each changed table in a temporary table that
      // Ponder creates in its own transactions; this one provides it for the statements that follow.
      // A claim indexed while its leaf was being copied is seen by neither side (the handler found no
      // leaf, the copy no claim yet): every pass sets a leaf's \`claimed\` to its claims' sum where the
      // two differ, so such a claim shows by the next pass.
      await db.exec(`
        CREATE TEMP TABLE IF NOT EXISTS live_query_tables (table_name TEXT PRIMARY KEY) ON COMMIT DROP;
        ${
          copy
            ? `INSERT INTO ${t("manifest_leaf")} (model_id, contribution_id, contributor, weight, "check", claimed)
        SELECT l.model_id, l.contribution_id, l.contributor, l.weight, l."check",
               COALESCE((SELECT sum(cl.amount) FROM ${t("claim")} cl
                          WHERE cl.kind = 'attribution' AND cl.model_id = l.model_id AND cl.contribution_id = l.contribution_id), 0)
          FROM ${t("manifest_check_leaf")} l JOIN (${unpublished}) c ON c.model_id = l.model_id
        ON CONFLICT (model_id, contribution_id) DO UPDATE SET "check" = excluded."check";
        UPDATE ${t("model")} m SET
          manifest_status = c.status::${t("manifest_status")},
          manifest_issues = ARRAY(SELECT jsonb_array_elements_text(c.issues)),
          manifest_leaf_count = c.leaf_count,
          manifest_checked_at = c.checked_at
        FROM (${unpublished}) c
        WHERE m.id = c.model_id;`
            : ""
        }
        UPDATE ${t("manifest_leaf")} l SET claimed = s.total
          FROM (SELECT model_id, contribution_id, sum(amount) AS total FROM ${t("claim")}
                 WHERE kind = 'attribution' GROUP BY model_id, contribution_id) s
         WHERE l.model_id = s.model_id AND l.contribution_id = s.contribution_id AND l.claimed <> s.total;`);
      return copy;
    },
  };
}
