// Contributions whose review is over but still pending: anyone may finalise them (batches of 256).
import { finalizeContributions } from "@openledger/sdk";
import type { Hex } from "viem";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useChainTime } from "../../hooks/chain.ts";
import { useDueForFinalisation } from "../../hooks/indexer.ts";
import { useProtocolWrite } from "../../hooks/useWrite.ts";

export function FinalisePanel() {
  const now = useChainTime();
  const due = useDueForFinalisation(now);
  const finalise = useProtocolWrite(async (args: { datanetId: number; digests: Hex[] }, { protocol, wallet }) =>
    finalizeContributions(wallet, { contracts: protocol.contracts, datanetId: args.datanetId, digests: args.digests }),
  );
  const byDatanet = new Map<number, Hex[]>();
  for (const c of due.data ?? []) byDatanet.set(c.datanetId, [...(byDatanet.get(c.datanetId) ?? []), c.digest as Hex]);
  return (
    <section className="card" aria-labelledby="finalise-title">
      <h2 id="finalise-title">Finalise</h2>
      <ErrorNotice error={due.error} />
      {due.data && byDatanet.size === 0 ? <p className="muted">Nothing is due for finalisation.</p> : null}
      {[...byDatanet.entries()].map(([datanetId, digests]) => (
        <div key={datanetId} className="inline-form">
          <p>
            Datanet {datanetId}: {digests.length} contribution(s) whose review is over.
          </p>
          <button type="button" disabled={finalise.isPending} onClick={() => finalise.mutate({ datanetId, digests: digests.slice(0, 256) })}>
            Finalise {Math.min(digests.length, 256)} in Datanet {datanetId}
          </button>
        </div>
      ))}
      <TxProgress
        write={finalise}
        done={
          finalise.data
            ? `Finalised: ${["accepted", "rejected", "expired"].map((s) => `${finalise.data.result.filter((f) => f.status === s).length} ${s}`).join(", ")}.`
            : undefined
        }
      />
    </section>
  );
}
