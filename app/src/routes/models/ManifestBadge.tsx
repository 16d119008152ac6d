// Whether the indexer verified a model's dataset manifest against the chain.
import type { ModelRow } from "../../lib/rows.ts";

const TEXT: Record<ModelRow["manifestStatus"], string> = {
  Valid: "verified by the indexer",
  Flagged: "flagged by the indexer",
  Unavailable: "manifest unavailable",
  Unchecked: "not checked",
};

export function ManifestBadge({ status }: { status: ModelRow["manifestStatus"] }) {
  const tone = status === "Valid" ? "status-accepted" : status === "Flagged" ? "status-rejected" : "status-pending";
  return <span className={`badge ${tone}`}>{TEXT[status]}</span>;
}
