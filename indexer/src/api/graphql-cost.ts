// The cost of a GraphQL operation, computed from its text before it runs: what it makes the database
// do, in rows. Ponder's plural fields (`datanets`, and every `many` relation such as
// `datanet.contributions`) read a page of `limit` rows (50 when not given) after `offset` rows, with
// one SQL query per evaluation: a nested list runs one query for every row of the list around it. A
// singular relation (`contribution.datanet`) reads one row for every row around it, batched into one
// query per list it is in. So each field that reads rows costs
//
//   rows × rowCost + queries × queryCost (+ queries × scanCost for a sort without an index, and again for `totalCount`)
//
// where `queries` is 1 for a root field and the rows of the enclosing list for a nested list. A sort
// (`orderBy`) is an index scan when its column leads an index or the primary key, or follows columns
// the query fixes by equality (the relation's own column, plain `where` keys); otherwise the database
// reads and sorts every row the filter matches (a scan). `totalCount` is a second query that counts
// every matching row (a scan too). Aliases and fragments count as written (each alias is its own read).
import {
  Kind,
  parse,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import type { ApiLimits } from "../settings.ts";
import type { SchemaShape, TableShape } from "./schema-shape.ts";

export const DEFAULT_PAGE = 50;
/** The largest page a list may ask for. */
export const MAX_PAGE = 1_000;

const MAX_VISITED = 100_000;

export class QueryRefused extends Error {}

export interface CostLimits {
  maxCost: number;
  maxPage: number;
  /** Cost of each row read (1 on PostgreSQL; 2 on PGlite, which reads rows in the indexer's own thread). */
  rowCost: number;
  /** Cost of each database query an operation causes (a nested list causes one per parent row). */
  queryCost: number;
  /** Cost of a query that reads every row its filter matches: a sort without an index, a `totalCount`. */
  scanCost: number;
}

/** The cost limits of an indexer's settings (`apiLimits`): the same in the API, its tests and its bench. */
export function costLimitsOf(api: Pick<ApiLimits, "graphqlMaxCost" | "graphqlRowCost" | "graphqlQueryCost" | "graphqlScanCost">): CostLimits {
  return { maxCost: api.graphqlMaxCost, maxPage: MAX_PAGE, rowCost: api.graphqlRowCost, queryCost: api.graphqlQueryCost, scanCost: api.graphqlScanCost };
}

/** One field's share of an operation's cost, with the figures it was computed from. */
export interface CostPart {
  path: string;
  cost: number;
  rows: number;
  queries: number;
  scans: number;
  /** Why it scans: `unindexed sort on "size"`, `totalCount`. */
  scanReasons: string[];
}

export interface OperationCost {
  /** The operation's cost; when over the limit, at least this (the count stops once over). */
  cost: number;
  /** The field that cost most, if any. */
  largest?: CostPart;
}

/** The cost of the operation a request names (the only one when it names none); throws QueryRefused. */
export function operationCost(
  query: string,
  variables: Record<string, unknown>,
  operationName: string | undefined,
  limits: CostLimits,
  schema?: SchemaShape,
): OperationCost {
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return { cost: 0 }; // GraphQL itself answers syntax errors, with their position
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName === undefined ? operations[0] : operations.find((o) => o.name?.value === operationName);
  if (!operation) return { cost: 0 };
  const walker = new CostWalker(fragments, variables, limits, schema);
  const cost = walker.selectionCost(operation.selectionSet, { rows: 1, batches: 1, path: "" }, new Set());
  return { cost, ...(walker.largest ? { largest: walker.largest } : {}) };
}

/**
 * The largest n below 100,000 for which the operation `make(n)` is accepted under `limits`, by
 * bisection (cost grows with n); 0 when `make(1)` is refused already. An operation refused for
 * another rule (a page over MAX_PAGE rows) counts as refused. The benchmark and the hostile-client
 * tests grow their most expensive operations with it, so their sizes follow the weights.
 */
export function largestAccepted(make: (n: number) => string, limits: CostLimits, schema?: SchemaShape): number {
  const fits = (n: number) => {
    try {
      return operationCost(make(n), {}, undefined, limits, schema).cost <= limits.maxCost;
    } catch {
      return false;
    }
  };
  if (!fits(1)) return 0;
  let [low, high] = [1, 100_000]; // the largest n that fits lies in [low, high)
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (fits(mid)) low = mid;
    else high = mid;
  }
  return low;
}

