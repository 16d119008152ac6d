// Screen 6: the model registry, with lineage drawn as a graph (parent → child) and listed as a table.
import { lazy, Suspense } from "react";
import { Link } from "react-router";
import { Amount } from "../../components/Amount.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { useModels } from "../../hooks/indexer.ts";
import { formatDate } from "../../lib/format.ts";
import { ManifestBadge } from "./ManifestBadge.tsx";

const LineageGraph = lazy(() => import("./LineageGraph.tsx"));

export default function ModelsScreen() {
  const models = useModels();
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <p className="lede">Every model registered on chain names the data it was trained on; paying for a model pays the contributors of that data.</p>
      <ErrorNotice error={models.error} />
      {models.isPending ? <p className="muted">Loading models…</p> : null}
      {models.data && models.data.length === 0 ? <p className="muted">No model is registered yet.</p> : null}
      {models.data && models.data.length > 0 ? (
        <>
          <h2>Lineage</h2>
          <Suspense fallback={<p className="muted">Drawing the lineage…</p>}>
            <LineageGraph models={models.data} />
          </Suspense>
          <h2>Registry</h2>
          <table className="table responsive" data-testid="models">
            <thead>
              <tr>
                <th scope="col">Model</th>
                <th scope="col">Parent</th>
                <th scope="col">Base · method</th>
                <th scope="col">Datanets</th>
                <th scope="col">Manifest</th>
                <th scope="col" className="num">Fees paid</th>
                <th scope="col">Registered</th>
              </tr>
            </thead>
            <tbody>
              {models.data.map((m) => (
                <tr key={m.id}>
                  <td data-label="Model">
                    <Link to={`/models/${m.id}`}>Model {m.id}</Link>
                  </td>
                  <td data-label="Parent">{m.parentId ? <Link to={`/models/${m.parentId}`}>Model {m.parentId}</Link> : "—"}</td>
                  <td data-label="Base · method">
                    {m.baseModel} · {m.methodName}
                  </td>
                  <td data-label="Datanets">{m.datanetIds.map((id) => `#${id}`).join(", ")}</td>
                  <td data-label="Manifest">
                    <ManifestBadge status={m.manifestStatus} />
                  </td>
                  <td data-label="Fees paid" className="num">
                    <Amount wei={m.feesPaid} />
                  </td>
                  <td data-label="Registered">{formatDate(Number(m.registeredAt))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </section>
  );
}
