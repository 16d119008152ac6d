// The HTTP API: Ponder's generated GraphQL at /graphql, SQL over HTTP for @ponder/client at
// /sql/* (./sql.ts), and three read endpoints that need the chain's clock (leaderboard ranks, a
// validator's work queue, a contributor's quota today). /health, /ready, /status and /metrics are
// Ponder's own. It also starts the manifest worker (./manifests/), which checks models' dataset
// manifests, and the content worker (./contents/), which checks declared sizes against IPFS.
//
// Limits (settings.ts `apiLimits`, from the environment): request bodies over 64 KiB are refused
// (413), a request running longer than API_TIMEOUT_MS is answered 504, each database statement of
// GraphQL and SQL is cancelled after API_STATEMENT_TIMEOUT_MS (PostgreSQL), a GraphQL operation whose
// cost (./graphql-cost.ts: rows, database queries and scans) is over API_GRAPHQL_MAX_COST is refused before it runs, as is a SQL
// statement whose planner cost is over API_SQL_MAX_COST; GraphQL operations are also capped in depth,
// aliases and tokens, and a page at 1000 rows. A refused query gets a 4xx with the reason.
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { timeout } from "hono/timeout";
import { and, asc, count, desc, eq, gt, graphql, sql } from "ponder";
import { getAddress, isAddress, type Hex } from "viem";
import { DAY } from "../names.ts";
import { loadSettings } from "../settings.ts";
import { costLimitsOf, MAX_PAGE, operationCost, overLimitMessage, QueryRefused, type CostLimits, type OperationCost } from "./graphql-cost.ts";
import type { LeaderboardRow, QueueItemRow, RevealItemRow } from "./records.ts";
import { describeSchema } from "./schema-shape.ts";
import { limitReadonlyStatements, ponderDatabase } from "./manifests/ponder.ts";
import { sqlManifestStore } from "./manifests/store.ts";
import { startManifestWorker } from "./manifests/worker.ts";
import { sqlContentStore } from "./contents/store.ts";
import { startContentWorker } from "./contents/worker.ts";
import { sqlOverHttp } from "./sql.ts";

const settings = loadSettings(process.env);

export const LIMITS = {
  ...settings.api,
  maxBodyBytes: 64 * 1024,
  maxOperationDepth: 12,
  maxOperationAliases: 20,
  maxOperationTokens: 2_000,
  maxPage: MAX_PAGE,
  maxSqlLength: 5_000,
};

const COST_LIMITS: CostLimits = costLimitsOf(LIMITS);
const SCHEMA_SHAPE = describeSchema(schema as Record<string, unknown>);

const app = new Hono();

const { db: writer, schema: databaseSchema } = ponderDatabase();
// Both workers fetch from IPFS with the same timeout, polling and backoff (MANIFEST_* settings).
const workerTiming = {
  timeoutMs: settings.ipfsTimeoutMs,
  pollMs: settings.manifests.pollMs,
  retry: { baseMs: settings.manifests.retryBaseMs, maxMs: settings.manifests.retryMaxMs, maxAttempts: settings.manifests.maxAttempts },
};
const warn = (worker: string) => (message: string, error?: unknown) => console.warn(`${worker}: ${message}: ${(error as Error | undefined)?.message ?? ""}`);
startManifestWorker(sqlManifestStore(writer, databaseSchema), { ipfsUrl: settings.ipfsUrl, ...workerTiming, log: warn("manifest worker") });
// Without an IPFS node there is nothing to compare with: contributions stay `Unchecked`.
if (settings.ipfsUrl) startContentWorker(sqlContentStore(writer, databaseSchema), { ipfsUrl: settings.ipfsUrl, ...workerTiming, log: warn("content worker") });

app.use(
  "*",
  bodyLimit({
    maxSize: LIMITS.maxBodyBytes,
    onError: (c) => c.json({ errors: [{ message: `request body over ${LIMITS.maxBodyBytes} bytes` }] }, 413),
  }),
);
limitReadonlyStatements(LIMITS.statementTimeoutMs);
app.use("*", timeout(LIMITS.timeoutMs, () => new HTTPException(504, { message: `request took longer than ${LIMITS.timeoutMs} ms` })));

