// Screen 1: every Datanet, with search and filters. From the indexer (with counts and acceptance
// rates); from the chain when the indexer is down (settings and pool only).
import { useQueries } from "@tanstack/react-query";
import { useId, useMemo, useState } from "react";
import { Link } from "react-router";
import { Amount } from "../../components/Amount.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { useDatanetsOnChain } from "../../hooks/chain.ts";
import { useDatanets } from "../../hooks/indexer.ts";
import { keys } from "../../hooks/keys.ts";
import { useProtocol } from "../../hooks/protocol.tsx";
import { formatBps, formatCount } from "../../lib/format.ts";
import { ServiceDownError } from "../../lib/services.ts";

export interface DatanetListItem {
  id: number;
  modality: string;
  formats: string[];
  pool: bigint;
  reward: bigint;
  deposit: bigint;
  paused: boolean;
  metadataCid: string;
  accepted?: number;
  rejected?: number;
  pending?: number;
}

/** accepted ÷ decided, in basis points; undefined before any decision. */
export function acceptanceBps(accepted: number, rejected: number): number | undefined {
  const decided = accepted + rejected;
  return decided === 0 ? undefined : Math.round((accepted * 10_000) / decided);
}

function useDatanetList(): { items: DatanetListItem[] | undefined; fromChain: boolean; error: unknown; loading: boolean } {
  const indexed = useDatanets();
  const indexerDown = indexed.error instanceof ServiceDownError;
  const onChain = useDatanetsOnChain(indexerDown);
  if (!indexerDown) {
    return {
      items: indexed.data?.map((d) => ({
        id: d.id,
        modality: d.modalityName,
        formats: d.formatNames,
        pool: BigInt(d.pool),
        reward: BigInt(d.reward),
        deposit: BigInt(d.deposit),
        paused: d.paused,
        metadataCid: d.metadataCid,
        accepted: d.acceptedCount,
        rejected: d.rejectedCount,
        pending: d.pendingCount,
      })),
      fromChain: false,
      error: indexed.error,
      loading: indexed.isPending,
    };
  }
  return {
    items: onChain.data?.map((d) => ({
      id: d.id,
      modality: d.modalityName,
      formats: d.formatNames,
      pool: d.pool,
      reward: d.limits.reward,
      deposit: d.limits.deposit,
      paused: d.paused,
      metadataCid: d.metadataCid.toString(),
    })),
    fromChain: true,
    error: onChain.error,
    loading: onChain.isPending,
  };
}

export function DatanetsScreen() {
  const { ipfs } = useProtocol();
  const list = useDatanetList();
  const [search, setSearch] = useState("");
  const [modality, setModality] = useState("");
  const [openOnly, setOpenOnly] = useState(false);
  const searchId = useId();
  const modalityId = useId();
  const names = useQueries({
    queries: (list.items ?? []).map((d) => ({
      queryKey: keys.ipfs("metadata", d.metadataCid),
      queryFn: async ({ signal }: { signal: AbortSignal }) => {
        const bytes = await ipfs.get(d.metadataCid, { maxBytes: 64 * 1024, signal });
        return (await import("../../lib/lazy-sdk.ts")).parseDatanetMetadata(bytes);
      },
      staleTime: Infinity,
      retry: 1,
    })),
  });
  const rows = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return (list.items ?? [])
      .map((d, i) => ({ ...d, name: names[i]?.data?.name ?? "", description: names[i]?.data?.description ?? "" }))
      .filter((d) => !modality || d.modality === modality)
      .filter((d) => !openOnly || !d.paused)
      .filter((d) => !needle || `${d.name} ${d.description} ${d.formats.join(" ")} #${d.id}`.toLowerCase().includes(needle));
  }, [list.items, names, search, modality, openOnly]);

  return (
    <section aria-labelledby="datanets-title">
      <div className="page-head">
        <h1 id="datanets-title">Datanets</h1>
        <Link className="button" to="/datanets/new">
          Create a Datanet
        </Link>
      </div>
      <p className="lede">Community datasets, one modality each. Contribute files, review them, earn OPEN when they are accepted.</p>
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor={searchId}>Search</label>
          <input id={searchId} type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="name, description or format" />
        </div>
        <div className="field">
          <label htmlFor={modalityId}>Modality</label>
          <select id={modalityId} value={modality} onChange={(e) => setModality(e.target.value)}>
            <option value="">all</option>
            <option value="text">text</option>
            <option value="image">image</option>
            <option value="audio">audio</option>
          </select>
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={openOnly} onChange={(e) => setOpenOnly(e.target.checked)} /> taking submissions
        </label>
      </div>
      {list.fromChain ? <p className="notice">Read from the chain (the indexer is down): counts and acceptance rates come back with it.</p> : null}
      <ErrorNotice error={list.error} />
      {list.loading ? <p className="muted">Loading Datanets…</p> : null}
      {list.items && rows.length === 0 ? <p className="muted">{list.items.length === 0 ? "No Datanet yet: create the first one." : "No Datanet matches."}</p> : null}
      {rows.length > 0 ? (
        <table className="table responsive" data-testid="datanet-list">
          <thead>
            <tr>
              <th scope="col">Datanet</th>
              <th scope="col">Modality</th>
              <th scope="col">Formats</th>
              <th scope="col" className="num">Pool</th>
              <th scope="col" className="num">Reward</th>
              <th scope="col" className="num">Deposit</th>
              <th scope="col" className="num">Accepted</th>
              <th scope="col" className="num">Acceptance</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d) => (
              <tr key={d.id}>
                <td data-label="Datanet">
                  <Link to={`/datanets/${d.id}`}>
                    #{d.id} {d.name || <span className="muted">(name loading)</span>}
                  </Link>
                  {d.paused ? <span className="badge badge-warn">paused</span> : null}
                </td>
                <td data-label="Modality">{d.modality}</td>
                <td data-label="Formats">{d.formats.join(", ")}</td>
                <td data-label="Pool" className="num">
                  <Amount wei={d.pool} decimals={2} />
                </td>
                <td data-label="Reward" className="num">
                  <Amount wei={d.reward} />
                </td>
                <td data-label="Deposit" className="num">
                  <Amount wei={d.deposit} />
                </td>
                <td data-label="Accepted" className="num">
                  {d.accepted === undefined ? "—" : formatCount(d.accepted)}
                </td>
                <td data-label="Acceptance" className="num">
                  {d.accepted === undefined ? "—" : formatBps(acceptanceBps(d.accepted, d.rejected ?? 0))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
