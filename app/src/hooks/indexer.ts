// Lists and history from the indexer's GraphQL: Datanets, contributions (paged by cursor, never all
// at once), leaderboards, models, a validator's queue. Each hook's key starts with "indexer", so a
// write refreshes them as the indexer catches up.
import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import type { Address } from "viem";
import { graphql, indexerGet, type Page } from "../lib/indexer.ts";
import {
  CONTRIBUTION_FIELDS,
  DATANET_FIELDS,
  LEAF_FIELDS,
  manifestPollMs,
  MODEL_FIELDS,
  type ContributionRow,
  type DatanetRow,
  type LeaderRow,
  type LeafRow,
  type ModelRow,
  type ValidatorQueue,
} from "../lib/rows.ts";
import { keys } from "./keys.ts";
import { useProtocol } from "./protocol.tsx";

/** The Datanets list query (also started before the first render, in main.tsx). */
export function datanetsQuery(indexerUrl: string) {
  return {
    queryKey: keys.indexer("datanets"),
    queryFn: async ({ signal }: { signal?: AbortSignal }) =>
      (await graphql<{ datanets: Page<DatanetRow> }>(indexerUrl, `{ datanets(orderBy: "id", orderDirection: "asc", limit: 1000) { items { ${DATANET_FIELDS} } } }`, {}, signal)).datanets.items,
    retry: 1,
  };
}

export function useDatanets() {
  const { urls } = useProtocol();
  return useQuery({ ...datanetsQuery(urls.indexer), refetchInterval: 15_000 });
}

export function useDatanetRow(datanetId: number | undefined) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("datanet", datanetId),
    queryFn: async ({ signal }) => (await graphql<{ datanet: DatanetRow | null }>(urls.indexer, `query($id: Int!) { datanet(id: $id) { ${DATANET_FIELDS} } }`, { id: datanetId }, signal)).datanet,
    enabled: datanetId !== undefined,
    retry: 1,
  });
}

export const CONTRIBUTIONS_PAGE = 100;

export interface ContributionFilter {
  datanetId?: number;
  contributor?: Address;
  status?: ContributionRow["status"];
}

/** Contributions, newest first, one page of 100 at a time (cursor paging), with the total count. */
export function useContributionPages(filter: ContributionFilter, enabled = true) {
  const { urls } = useProtocol();
  const where = {
    ...(filter.datanetId !== undefined ? { datanetId: filter.datanetId } : {}),
    ...(filter.contributor ? { contributor: filter.contributor.toLowerCase() } : {}),
    ...(filter.status ? { status: filter.status } : {}),
  };
  return useInfiniteQuery({
    queryKey: keys.indexer("contributions", where),
    queryFn: async ({ pageParam, signal }) =>
      (
        await graphql<{ contributions: Page<ContributionRow> }>(
          urls.indexer,
          `query($where: contributionFilter, $after: String, $limit: Int) {
            contributions(where: $where, orderBy: "${filter.datanetId !== undefined ? "sequence" : "submittedAt"}", orderDirection: "desc", limit: $limit, after: $after) {
              items { ${CONTRIBUTION_FIELDS} } pageInfo { hasNextPage endCursor } totalCount
            }
          }`,
          { where, after: pageParam, limit: CONTRIBUTIONS_PAGE },
          signal,
        )
      ).contributions,
    initialPageParam: null as string | null,
    getNextPageParam: (last) => (last.pageInfo.hasNextPage ? last.pageInfo.endCursor : undefined),
    enabled,
    retry: 1,
  });
}

export type LeaderboardOrder = "files" | "bytes";

/** Ranked contributors: by accepted files (then bytes) from /leaderboard, or by accepted bytes from GraphQL. */
export function useLeaderboard(datanetId: number | undefined, order: LeaderboardOrder, limit = 100) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("leaderboard", datanetId, order, limit),
    queryFn: async ({ signal }): Promise<LeaderRow[]> => {
      if (order === "files") {
        const query = new URLSearchParams({ limit: String(limit), ...(datanetId !== undefined ? { datanetId: String(datanetId) } : {}) });
        return (await indexerGet<{ items: LeaderRow[] }>(urls.indexer, `/leaderboard?${query}`, signal)).items;
      }
      const fields = "address accepted acceptedBytes rejected expired pending acceptanceRateBps earned";
      const rows =
        datanetId === undefined
          ? (await graphql<{ contributors: Page<Omit<LeaderRow, "rank">> }>(urls.indexer, `query($limit: Int) { contributors(where: { accepted_gt: 0 }, orderBy: "acceptedBytes", orderDirection: "desc", limit: $limit) { items { ${fields} } } }`, { limit }, signal)).contributors.items
          : (await graphql<{ datanetContributors: Page<Omit<LeaderRow, "rank">> }>(urls.indexer, `query($id: Int!, $limit: Int) { datanetContributors(where: { datanetId: $id, accepted_gt: 0 }, orderBy: "acceptedBytes", orderDirection: "desc", limit: $limit) { items { ${fields} } } }`, { id: datanetId, limit }, signal)).datanetContributors.items;
      // Equal bytes share a rank, as the files ranking does.
      let rank = 0;
      return rows.map((row, i) => {
        if (i === 0 || row.acceptedBytes !== rows[i - 1]!.acceptedBytes) rank = i + 1;
        return { ...row, rank };
      });
    },
    placeholderData: keepPreviousData,
    retry: 1,
  });
}

