// Where a write stands: waiting for the wallet, each transaction sent (linked by its hash), done,
// or the decoded reason it failed.
import type { Hex } from "viem";
import { ErrorNotice } from "./ErrorNotice.tsx";
import { TxLink } from "./TxLink.tsx";

export function TxProgress({ write, done }: { write: { isPending: boolean; isSuccess: boolean; error: unknown; hashes: Hex[]; step?: string | undefined; reset?: () => void }; done?: React.ReactNode }) {
  if (!write.isPending && !write.isSuccess && !write.error) return null;
  return (
    <div className="tx-progress" role="status" aria-live="polite">
      {write.isPending ? <p>{write.step ?? (write.hashes.length === 0 ? "Waiting for your wallet…" : "Waiting for the transaction to be mined…")}</p> : null}
      {write.hashes.length > 0 ? (
        <ul className="plain-list">
          {write.hashes.map((h) => (
            <li key={h}>
              <TxLink hash={h} />
            </li>
          ))}
        </ul>
      ) : null}
      {write.isSuccess ? <div className="notice notice-ok">{done ?? "Done."}</div> : null}
      {write.error ? <ErrorNotice error={write.error} {...(write.reset ? { onDismiss: write.reset } : {})} /> : null}
    </div>
  );
}