const graphqlHandler = graphql(
  { db, schema },
  {
    maxOperationDepth: LIMITS.maxOperationDepth,
    maxOperationAliases: LIMITS.maxOperationAliases,
    maxOperationTokens: LIMITS.maxOperationTokens,
  },
);

/** The cost of a GraphQL request's operation (./graphql-cost.ts); throws QueryRefused. */
async function graphqlCost(request: Request): Promise<OperationCost> {
  let body: { query?: unknown; variables?: unknown; operationName?: unknown };
  try {
    body = (await request.clone().json()) as typeof body;
  } catch (error) {
    throw new QueryRefused(`POST GraphQL as JSON {"query": …, "variables": {…}}: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body) || typeof body.query !== "string") {
    throw new QueryRefused(`POST GraphQL as JSON {"query": …, "variables": {…}} (one operation per request)`);
  }
  const variables = typeof body.variables === "object" && body.variables !== null ? (body.variables as Record<string, unknown>) : {};
  const operationName = typeof body.operationName === "string" ? body.operationName : undefined;
  return operationCost(body.query, variables, operationName, COST_LIMITS, SCHEMA_SHAPE);
}

// The operation's cost is checked before it runs. Ponder answers every GraphQL error with 200; a
// query that was refused or failed without data is a client error, so it is answered 400 with
// GraphQL's own error messages (504 when the database cancelled it at the statement timeout).
app.post("/graphql", async (c, next) => {
  let cost: OperationCost;
  try {
    cost = await graphqlCost(c.req.raw);
  } catch (error) {
    if (error instanceof QueryRefused) return c.json({ errors: [{ message: error.message }] }, 400);
    throw error;
  }
  if (cost.cost > COST_LIMITS.maxCost) return c.json({ errors: [{ message: overLimitMessage(cost, COST_LIMITS) }] }, 400);
  const response = (await graphqlHandler(c, next)) as Response | undefined;
  const res = response ?? c.res;
  const text = await res.text();
  let body: { data?: unknown; errors?: { message: string }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return c.json({ errors: [{ message: `unexpected GraphQL response: ${text.slice(0, 200)}` }] }, 500);
  }
  const failed = body.errors !== undefined && body.errors.length > 0 && (body.data === undefined || body.data === null);
  const cancelled = failed && body.errors!.some((e) => /statement timeout/.test(e.message));
  return c.body(text, cancelled ? 504 : failed ? 400 : 200, { "content-type": "application/json; charset=utf-8" });
});
app.get("/graphql", (c) => c.json({ errors: [{ message: "POST GraphQL queries as JSON: {\"query\": \"…\", \"variables\": {…}}" }] }, 405));

app.all(
  "/sql/*",
  sqlOverHttp(db, writer, schema, databaseSchema, {
    timeoutMs: LIMITS.statementTimeoutMs,
    maxCost: LIMITS.sqlMaxCost,
    maxLength: LIMITS.maxSqlLength,
  }),
);

// ─── Helpers ─────────────────────────────────────────────────────────────

class BadRequest extends Error {}

function intParam(c: Context, name: string, fallback: number, max: number): number {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > max) throw new BadRequest(`${name} must be an integer from 0 to ${max}, not ${raw}`);
  return value;
}

function addressParam(raw: string): Hex {
  if (!isAddress(raw, { strict: false })) throw new BadRequest(`${raw} is not an address`);
  return getAddress(raw).toLowerCase() as Hex;
}

/** The chain's clock: the latest block's timestamp (a dev chain's time can run ahead of the wall clock). */
async function chainNow(c: Context): Promise<bigint> {
  const at = c.req.query("at");
  if (at !== undefined) {
    if (!/^[0-9]{1,12}$/.test(at)) throw new BadRequest(`at must be a unix time in seconds, not ${at}`);
    return BigInt(at);
  }
  const block = await publicClients.openledger.getBlock({ blockTag: "latest" });
  return block.timestamp;
}

app.onError((error, c) => {
  if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
  if (error instanceof HTTPException) return c.json({ error: error.message }, error.status);
  return c.json({ error: `internal error: ${(error as Error).message}` }, 500);
});

const json = (value: unknown) =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === "bigint" ? v.toString() : v));

// ─── Leaderboard ─────────────────────────────────────────────────────────

/**
 * GET /leaderboard?datanetId=&limit=&offset= — contributors ranked by accepted work (count, then
 * bytes), with the acceptance rate beside the rank. Ties share a rank. Global without datanetId.
 */
app.get("/leaderboard", async (c) => {
  const limit = intParam(c, "limit", 50, LIMITS.maxPage);
  const offset = intParam(c, "offset", 0, 1_000_000);
  const datanetId = c.req.query("datanetId");
  let rows: { address: Hex; accepted: number; rejected: number; expired: number; pending: number; acceptedBytes: bigint; acceptanceRateBps: number | null; earned: bigint; score: bigint }[];
  let higher: (score: bigint) => Promise<number>;
  if (datanetId === undefined) {
    const t = schema.contributor;
    rows = await db.select().from(t).where(gt(t.score, 0n)).orderBy(desc(t.score), asc(t.address)).limit(limit).offset(offset);
    higher = async (score) => (await db.select({ n: count() }).from(t).where(gt(t.score, score)))[0]!.n;
  } else {
    const id = intParam(c, "datanetId", 0, 2 ** 32 - 1);
    const t = schema.datanetContributor;
    rows = await db
      .select()
      .from(t)
      .where(and(eq(t.datanetId, id), gt(t.score, 0n)))
      .orderBy(desc(t.score), asc(t.address))
      .limit(limit)
      .offset(offset);
    higher = async (score) => (await db.select({ n: count() }).from(t).where(and(eq(t.datanetId, id), gt(t.score, score))))[0]!.n;
  }
  const ranked: LeaderboardRow[] = [];
  let rank = 0;
  let previous: bigint | undefined;
  for (const [i, row] of rows.entries()) {
    if (row.score !== previous) rank = i === 0 ? 1 + Number(await higher(row.score)) : offset + i + 1;
    previous = row.score;
    ranked.push({
      rank,
      address: row.address,
      accepted: row.accepted,
      acceptedBytes: row.acceptedBytes,
      rejected: row.rejected,
      expired: row.expired,
      pending: row.pending,
      acceptanceRateBps: row.acceptanceRateBps,
      earned: row.earned,
    });
  }
  return c.body(json({ datanetId: datanetId === undefined ? null : Number(datanetId), items: ranked }), 200, { "content-type": "application/json" });
});

// ─── A validator's work queue ────────────────────────────────────────────

/**
 * GET /validators/:address/queue?datanetId=&limit=&at= — contributions in their commit window that
 * this validator has not committed to (after its last committed sequence in each Datanet, since
 * commits go in increasing order), and its commitments still to reveal with their reveal windows.
 */
app.get("/validators/:address/queue", async (c) => {
  const who = addressParam(c.req.param("address"));
  const limit = intParam(c, "limit", 256, LIMITS.maxPage);
  const now = await chainNow(c);
  const only = c.req.query("datanetId");
  const onlyId = only === undefined ? undefined : intParam(c, "datanetId", 0, 2 ** 32 - 1);
  const C = schema.contribution;
  const V = schema.validatorDatanet;
  const last = new Map<number, number>();
  for (const row of await db.select().from(V).where(eq(V.validator, who))) last.set(row.datanetId, row.lastCommittedSequence);

  const open = await db
    .select()
    .from(C)
    .where(and(eq(C.status, "Pending"), gt(C.commitEndsAt, now), onlyId === undefined ? undefined : eq(C.datanetId, onlyId)))
    .orderBy(asc(C.datanetId), asc(C.sequence))
    .limit(LIMITS.maxPage);
  const toCommit = open
    .filter((row) => row.submittedAt <= now && row.sequence > (last.get(row.datanetId) ?? 0))
    .slice(0, limit)
    .map((row): QueueItemRow => ({
      contributionId: row.id,
      datanetId: row.datanetId,
      sequence: row.sequence,
      cid: row.cid,
      digest: row.digest,
      format: row.formatName,
      size: row.size,
      contributor: row.contributor,
      commitEndsAt: row.commitEndsAt,
      storedSize: row.storedSize,
      sizeCheck: row.sizeCheck,
    }));

  const M = schema.commitment;
  const unrevealed = await db
    .select()
    .from(M)
    .where(and(eq(M.validator, who), eq(M.state, "Committed"), onlyId === undefined ? undefined : eq(M.datanetId, onlyId)))
    .orderBy(asc(M.revealClosesAt))
    .limit(LIMITS.maxPage);
  const toReveal = unrevealed.map((row): RevealItemRow => ({
    commitment: row.id,
    datanetId: row.datanetId,
    contributionIds: row.contributionIds,
    revealOpensAt: row.revealOpensAt,
    revealClosesAt: row.revealClosesAt,
    window: now < row.revealOpensAt ? "waiting" : now < row.revealClosesAt ? "open" : "missed",
  }));
  return c.body(json({ validator: who, at: now, toCommit, toReveal }), 200, { "content-type": "application/json" });
});

// ─── A contributor's quota today ─────────────────────────────────────────

/** GET /contributors/:address/quota?datanetId=&at= — usage today (UTC) and what is left, as `quotaOf` computes it. */
app.get("/contributors/:address/quota", async (c) => {
  const who = addressParam(c.req.param("address"));
  const datanetId = intParam(c, "datanetId", 0, 2 ** 32 - 1);
  const now = await chainNow(c);
  const day = Number(now / DAY);
  const d = (await db.select().from(schema.datanet).where(eq(schema.datanet.id, datanetId)))[0];
  if (!d) throw new BadRequest(`no Datanet ${datanetId}`);
  const p = (await db.select().from(schema.protocol))[0]!;
  const U = schema.dailyUsage;
  const usage = async (id: number) => (await db.select().from(U).where(eq(U.id, `${who}-${id}-${day}`)))[0];
  const protocolUsage = await usage(0);
  const datanetUsage = await usage(datanetId);
  const protocolBytesUsed = protocolUsage?.bytesUsed ?? 0n;
  const protocolFilesUsed = protocolUsage?.filesUsed ?? 0;
  const datanetBytesUsed = datanetUsage?.bytesUsed ?? 0n;
  const datanetFilesUsed = datanetUsage?.filesUsed ?? 0;
  const sub0 = (a: bigint, b: bigint) => (a > b ? a - b : 0n);
  const min = (a: bigint, b: bigint) => (a < b ? a : b);
  return c.body(
    json({
      account: who,
      datanetId,
      day,
      protocolBytesUsed,
      protocolFilesUsed,
      datanetBytesUsed,
      datanetFilesUsed,
      bytesLeft: min(sub0(BigInt(p.dailyBytes), protocolBytesUsed), sub0(BigInt(d.dailyBytes), datanetBytesUsed)),
      filesLeft: min(sub0(BigInt(p.dailyFiles), BigInt(protocolFilesUsed)), sub0(BigInt(d.dailyFiles), BigInt(datanetFilesUsed))),
      resetsAt: (BigInt(day) + 1n) * DAY,
    }),
    200,
    { "content-type": "application/json" },
  );
});

// ─── A model's manifest check ────────────────────────────────────────────

/**
 * GET /models/:id/manifest — the manifest worker's record for a model: status and issues (as on the
 * model), the attempts so far, when the next is due (ms since the epoch, null when none is timed) and
 * the last fetch error.
 */
app.get("/models/:id/manifest", async (c) => {
  const id = c.req.param("id");
  if (!/^[0-9]{1,78}$/.test(id)) throw new BadRequest(`model id must be a decimal integer, not ${id}`);
  const result = (await db.execute(
    sql`SELECT model_id::text AS model_id, registration_tx, manifest_cid, status, issues, leaf_count, attempts,
               next_attempt_at::text AS next_attempt_at, last_error, checked_at::text AS checked_at
          FROM ${sql.identifier(databaseSchema)}.manifest_check WHERE model_id = ${id}::numeric`,
  )) as unknown as { rows?: Record<string, unknown>[] } | Record<string, unknown>[];
  const row = (Array.isArray(result) ? result : (result.rows ?? []))[0];
  if (!row) return c.json({ error: `no manifest check for model ${id} yet` }, 404);
  return c.json({
    modelId: row.model_id,
    registrationTx: row.registration_tx,
    manifestCid: row.manifest_cid,
    status: row.status,
    issues: row.issues,
    leafCount: row.leaf_count,
    attempts: row.attempts,
    nextAttemptAt: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    lastError: row.last_error,
    checkedAt: Number(row.checked_at),
  });
});

app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));

export default app;