export function useModels() {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("models"),
    queryFn: async ({ signal }) => (await graphql<{ models: Page<ModelRow> }>(urls.indexer, `{ models(orderBy: "id", orderDirection: "asc", limit: 1000) { items { ${MODEL_FIELDS} } } }`, {}, signal)).models.items,
    retry: 1,
    // A model just registered shows "not checked" until the indexer's worker has read its manifest.
    refetchInterval: (query) => manifestPollMs((query.state.data ?? []).map((m) => m.manifestStatus)),
  });
}

export function useModelsOfDatanet(datanetId: number) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("models-of", datanetId),
    queryFn: async ({ signal }) =>
      (await graphql<{ modelDatanets: Page<{ model: ModelRow }> }>(urls.indexer, `query($id: Int!) { modelDatanets(where: { datanetId: $id }, limit: 1000) { items { model { ${MODEL_FIELDS} } } } }`, { id: datanetId }, signal)).modelDatanets.items.map((i) => i.model),
    retry: 1,
    refetchInterval: (query) => manifestPollMs((query.state.data ?? []).map((m) => m.manifestStatus)),
  });
}

/** A model's manifest leaves; `manifestStatus` (the model's) keeps them polled until the indexer has read them. */
export function useModelLeaves(modelId: string | undefined, manifestStatus?: ModelRow["manifestStatus"]) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("leaves", modelId),
    queryFn: async ({ signal }) =>
      (await graphql<{ manifestLeafs: Page<LeafRow> }>(urls.indexer, `query($id: BigInt!) { manifestLeafs(where: { modelId: $id }, orderBy: "weight", orderDirection: "desc", limit: 1000) { items { ${LEAF_FIELDS} } } }`, { id: modelId }, signal)).manifestLeafs.items,
    enabled: modelId !== undefined,
    retry: 1,
    refetchInterval: manifestStatus ? manifestPollMs([manifestStatus]) : false,
  });
}

/** Leaves of every model's manifest naming this contributor: their attribution, model by model. */
export function useMyLeaves(contributor: Address | undefined) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("my-leaves", contributor),
    queryFn: async ({ signal }) =>
      (await graphql<{ manifestLeafs: Page<LeafRow & { model: ModelRow }> }>(urls.indexer, `query($who: String!) { manifestLeafs(where: { contributor: $who }, limit: 1000) { items { ${LEAF_FIELDS} model { ${MODEL_FIELDS} } } } }`, { who: contributor!.toLowerCase() }, signal)).manifestLeafs.items,
    enabled: !!contributor,
    retry: 1,
  });
}

export function useValidatorQueue(validator: Address | undefined) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("queue", validator),
    queryFn: ({ signal }) => indexerGet<ValidatorQueue>(urls.indexer, `/validators/${validator}/queue`, signal),
    enabled: !!validator,
    refetchInterval: 10_000,
    retry: 1,
  });
}

/** Contributions whose review is over but that are still pending: anyone may finalise them. */
export function useDueForFinalisation(now: number | undefined) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("due", now === undefined ? undefined : Math.floor(now / 10)),
    queryFn: async ({ signal }) =>
      (
        await graphql<{ contributions: Page<ContributionRow> }>(
          urls.indexer,
          `query($now: BigInt!) { contributions(where: { status: Pending, revealEndsAt_lte: $now }, orderBy: "sequence", orderDirection: "asc", limit: 256) { items { ${CONTRIBUTION_FIELDS} } } }`,
          { now: String(now) },
          signal,
        )
      ).contributions.items,
    enabled: now !== undefined,
    retry: 1,
  });
}

/** This validator's commitments as the indexer saw them (state, reward claimed). */
export function useCommitments(validator: Address | undefined) {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.indexer("commitments", validator),
    queryFn: async ({ signal }) =>
      (
        await graphql<{ commitments: Page<{ id: string; datanetId: number; state: string; rewardsClaimed: boolean; rewardAmount: string; revealOpensAt: string; revealClosesAt: string; contributionIds: string[]; transactionHash: string }> }>(
          urls.indexer,
          `query($who: String!) { commitments(where: { validator: $who }, orderBy: "committedAt", orderDirection: "desc", limit: 200) { items { id datanetId state rewardsClaimed rewardAmount revealOpensAt revealClosesAt contributionIds transactionHash } } }`,
          { who: validator!.toLowerCase() },
          signal,
        )
      ).commitments.items,
    enabled: !!validator,
    retry: 1,
  });
}