/** The refusal of an operation over the limit: the rule, the numbers, and the part that cost most. */
export function overLimitMessage(result: OperationCost, limits: CostLimits): string {
  const perRow = limits.rowCost === 1 ? "" : ` × ${limits.rowCost}`;
  const rule =
    `cost = rows read${perRow} (each list's limit + offset, 50 when not given, for each row of the lists around it) ` +
    `+ ${limits.queryCost} per database query (a nested list runs one per parent row) ` +
    `+ ${limits.scanCost} per query that reads every matching row (a sort on a column without an index, totalCount)`;
  let message = `query cost of at least ${result.cost} is over the limit of ${limits.maxCost} (${rule})`;
  const part = result.largest;
  if (part) {
    const scans = part.scans > 0 ? ` + ${part.scans} × ${limits.scanCost} (${part.scanReasons.join(", ")})` : "";
    message += `; most from ${part.path}: ${part.rows} rows${perRow} + ${part.queries} ${part.queries === 1 ? "query" : "queries"} × ${limits.queryCost}${scans} = ${part.cost}`;
  }
  return `${message}: ask for smaller pages, fewer nested lists, or sort on an indexed column`;
}

/** Where a selection set is evaluated: the table its fields belong to, its rows and the queries that read them. */
interface Context {
  table?: string;
  rows: number;
  batches: number;
  path: string;
}

class CostWalker {
  largest: CostPart | undefined;
  private visited = 0;

  private readonly fragments: Map<string, FragmentDefinitionNode>;
  private readonly variables: Record<string, unknown>;
  private readonly limits: CostLimits;
  private readonly schema: SchemaShape | undefined;

  constructor(fragments: Map<string, FragmentDefinitionNode>, variables: Record<string, unknown>, limits: CostLimits, schema: SchemaShape | undefined) {
    this.fragments = fragments;
    this.variables = variables;
    this.limits = limits;
    this.schema = schema;
  }

