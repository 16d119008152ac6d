// The GraphQL cost model (src/api/graphql-cost.ts) on Ponder's schema, without a running indexer:
// the queries the app and the CLI send are accepted at the default limits, and operations that read
// little but make the database work a lot (nested lists, unindexed sorts, counts) are refused with
// the rule, the numbers and the part that cost most.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import * as ponderSchema from "../ponder.schema.ts";
import { costLimitsOf, largestAccepted, operationCost, overLimitMessage, type CostLimits } from "../src/api/graphql-cost.ts";
import { describeSchema } from "../src/api/schema-shape.ts";
import { apiLimits } from "../src/settings.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const limitsOf = (env: NodeJS.ProcessEnv): CostLimits => costLimitsOf(apiLimits(env));
// The model's arithmetic below is written for PostgreSQL's weights (a row costs 1); PGlite's are
// checked on their own.
const LIMITS = limitsOf({ DATABASE_URL: "postgresql://127.0.0.1/indexer" });
const PGLITE = limitsOf({});
const SHAPE = describeSchema(ponderSchema);
const cost = (query: string, variables: Record<string, unknown> = {}, limits = LIMITS) => operationCost(query, variables, undefined, limits, SHAPE);
const Q = LIMITS.queryCost;
const S = LIMITS.scanCost;

/**
 * The GraphQL operations of app/src/hooks/indexer.ts, sdk/src/cli/indexer.ts and the trainer's
 * dataset reader (trainer/src/dataset/indexer.ts), with the variables
 * they send. `source` is the text of the list field as written there (checked below, so that a
 * changed query in the app or the CLI is noticed here); scalar field lists are shortened.
 */
