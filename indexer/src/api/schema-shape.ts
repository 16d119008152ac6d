// What the GraphQL cost (./graphql-cost.ts) needs to know of Ponder's schema, read from the tables
// and relations of ponder.schema.ts: which GraphQL fields read which table, which of them are lists,
// and which columns lead an index (the primary key included), so that a sort on them is an index scan.
// Ponder names the root fields after the exported table (`datanet(id:)` and `datanets(…)`) and the
// relation fields after the keys of `relations(…)`. Tables and relations are read through drizzle's
// own marks, as ./sql.ts does.

const IS_TABLE = Symbol.for("drizzle:IsDrizzleTable");
const COLUMNS = Symbol.for("drizzle:Columns");
const EXTRA_COLUMNS = Symbol.for("drizzle:ExtraConfigColumns");
const EXTRA_BUILDER = Symbol.for("drizzle:ExtraConfigBuilder");

export interface RelationShape {
  table: string;
  /** A `many` relation: a list, read with one query per parent row, filtered by `filterColumn`. */
  many: boolean;
  filterColumn?: string;
}

export interface TableShape {
  /** The columns (TypeScript names) of the primary key and of each index, in index order. */
  indexes: string[][];
  relations: Map<string, RelationShape>;
}

export interface SchemaShape {
  tables: Map<string, TableShape>;
  /** Root query fields: `datanet` (one row by key) and `datanets` (a list). */
  roots: Map<string, { table: string; plural: boolean }>;
}

type Column = { name: string; primary?: boolean };
type DrizzleTable = Record<symbol, unknown>;
type RelationsObject = { table: DrizzleTable; config: (helpers: unknown) => Record<string, RelationConfig> };
type RelationConfig = { many: boolean; table: DrizzleTable; relationName?: string; fields?: Column[] };

const isTable = (value: unknown): value is DrizzleTable => typeof value === "object" && value !== null && IS_TABLE in value;
const isRelations = (value: unknown): value is RelationsObject =>
  typeof value === "object" && value !== null && isTable((value as RelationsObject).table) && typeof (value as RelationsObject).config === "function";

/** TypeScript column name by database column name. */
function columnNames(table: DrizzleTable): Map<string, string> {
  const columns = table[COLUMNS] as Record<string, Column>;
  return new Map(Object.entries(columns).map(([tsName, column]) => [column.name, tsName]));
}

function tableIndexes(table: DrizzleTable): string[][] {
  const names = columnNames(table);
  const columns = table[COLUMNS] as Record<string, Column>;
  const indexes: string[][] = Object.entries(columns).filter(([, c]) => c.primary).map(([tsName]) => [tsName]);
  const builder = table[EXTRA_BUILDER] as ((columns: unknown) => Record<string, unknown>) | undefined;
  if (builder === undefined) return indexes;
  for (const entry of Object.values(builder(table[EXTRA_COLUMNS]))) {
    const e = entry as { columns?: Column[]; config?: { columns?: Column[] } };
    const indexed = e.config?.columns ?? e.columns;
    if (indexed) indexes.push(indexed.map((c) => names.get(c.name) ?? c.name));
  }
  return indexes;
}

/** The relation fields of `relations(…)`, called with helpers that record what each field is. */
function relationConfigs(relations: RelationsObject): Record<string, RelationConfig> {
  const helper = (many: boolean) => (table: DrizzleTable, config?: { relationName?: string; fields?: Column[] }) => {
    const relation: RelationConfig & { withFieldName(): RelationConfig } = {
      many,
      table,
      relationName: config?.relationName,
      fields: config?.fields,
      withFieldName: () => relation,
    };
    return relation;
  };
  return relations.config({ one: helper(false), many: helper(true) });
}

export function describeSchema(schema: Record<string, unknown>): SchemaShape {
  const tableNames = new Map<unknown, string>();
  const shape: SchemaShape = { tables: new Map(), roots: new Map() };
  for (const [tsName, value] of Object.entries(schema)) {
    if (!isTable(value)) continue;
    tableNames.set(value, tsName);
    shape.tables.set(tsName, { indexes: tableIndexes(value), relations: new Map() });
    const singular = tsName.charAt(0).toLowerCase() + tsName.slice(1);
    shape.roots.set(singular, { table: tsName, plural: false });
    shape.roots.set(`${singular}s`, { table: tsName, plural: true });
  }
  const configs = new Map<DrizzleTable, Record<string, RelationConfig>>();
  for (const value of Object.values(schema)) {
    if (isRelations(value)) configs.set(value.table, relationConfigs(value));
  }
  for (const [table, fields] of configs) {
    for (const [field, relation] of Object.entries(fields)) {
      const filterColumn = relation.many ? manyFilterColumn(relation, table, configs.get(relation.table) ?? {}) : undefined;
      shape.tables.get(tableNames.get(table)!)!.relations.set(field, {
        table: tableNames.get(relation.table)!,
        many: relation.many,
        ...(filterColumn === undefined ? {} : { filterColumn }),
      });
    }
  }
  return shape;
}

/** The column of a `many` relation's table that Ponder filters by: that of its matching `one` relation. */
function manyFilterColumn(relation: RelationConfig, parent: DrizzleTable, targetRelations: Record<string, RelationConfig>): string | undefined {
  const ones = Object.values(targetRelations).filter((r) => !r.many);
  const one =
    (relation.relationName === undefined ? undefined : ones.find((r) => r.relationName === relation.relationName)) ??
    ones.find((r) => r.table === parent);
  const column = one?.fields?.[0];
  return column === undefined ? undefined : columnNames(relation.table).get(column.name);
}