  /**
   * The cost of a selection set evaluated for `at.rows` rows. It stops counting as soon as the sum
   * is over the limit, so a refused operation's cost is "at least" the sum so far.
   */
  selectionCost(set: SelectionSetNode, at: Context, spreading: Set<string>): number {
    let cost = 0;
    for (const selection of set.selections) {
      // Fragments spread within fragments can multiply the selections to walk beyond the text's size.
      if (++this.visited > MAX_VISITED) throw new QueryRefused(`the operation expands to over ${MAX_VISITED} selections`);
      if (selection.kind === Kind.FIELD) cost += this.fieldCost(selection, at, spreading);
      else if (selection.kind === Kind.INLINE_FRAGMENT) cost += this.selectionCost(selection.selectionSet, at, spreading);
      else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        // A fragment that spreads itself is refused by GraphQL's validation; count it once here.
        if (!fragment || spreading.has(name)) continue;
        cost += this.selectionCost(fragment.selectionSet, at, new Set([...spreading, name]));
      }
      if (cost > this.limits.maxCost) return cost; // enough to refuse; stops runaway products early
    }
    return cost;
  }

  private fieldCost(field: FieldNode, at: Context, spreading: Set<string>): number {
    const name = field.name.value;
    if (!field.selectionSet || name.startsWith("__") || name === "pageInfo") return 0;
    if (name === "items") return this.selectionCost(field.selectionSet, at, spreading);
    const path = `${at.path}${at.path ? "." : ""}${field.alias?.value ?? name}`;
    const target = this.target(name, at.table);
    const plural = target?.plural ?? isPageSelection(field.selectionSet);
    if (!plural) {
      // A singular row (a relation or a lookup by key): one row per row around it, batched per query there.
      const own = this.record({ path, rows: at.rows, queries: at.batches, scans: 0, scanReasons: [] });
      return own + this.selectionCost(field.selectionSet, { table: target?.table, rows: at.rows, batches: at.batches, path }, spreading);
    }
    const queries = at.rows; // one per row of the list around it (1 at the root)
    const rows = queries * this.pageSize(field);
    const scanReasons = this.scanReasons(field, target?.table, target?.filterColumn);
    const own = this.record({ path, rows, queries: queries * (scanReasons.includes("totalCount") ? 2 : 1), scans: queries * scanReasons.length, scanReasons });
    if (own > this.limits.maxCost) return own;
    return own + this.selectionCost(field.selectionSet, { table: target?.table, rows, batches: queries, path }, spreading);
  }

  private record(part: Omit<CostPart, "cost">): number {
    const cost = part.rows * this.limits.rowCost + part.queries * this.limits.queryCost + part.scans * this.limits.scanCost;
    if (!this.largest || cost > this.largest.cost) this.largest = { ...part, cost };
    return cost;
  }

  /** What a field reads, from the schema: its table, whether it is a list, the column a nested list is filtered by. */
  private target(name: string, table: string | undefined): { table: string; plural: boolean; filterColumn?: string } | undefined {
    if (!this.schema) return undefined;
    if (table === undefined) return this.schema.roots.get(name);
    const relation = this.schema.tables.get(table)?.relations.get(name);
    if (!relation) return undefined;
    return { table: relation.table, plural: relation.many, ...(relation.filterColumn ? { filterColumn: relation.filterColumn } : {}) };
  }

  /** The scans a list query makes: a sort that no index serves, and a `totalCount`. */
  private scanReasons(field: FieldNode, table: string | undefined, filterColumn: string | undefined): string[] {
    const reasons: string[] = [];
    const orderBy = this.argument(field, "orderBy");
    if (typeof orderBy === "string") {
      const shape = table === undefined ? undefined : this.schema?.tables.get(table);
      const fixed = new Set([...(filterColumn ? [filterColumn] : []), ...equalityColumns(this.argument(field, "where"))]);
      if (!shape || !sortIsIndexed(shape, orderBy, fixed)) reasons.push(`unindexed sort on "${orderBy}"`);
    }
    const counts = field.selectionSet!.selections.some((s) => s.kind === Kind.FIELD && s.name.value === "totalCount");
    if (counts) reasons.push("totalCount");
    return reasons;
  }

  /** Rows a plural field reads per evaluation: limit + offset; refuses negative or non-integer values. */
  private pageSize(field: FieldNode): number {
    let limit = DEFAULT_PAGE;
    let offset = 0;
    for (const name of ["limit", "offset"] as const) {
      const value = this.argument(field, name);
      if (value === undefined || value === null) continue;
      if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
        throw new QueryRefused(`${field.name.value}: ${name} must be a non-negative integer, not ${JSON.stringify(value)}`);
      }
      if (name === "limit" && value > this.limits.maxPage) {
        throw new QueryRefused(`${field.name.value}: limit ${value} is over the maximum page of ${this.limits.maxPage} rows`);
      }
      if (name === "limit") limit = value;
      else offset = value;
    }
    return limit + offset;
  }

  private argument(field: FieldNode, name: string): unknown {
    const node = field.arguments?.find((a) => a.name.value === name)?.value;
    return node === undefined ? undefined : this.value(node);
  }

  private value(node: ValueNode): unknown {
    if (node.kind === Kind.VARIABLE) return this.variables[node.name.value];
    if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return Number(node.value);
    if (node.kind === Kind.NULL) return null;
    if (node.kind === Kind.STRING || node.kind === Kind.ENUM) return node.value;
    if (node.kind === Kind.OBJECT) return Object.fromEntries(node.fields.map((f) => [f.name.value, this.value(f.value)]));
    return undefined;
  }
}

/** A list's selection (Ponder's page type) when the schema does not say: it selects items, pageInfo or totalCount. */
function isPageSelection(set: SelectionSetNode): boolean {
  return set.selections.some((s) => s.kind === Kind.FIELD && ["items", "pageInfo", "totalCount"].includes(s.name.value));
}

/** Columns a `where` fixes to one value: its plain keys (`datanetId`, not `datanetId_gt`, `AND`, `OR`). */
function equalityColumns(where: unknown): string[] {
  if (typeof where !== "object" || where === null || Array.isArray(where)) return [];
  return Object.entries(where)
    .filter(([key, value]) => !key.includes("_") && key !== "AND" && key !== "OR" && value !== null && value !== undefined)
    .map(([key]) => key);
}

/** Whether an index (or the primary key) gives rows in `column` order once the `fixed` columns are equal. */
function sortIsIndexed(table: TableShape, column: string, fixed: Set<string>): boolean {
  return table.indexes.some((index) => {
    for (const indexed of index) {
      if (indexed === column) return true;
      if (!fixed.has(indexed)) return false;
    }
    return false;
  });
}