const CLIENT_QUERIES: { source: string; file: string; query: string; variables?: Record<string, unknown> }[] = [
  { file: "app/src/hooks/indexer.ts", source: `datanets(orderBy: "id", orderDirection: "asc", limit: 1000)`, query: `{ datanets(orderBy: "id", orderDirection: "asc", limit: 1000) { items { id owner } } }` },
  { file: "app/src/hooks/indexer.ts", source: `datanet(id: $id)`, query: `query($id: Int!) { datanet(id: $id) { id owner } }`, variables: { id: 1 } },
  ...["sequence", "submittedAt"].map((orderBy) => ({
    file: "app/src/hooks/indexer.ts",
    source: `contributions(where: $where, orderBy: "\${filter.datanetId !== undefined ? "sequence" : "submittedAt"}", orderDirection: "desc", limit: $limit, after: $after)`,
    query: `query($where: contributionFilter, $after: String, $limit: Int) { contributions(where: $where, orderBy: "${orderBy}", orderDirection: "desc", limit: $limit, after: $after) { items { id cid } pageInfo { hasNextPage endCursor } totalCount } }`,
    variables: { where: orderBy === "sequence" ? { datanetId: 1, status: "Pending" } : { contributor: "0xabc", status: "Accepted" }, after: null, limit: 100 },
  })),
  { file: "app/src/hooks/indexer.ts", source: `contributors(where: { accepted_gt: 0 }, orderBy: "acceptedBytes", orderDirection: "desc", limit: $limit)`, query: `query($limit: Int) { contributors(where: { accepted_gt: 0 }, orderBy: "acceptedBytes", orderDirection: "desc", limit: $limit) { items { address } } }`, variables: { limit: 100 } },
  { file: "app/src/hooks/indexer.ts", source: `datanetContributors(where: { datanetId: $id, accepted_gt: 0 }, orderBy: "acceptedBytes", orderDirection: "desc", limit: $limit)`, query: `query($id: Int!, $limit: Int) { datanetContributors(where: { datanetId: $id, accepted_gt: 0 }, orderBy: "acceptedBytes", orderDirection: "desc", limit: $limit) { items { address } } }`, variables: { id: 1, limit: 100 } },
  { file: "app/src/hooks/indexer.ts", source: `models(orderBy: "id", orderDirection: "asc", limit: 1000)`, query: `{ models(orderBy: "id", orderDirection: "asc", limit: 1000) { items { id } } }` },
  { file: "app/src/hooks/indexer.ts", source: `modelDatanets(where: { datanetId: $id }, limit: 1000) { items { model {`, query: `query($id: Int!) { modelDatanets(where: { datanetId: $id }, limit: 1000) { items { model { id trainer } } } }`, variables: { id: 1 } },
  { file: "app/src/hooks/indexer.ts", source: `manifestLeafs(where: { modelId: $id }, orderBy: "weight", orderDirection: "desc", limit: 1000)`, query: `query($id: BigInt!) { manifestLeafs(where: { modelId: $id }, orderBy: "weight", orderDirection: "desc", limit: 1000) { items { modelId weight } } }`, variables: { id: "1" } },
  { file: "app/src/hooks/indexer.ts", source: `manifestLeafs(where: { contributor: $who }, limit: 1000) { items { \${LEAF_FIELDS} model {`, query: `query($who: String!) { manifestLeafs(where: { contributor: $who }, limit: 1000) { items { modelId weight model { id trainer } } } }`, variables: { who: "0xabc" } },
  { file: "app/src/hooks/indexer.ts", source: `contributions(where: { status: Pending, revealEndsAt_lte: $now }, orderBy: "sequence", orderDirection: "asc", limit: 256)`, query: `query($now: BigInt!) { contributions(where: { status: Pending, revealEndsAt_lte: $now }, orderBy: "sequence", orderDirection: "asc", limit: 256) { items { id } } }`, variables: { now: "1" } },
  { file: "app/src/hooks/indexer.ts", source: `commitments(where: { validator: $who }, orderBy: "committedAt", orderDirection: "desc", limit: 200)`, query: `query($who: String!) { commitments(where: { validator: $who }, orderBy: "committedAt", orderDirection: "desc", limit: 200) { items { id state } } }`, variables: { who: "0xabc" } },
  // The CLI's pages (`indexerRows`): the lists by id, and a validator's queue and what is due for
  // finalisation (sdk/src/cli/commands/validator.ts), by sequence inside one Datanet.
  ...[
    `datanets(orderBy: "id", orderDirection: "asc", limit: 1000, after: "abc")`,
    `models(orderBy: "id", orderDirection: "asc", limit: 1000, after: "abc")`,
    `contributions(where: { datanetId: 1, status: Pending, sequence_gt: 5, commitEndsAt_gt: "1700000000" }, orderBy: "sequence", orderDirection: "asc", limit: 1000)`,
    `contributions(where: { datanetId: 1, status: Pending, revealEndsAt_lte: "1700000000" }, orderBy: "sequence", orderDirection: "asc", limit: 1000)`,
  ].map((list) => ({
    file: "sdk/src/cli/indexer.ts",
    source: "`{ ${table}(${where}orderBy: ${JSON.stringify(options.orderBy ?? \"id\")}, orderDirection: \"asc\", limit: ${PAGE}${cursor}) { items { ${fields} } pageInfo { hasNextPage endCursor } } }`",
    query: `{ ${list} { items { id } pageInfo { hasNextPage endCursor } } }`,
  })),
  ...[`where: \`datanetId: \${datanetId}, status: Pending, sequence_gt: \${last}, commitEndsAt_gt: "\${now}"\``, `where: \`datanetId: \${datanetId}, status: Pending, revealEndsAt_lte: "\${now}"\``].map((source) => ({
    file: "sdk/src/cli/commands/validator.ts",
    source,
    query: `{ contributions(where: { datanetId: 1, status: Pending }, orderBy: "sequence", orderDirection: "asc", limit: 1000) { items { id } } }`,
  })),
  {
    file: "trainer/src/dataset/indexer.ts",
    source: `orderBy: "id", orderDirection: "asc", limit: 1000, after: $after`,
    query: `query($datanetId: Int!, $upTo: BigInt!, $after: String) { contributions(where: { datanetId: $datanetId, status: Accepted, finalizedAt_lte: $upTo }, orderBy: "id", orderDirection: "asc", limit: 1000, after: $after) { items { id cid } pageInfo { hasNextPage endCursor } } }`,
    variables: { datanetId: 1, upTo: "1", after: null },
  },
];

