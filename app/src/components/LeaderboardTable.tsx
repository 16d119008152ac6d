// Contributors ranked by accepted work, with the acceptance rate beside the rank (rejections never
// lower a rank, only the rate).
import { useId, useState } from "react";
import { useLeaderboard, type LeaderboardOrder } from "../hooks/indexer.ts";
import { formatBps, formatBytes, formatCount } from "../lib/format.ts";
import { Address } from "./Address.tsx";
import { Amount } from "./Amount.tsx";
import { ErrorNotice } from "./ErrorNotice.tsx";

export function LeaderboardTable({ datanetId, limit = 100 }: { datanetId?: number; limit?: number }) {
  const [order, setOrder] = useState<LeaderboardOrder>("files");
  const board = useLeaderboard(datanetId, order, limit);
  const name = useId();
  return (
    <div>
      <fieldset className="inline-options">
        <legend>Rank by</legend>
        <label className="checkbox">
          <input type="radio" name={name} checked={order === "files"} onChange={() => setOrder("files")} /> accepted files
        </label>
        <label className="checkbox">
          <input type="radio" name={name} checked={order === "bytes"} onChange={() => setOrder("bytes")} /> accepted bytes
        </label>
      </fieldset>
      <ErrorNotice error={board.error} />
      {board.isPending ? <p className="muted">Loading the leaderboard…</p> : null}
      {board.data && board.data.length === 0 ? <p className="muted">Nobody has accepted work yet.</p> : null}
      {board.data && board.data.length > 0 ? (
        <table className="table responsive" data-testid="leaderboard">
          <thead>
            <tr>
              <th scope="col" className="num">Rank</th>
              <th scope="col">Contributor</th>
              <th scope="col" className="num">Accepted files</th>
              <th scope="col" className="num">Accepted bytes</th>
              <th scope="col" className="num">Acceptance</th>
              <th scope="col" className="num">Earned</th>
            </tr>
          </thead>
          <tbody>
            {board.data.map((row) => (
              <tr key={row.address}>
                <td data-label="Rank" className="num">
                  {row.rank}
                </td>
                <td data-label="Contributor">
                  <Address address={row.address} />
                </td>
                <td data-label="Accepted files" className="num">
                  {formatCount(row.accepted)}
                </td>
                <td data-label="Accepted bytes" className="num">
                  {formatBytes(BigInt(row.acceptedBytes))}
                </td>
                <td data-label="Acceptance" className="num">
                  {formatBps(row.acceptanceRateBps)}
                </td>
                <td data-label="Earned" className="num">
                  <Amount wei={row.earned} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
