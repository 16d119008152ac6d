// The indexer's GraphQL (POST) and its read endpoints. Ponder answers bigints as decimal strings;
// the row types below say so. A failed query is an `IndexerQueryError` with GraphQL's own reason.
import { errorMessageOf, serviceFetch, ServiceRequestError } from "./services.ts";

export class IndexerQueryError extends ServiceRequestError {
  override name = "IndexerQueryError";
}

export interface Page<T> {
  items: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount?: number;
}

export async function graphql<T>(indexerUrl: string, query: string, variables: Record<string, unknown> = {}, signal?: AbortSignal): Promise<T> {
  const res = await serviceFetch("indexer", `${indexerUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
    ...(signal ? { signal } : {}),
  });
  if (!res.ok) throw new IndexerQueryError(res.status, `the indexer refused a query: ${await errorMessageOf(res)}`);
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length && !body.data) throw new IndexerQueryError(400, `the indexer refused a query: ${body.errors.map((e) => e.message).join("; ")}`);
  return body.data as T;
}

export async function indexerGet<T>(indexerUrl: string, path: string, signal?: AbortSignal): Promise<T> {
  const res = await serviceFetch("indexer", `${indexerUrl}${path}`, signal ? { signal } : {});
  if (!res.ok) throw new IndexerQueryError(res.status, `the indexer refused ${path}: ${await errorMessageOf(res)}`);
  return (await res.json()) as T;
}
