// The indexer as the CLI's faster source for lists (`--indexer URL`, env OPENLEDGER_INDEXER_URL):
// a list command asks the indexer's GraphQL API first and reads the chain when no indexer is
// given or it does not answer; one warning on stderr says which happened. The chain stays the
// authority: the indexer only saves the CLI from reading every Datanet or event one call at a time.
import type { Context } from "./context.ts";

/** Rows the indexer answers per list query (its GraphQL page limit). */
const PAGE = 1000;
const TIMEOUT_MS = 5_000;

export class IndexerUnavailableError extends Error {
  override name = "IndexerUnavailableError";
}

/** One GraphQL query; a network failure, an HTTP error or a GraphQL error throws `IndexerUnavailableError`. */
export async function queryIndexer<T>(url: string, query: string): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`${url.replace(/\/$/, "")}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new IndexerUnavailableError(`the indexer at ${url} did not answer (${(error as Error).message})`);
  }
  const body = (await res.json().catch(() => ({}))) as { data?: T; errors?: { message: string }[] };
  if (!res.ok || body.errors?.length || !body.data) {
    const reason = body.errors?.map((e) => e.message).join("; ") || `HTTP ${res.status}`;
    throw new IndexerUnavailableError(`the indexer at ${url} refused the query (${reason})`);
  }
  return body.data;
}

/** Every row of one table that matches `where` (GraphQL filter fields), in `orderBy` order (pages of `PAGE`). */
export async function indexerRows<T>(url: string, table: string, fields: string, options: { where?: string; orderBy?: string } = {}): Promise<T[]> {
  const rows: T[] = [];
  let after: string | null = null;
  const where = options.where ? `where: { ${options.where} }, ` : "";
  for (;;) {
    const cursor: string = after === null ? "" : `, after: ${JSON.stringify(after)}`;
    const data: Record<string, { items: T[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> = await queryIndexer(
      url,
      `{ ${table}(${where}orderBy: ${JSON.stringify(options.orderBy ?? "id")}, orderDirection: "asc", limit: ${PAGE}${cursor}) { items { ${fields} } pageInfo { hasNextPage endCursor } } }`,
    );
    const page = data[table]!;
    rows.push(...page.items);
    if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) return rows;
    after = page.pageInfo.endCursor;
  }
}

/** Reads through the indexer when one is configured and answers, else from the chain. */
export async function fromIndexerOrChain<T>(ctx: Context, viaIndexer: (url: string) => Promise<T>, viaChain: () => Promise<T>): Promise<T> {
  const url = ctx.options.indexer;
  if (!url) return viaChain();
  try {
    return await viaIndexer(url);
  } catch (error) {
    if (!(error instanceof IndexerUnavailableError)) throw error;
    process.stderr.write(`warning: ${error.message}; reading the chain instead.\n`);
    return viaChain();
  }
}
