// The cost of a GraphQL operation, computed from its text before it runs: the number of rows it can
// make the database read. Ponder's plural fields (`datanets`, and every `many` relation such as
// `datanet.contributions`) are pages of `limit` rows (50 when not given) after `offset` rows; each
// page is read once for every row of the pages around it. A singular relation (`contribution.datanet`)
// reads one row for every row around it. So the cost is the sum, over every field that reads rows, of
// the product of the page sizes it is nested in: depth × breadth × page sizes. Aliases and fragments
// count as written (each alias is its own read).
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

export const DEFAULT_PAGE = 50;

const MAX_VISITED = 100_000;

export class QueryRefused extends Error {}

export interface CostLimits {
  maxCost: number;
  maxPage: number;
}

/** The cost of the operation a request names (the only one when it names none); throws QueryRefused. */
export function operationCost(query: string, variables: Record<string, unknown>, operationName: string | undefined, limits: CostLimits): number {
  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true });
  } catch {
    return 0; // GraphQL itself answers syntax errors, with their position
  }
  const fragments = new Map<string, FragmentDefinitionNode>();
  const operations: OperationDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
  }
  const operation = operationName === undefined ? operations[0] : operations.find((o) => o.name?.value === operationName);
  if (!operation) return 0;
  const walker = new CostWalker(fragments, variables, limits);
  return walker.selectionCost(operation.selectionSet, 1, new Set());
}

class CostWalker {
  private readonly fragments: Map<string, FragmentDefinitionNode>;
  private readonly variables: Record<string, unknown>;
  private readonly limits: CostLimits;
  private visited = 0;

  constructor(fragments: Map<string, FragmentDefinitionNode>, variables: Record<string, unknown>, limits: CostLimits) {
    this.fragments = fragments;
    this.variables = variables;
    this.limits = limits;
  }

  /**
   * Rows read by a selection set whose every field is evaluated `times` times. It stops counting as
   * soon as the sum is over the limit, so a refused operation's cost is "at least" the sum so far.
   */
  selectionCost(set: SelectionSetNode, times: number, spreading: Set<string>): number {
    let cost = 0;
    for (const selection of set.selections) {
      // Fragments spread within fragments can multiply the selections to walk beyond the text's size.
      if (++this.visited > MAX_VISITED) throw new QueryRefused(`the operation expands to over ${MAX_VISITED} selections`);
      if (selection.kind === Kind.FIELD) cost += this.fieldCost(selection, times, spreading);
      else if (selection.kind === Kind.INLINE_FRAGMENT) cost += this.selectionCost(selection.selectionSet, times, spreading);
      else {
        const name = selection.name.value;
        const fragment = this.fragments.get(name);
        // A fragment that spreads itself is refused by GraphQL's validation; count it once here.
        if (!fragment || spreading.has(name)) continue;
        cost += this.selectionCost(fragment.selectionSet, times, new Set([...spreading, name]));
      }
      if (cost > this.limits.maxCost) return cost; // enough to refuse; stops runaway products early
    }
    return cost;
  }

  private fieldCost(field: FieldNode, times: number, spreading: Set<string>): number {
    if (!field.selectionSet || field.name.value.startsWith("__")) return 0;
    if (field.name.value === "pageInfo") return 0;
    if (field.name.value === "items") return this.selectionCost(field.selectionSet, times, spreading);
    const items = field.selectionSet.selections.some((s) => s.kind === Kind.FIELD && s.name.value === "items");
    if (!items) {
      // A singular row (a relation or a lookup by key), or `totalCount` / `pageInfo` beside `items`.
      return times + this.selectionCost(field.selectionSet, times, spreading);
    }
    const page = this.pageSize(field);
    const rows = times * page;
    return rows + this.selectionCost(field.selectionSet, rows, spreading);
  }

  /** Rows a plural field reads per evaluation: limit + offset; refuses negative or non-integer values. */
  private pageSize(field: FieldNode): number {
    let limit = DEFAULT_PAGE;
    let offset = 0;
    for (const argument of field.arguments ?? []) {
      const name = argument.name.value;
      if (name !== "limit" && name !== "offset") continue;
      const value = this.argumentValue(argument.value);
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

  private argumentValue(node: ValueNode): unknown {
    if (node.kind === Kind.VARIABLE) return this.variables[node.name.value];
    if (node.kind === Kind.INT || node.kind === Kind.FLOAT) return Number(node.value);
    if (node.kind === Kind.NULL) return null;
    if (node.kind === Kind.STRING || node.kind === Kind.ENUM) return node.value;
    return undefined;
  }
}