describe("the queries of the app, the CLI and the trainer", () => {
  test.each(CLIENT_QUERIES.map((q) => [q.query.slice(0, 70), q] as const))("accepted on PostgreSQL and on PGlite: %s", (_name, q) => {
    expect(readFileSync(path.join(root, q.file), "utf8"), `${q.file} no longer sends ${q.source}`).toContain(q.source);
    for (const limits of [LIMITS, PGLITE]) {
      const result = cost(q.query, q.variables, limits);
      expect(result.cost, `row cost ${limits.rowCost}: ${JSON.stringify(result.largest)}`).toBeLessThanOrEqual(limits.maxCost);
    }
  });

  test("the CLI's page size is the one checked here", () => {
    expect(readFileSync(path.join(root, "sdk/src/cli/indexer.ts"), "utf8")).toMatch(/const PAGE = 1000;/);
  });
});

describe("the cost model", () => {
  test("a nested list without a limit reads 50 rows per parent row: the README's example for dApp developers", () => {
    expect(cost(`{ models { items { id datanets { items { datanetId } } } } }`).cost).toBe(50 + Q + 50 * (50 + Q));
    expect(cost(`{ models(limit: 10) { items { id datanets(limit: 10) { items { datanetId } } } } }`).cost).toBe(10 + Q + 10 * (10 + Q));
    expect(50 + Q + 50 * (50 + Q)).toBe(7_650);
    expect(10 + Q + 10 * (10 + Q)).toBe(1_210);
  });

  test("a list costs its rows and one query; a sort on an index or the primary key adds nothing", () => {
    expect(cost(`{ contributions(limit: 10) { items { id } } }`).cost).toBe(10 + Q);
    expect(cost(`{ contributors(orderBy: "score", orderDirection: "desc", limit: 50) { items { address } } }`).cost).toBe(50 + Q);
    expect(cost(`{ contributions(where: { datanetId: 1 }, orderBy: "sequence", limit: 50) { items { id } } }`).cost).toBe(50 + Q);
    // Inside a Datanet the relation fixes datanetId, so (datanetId, sequence) serves the sort.
    expect(cost(`{ datanet(id: 1) { contributions(orderBy: "sequence", limit: 10) { items { id } } } }`).cost).toBe(1 + Q + 10 + Q);
  });

  test("a sort on a column without an index, and totalCount, cost a scan each", () => {
    expect(cost(`{ contributions(orderBy: "size", limit: 10) { items { id } } }`).cost).toBe(10 + Q + S);
    // sequence follows datanetId in its index: without datanetId fixed it is a scan.
    expect(cost(`{ contributions(orderBy: "sequence", limit: 10) { items { id } } }`).cost).toBe(10 + Q + S);
    expect(cost(`{ contributions(limit: 10) { totalCount } }`).cost).toBe(10 + 2 * Q + S);
  });

  test("a singular relation costs a row per parent and one batched query per list around it", () => {
    expect(cost(`{ contributions(limit: 10) { items { datanet { id } } } }`).cost).toBe(10 + Q + 10 + Q);
  });

  test("an operation at exactly the limit is accepted; one over it is refused", () => {
    const page = LIMITS.maxCost / 5 - Q; // 5 × (page + one query) = the limit
    const at = cost(`{ ${Array.from({ length: 5 }, (_, i) => `a${i}: contributions(limit: ${page}) { items { id } }`).join(" ")} }`);
    expect(at.cost).toBe(LIMITS.maxCost);
    const over = cost(`{ ${Array.from({ length: 5 }, (_, i) => `a${i}: contributions(limit: ${page + (i === 0 ? 1 : 0)}) { items { id } }`).join(" ")} }`);
    expect(over.cost).toBe(LIMITS.maxCost + 1);
  });
});

describe("PGlite, which reads rows in the indexer's own thread", () => {
  test("a row costs 2 there, 1 on PostgreSQL, and API_GRAPHQL_ROW_COST sets it", () => {
    expect(PGLITE.rowCost).toBe(2);
    expect(LIMITS.rowCost).toBe(1);
    expect(limitsOf({ API_GRAPHQL_ROW_COST: "3" }).rowCost).toBe(3);
    expect(cost(`{ contributions(limit: 10) { items { datanet { id } } } }`, {}, PGLITE).cost).toBe(2 * 10 + Q + 2 * 10 + Q);
  });

  test("the widest pages PostgreSQL accepts (5 × 900 rows) are refused there, with the row weight in the rule", () => {
    const wide = `{ ${Array.from({ length: 5 }, (_, i) => `a${i}: contributions(limit: 900) { items { id cid size } }`).join(" ")} }`;
    expect(cost(wide).cost).toBe(5 * (900 + Q));
    const result = cost(wide, {}, PGLITE);
    expect(result.cost).toBeGreaterThan(PGLITE.maxCost);
    const message = overLimitMessage(result, PGLITE);
    expect(message).toContain("(cost = rows read × 2 (each list's limit + offset");
    expect(message).toMatch(/most from a\d: 900 rows × 2 \+ 1 query × 100 = 1900/);
  });
});

