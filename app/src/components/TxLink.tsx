// Every transaction the app shows links its hash to the transaction page (receipt, events).
import { Link } from "react-router";
import { shortHex } from "../lib/format.ts";

export function TxLink({ hash }: { hash: string }) {
  return (
    <Link to={`/tx/${hash}`} className="tx-link" title={hash}>
      tx <code>{shortHex(hash)}</code>
    </Link>
  );
}
