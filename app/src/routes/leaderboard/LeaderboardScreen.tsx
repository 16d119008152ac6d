// Screen 5: contributors ranked overall or in one Datanet, by accepted files or accepted bytes,
// with their acceptance rate.
import { useId, useState } from "react";
import { LeaderboardTable } from "../../components/LeaderboardTable.tsx";
import { useDatanets } from "../../hooks/indexer.ts";

export default function LeaderboardScreen() {
  const datanets = useDatanets();
  const [scope, setScope] = useState("");
  const id = useId();
  return (
    <section aria-labelledby="leaderboard-title">
      <h1 id="leaderboard-title">Leaderboard</h1>
      <p className="lede">Rank is earned by accepted work only. A rejection never lowers a rank; it lowers the acceptance rate shown beside it.</p>
      <div className="field">
        <label htmlFor={id}>Scope</label>
        <select id={id} value={scope} onChange={(e) => setScope(e.target.value)}>
          <option value="">All Datanets</option>
          {(datanets.data ?? []).map((d) => (
            <option key={d.id} value={d.id}>
              Datanet #{d.id} ({d.modalityName})
            </option>
          ))}
        </select>
      </div>
      <LeaderboardTable key={scope} {...(scope ? { datanetId: Number(scope) } : {})} />
    </section>
  );
}