describe("attacks the row count alone let through", () => {
  test("a nested list with many parents: one query per parent row is charged and named", () => {
    // Rows alone: 1,000 Datanets + 1,000 × 1 contribution = 2,000, under 5,000; but 1,001 queries.
    const result = cost(`{ datanets(limit: 1000) { items { contributions(limit: 1) { items { id } } } } }`);
    expect(result.cost).toBeGreaterThan(LIMITS.maxCost);
    expect(result.largest).toMatchObject({ path: "datanets.contributions", rows: 1000, queries: 1000 });
    const message = overLimitMessage(result, LIMITS);
    expect(message).toMatch(new RegExp(`^query cost of at least ${result.cost} is over the limit of 5000 \\(cost = rows read`));
    expect(message).toContain(`+ ${Q} per database query (a nested list runs one per parent row)`);
    expect(message).toContain(`most from datanets.contributions: 1000 rows + 1000 queries × ${Q} = ${1000 + 1000 * Q}`);
  });

  test("the benchmark's former worst query (8 × (100 + 100 + 400) rows, 800 nested queries) is refused", () => {
    const query = `{ ${Array.from({ length: 8 }, (_, i) => `a${i}: contributions(limit: 100) { items { datanet { id pool contributions(limit: 4) { items { id cid } } } } }`).join(" ")} }`;
    const result = cost(query);
    expect(result.cost).toBeGreaterThan(LIMITS.maxCost);
    expect(result.largest?.path).toBe("a0.datanet.contributions");
    expect(overLimitMessage(result, LIMITS)).toContain(`most from a0.datanet.contributions: 400 rows + 100 queries × ${Q} = ${400 + 100 * Q}`);
  });

  test("a count per parent row", () => {
    const result = cost(`{ datanets(limit: 200) { items { contributions(limit: 0) { totalCount } } } }`);
    expect(result.cost).toBeGreaterThan(LIMITS.maxCost);
    expect(overLimitMessage(result, LIMITS)).toContain(`(totalCount)`);
  });

  test("a page read only for pageInfo or totalCount still reads its rows", () => {
    const result = cost(`{ a: contributions(limit: 1000, offset: 100000) { pageInfo { hasNextPage } } }`);
    expect(result.cost).toBe(101_000 + Q);
  });

  test("a sort on an unindexed column past a deep offset", () => {
    const result = cost(`{ contributions(orderBy: "size", limit: 1000, offset: 3999) { items { id } } }`);
    expect(result.cost).toBe(4999 + Q + S);
    expect(overLimitMessage(result, LIMITS)).toContain(`+ 1 × ${S} (unindexed sort on "size")`);
  });
});

describe("largestAccepted: an operation grown to the limit", () => {
  // n contributions (+ a query), their Datanets (+ a query), 4 contributions of each (+ n queries).
  const nested = (n: number) => `{ contributions(limit: ${n}) { items { datanet { id pool contributions(limit: 4) { items { id cid } } } } } }`;

  test("is the last size under the limit on each database's weights, and one more is over", () => {
    for (const [limits, expected] of [[LIMITS, 45], [PGLITE, 42]] as const) {
      const n = largestAccepted(nested, limits, SHAPE);
      expect(n).toBe(expected);
      expect(cost(nested(n), {}, limits).cost).toBeLessThanOrEqual(limits.maxCost);
      expect(cost(nested(n + 1), {}, limits).cost).toBeGreaterThan(limits.maxCost);
    }
  });

  test("a page over the row cap counts as refused, and 0 means even the smallest is refused", () => {
    expect(largestAccepted((n) => `{ contributions(limit: ${n}) { items { id } } }`, LIMITS, SHAPE)).toBe(1_000);
    const huge = (n: number) => `{ ${Array.from({ length: 10 }, (_, i) => `a${i}: datanets(limit: 1000) { items { contributions(limit: ${n}) { items { id } } } }`).join(" ")} }`;
    expect(largestAccepted(huge, LIMITS, SHAPE)).toBe(0);
  });
});
