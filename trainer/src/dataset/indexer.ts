// The one GraphQL query the trainer sends the indexer (indexer/ponder.schema.ts, table
// `contribution`): the accepted contributions of a Datanet, finalised at or before a block, so that
// a run is reproducible from the block it names. The indexer stores the finalisation time, not its
// block, so "up to block B" is asked as `finalizedAt <= timestamp(B)` (block timestamps strictly
// increase on the chains the protocol runs on, so the two are the same set).
// If the indexer's schema changes, this file is the only one to adapt.
import type { Address, Hex } from "viem";

export interface AcceptedContribution {
  contributionId: Hex;
  datanetId: number;
  contributor: Address;
  /** The CID as the chain stores it: sha2-256 digest and codec (0 raw, 1 dag-pb). */
  digest: Hex;
  codec: number;
  /** The on-chain `Format` index or its name. */
  format: number | string;
  size: number;
}

export const ACCEPTED_CONTRIBUTIONS_QUERY = `query AcceptedContributions($datanetId: Int!, $upTo: BigInt!, $after: String) {
  contributions(
    where: { datanetId: $datanetId, status: Accepted, finalizedAt_lte: $upTo }
    orderBy: "id", orderDirection: "asc", limit: 1000, after: $after
  ) {
    items { id datanetId contributor digest codec cid format size finalizedAt }
    pageInfo { hasNextPage endCursor }
  }
}`;

const MAX_PAGES = 1_000;

interface Row { id: Hex; datanetId: number; contributor: Address; digest: Hex; codec: number; cid: string; format: number; size: number }

/** Reads every accepted contribution of `datanetId` finalised at or before `upToTimestamp` (unix seconds of the chosen block). */
export async function acceptedContributions(indexerUrl: string, datanetId: number, upToTimestamp: bigint): Promise<AcceptedContribution[]> {
  const out: AcceptedContribution[] = [];
  let after: string | null = null;
  const endpoint = new URL("/graphql", indexerUrl).href;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: ACCEPTED_CONTRIBUTIONS_QUERY, variables: { datanetId, upTo: upToTimestamp.toString(), after } }),
    });
    const body = (await response.json().catch(() => null)) as { data?: { contributions?: { items: Row[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } } }; errors?: { message: string }[] } | null;
    if (!response.ok || !body?.data?.contributions) {
      const why = body?.errors?.map((e) => e.message).join("; ") ?? `HTTP ${response.status}`;
      throw new Error(`the indexer at ${indexerUrl} did not answer the accepted-contributions query: ${why}`);
    }
    for (const row of body.data.contributions.items) {
      out.push({ contributionId: row.id, datanetId: Number(row.datanetId), contributor: row.contributor, digest: row.digest, codec: Number(row.codec), format: Number(row.format), size: Number(row.size) });
    }
    const info = body.data.contributions.pageInfo;
    if (!info.hasNextPage) return out;
    after = info.endCursor;
  }
  throw new Error(`the indexer returned more than ${MAX_PAGES} pages of contributions`);
}

/** The block the indexer has processed (Ponder's `/status`), or undefined when it does not say. */
export async function indexedBlock(indexerUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(new URL("/status", indexerUrl).href);
    if (!response.ok) return undefined;
    const status = (await response.json()) as Record<string, { block?: { number?: number } }>;
    const blocks = Object.values(status).map((s) => s?.block?.number).filter((n): n is number => typeof n === "number");
    return blocks.length ? Math.min(...blocks) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Waits until the indexer has processed `block`, so that the accepted set read "up to block B" is
 * complete (a run must not depend on how far behind the indexer happened to be).
 */
export async function waitForIndexer(indexerUrl: string, block: number, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: number | undefined;
  for (let i = 0; i < 100_000; i++) {
    last = await indexedBlock(indexerUrl);
    if (last !== undefined && last >= block) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the indexer at ${indexerUrl} has processed block ${last ?? "(unknown)"}, not yet block ${block} the job reads up to; try again when it has caught up`);
}
