// Contributions, newest first, paged from the indexer 100 at a time and virtualised: a Datanet with
// 10,000 contributions renders a screenful of rows and loads the next page only when scrolled near.
import { useVirtualizer } from "@tanstack/react-virtual";
import { useEffect, useRef } from "react";
import { CONTRIBUTIONS_PAGE, useContributionPages, type ContributionFilter } from "../hooks/indexer.ts";
import { formatBytes, formatCount, formatDate, formatOpen } from "../lib/format.ts";
import type { ContributionRow } from "../lib/rows.ts";
import { Address } from "./Address.tsx";
import { ErrorNotice } from "./ErrorNotice.tsx";
import { HexId } from "./HexId.tsx";

const ROW_HEIGHT = 64;

export function StatusBadge({ status, unfunded = false }: { status: ContributionRow["status"]; unfunded?: boolean }) {
  if (unfunded) {
    return (
      <span className="badge status-expired" title="It won its review, but the Datanet's pool could no longer pay it: the deposit was refunded and the file may be submitted again">
        expired: pool empty
      </span>
    );
  }
  return <span className={`badge status-${status.toLowerCase()}`}>{status.toLowerCase()}</span>;
}

function Row({ row, showDatanet }: { row: ContributionRow; showDatanet: boolean }) {
  return (
    <div className="contribution-row" role="row">
      <span role="cell" className="c-seq">
        {showDatanet ? `Datanet ${row.datanetId} · ` : ""}#{row.sequence}
      </span>
      <span role="cell" className="c-cid">
        <HexId value={row.cid} keep={8} />
      </span>
      <span role="cell" className="c-who">
        <Address address={row.contributor} />
      </span>
      <span role="cell" className="c-format">
        {row.formatName} · {formatBytes(row.size)}
      </span>
      <span role="cell" className="c-status">
        <StatusBadge status={row.status} unfunded={row.unfunded} />
      </span>
      <span role="cell" className="c-tally" title="Revealed stake for and against">
        for {formatOpen(BigInt(row.approveStake), { maxDecimals: 0, unit: false })} / against {formatOpen(BigInt(row.rejectStake), { maxDecimals: 0, unit: false })} OPEN
      </span>
      <span role="cell" className="c-date">
        {formatDate(Number(row.submittedAt))}
      </span>
    </div>
  );
}

export function ContributionList({ filter, label, height = 480 }: { filter: ContributionFilter; label: string; height?: number }) {
  const pages = useContributionPages(filter);
  const rows = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const total = pages.data?.pages[0]?.totalCount;
  const scroller = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scroller.current, estimateSize: () => ROW_HEIGHT, overscan: 8 });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= rows.length - CONTRIBUTIONS_PAGE / 4 && pages.hasNextPage && !pages.isFetchingNextPage) void pages.fetchNextPage();
  }, [last, rows.length, pages]);

  if (pages.error) return <ErrorNotice error={pages.error} />;
  if (pages.isPending) return <p className="muted">Loading contributions…</p>;
  if (rows.length === 0) return <p className="muted">No contributions yet.</p>;
  return (
    <div>
      <p className="muted small" data-testid="contribution-count">
        {total !== undefined ? `${formatCount(total)} contributions` : `${rows.length} loaded`}
        {pages.hasNextPage ? ` · ${formatCount(rows.length)} loaded, more as you scroll` : ""}
      </p>
      <div
        ref={scroller}
        className="virtual-list"
        style={{ height: Math.min(height, rows.length * ROW_HEIGHT + 2) }}
        role="table"
        aria-label={label}
        aria-rowcount={total ?? rows.length}
        tabIndex={0}
        data-testid="contribution-list"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: "relative" }}>
          {items.map((item) => (
            <div key={item.key} data-index={item.index} aria-rowindex={item.index + 1} style={{ position: "absolute", top: 0, left: 0, right: 0, height: ROW_HEIGHT, transform: `translateY(${item.start}px)` }}>
              <Row row={rows[item.index]!} showDatanet={filter.datanetId === undefined} />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
}
