// A transaction the app sent or shows: its receipt (status, block, gas) and the protocol events it
// emitted, read from the chain. The local chain has no block explorer; this page is the app's.
import { useQuery } from "@tanstack/react-query";
import { useParams } from "react-router";
import type { Hex } from "viem";
import { Address } from "../../components/Address.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { HexId } from "../../components/HexId.tsx";
import { keys } from "../../hooks/keys.ts";
import { useProtocol, useReadClient } from "../../hooks/protocol.tsx";
import { formatDate } from "../../lib/format.ts";

export default function TransactionPage() {
  const hash = useParams().hash as Hex;
  const client = useReadClient();
  const { contracts } = useProtocol();
  const receipt = useQuery({
    queryKey: keys.chain("receipt", hash),
    queryFn: async () => {
      const r = (await client.request({ method: "eth_getTransactionReceipt", params: [hash] })) as { status: Hex; blockNumber: Hex; from: string; to: string | null; gasUsed: Hex; logs: { address: string }[] } | null;
      if (!r) return null;
      const block = (await client.request({ method: "eth_getBlockByNumber", params: [r.blockNumber, false] })) as { timestamp: Hex };
      return { ...r, timestamp: Number(block.timestamp) };
    },
    enabled: /^0x[0-9a-fA-F]{64}$/.test(hash),
  });
  const nameOf = (address: string | null) => Object.entries(contracts).find(([, a]) => a.toLowerCase() === address?.toLowerCase())?.[0];
  return (
    <section aria-labelledby="tx-title">
      <h1 id="tx-title">Transaction</h1>
      <p>
        <HexId value={hash} keep={12} />
      </p>
      <ErrorNotice error={receipt.error} />
      {receipt.data === null ? <p className="notice">The chain has no receipt for this transaction (not mined, or from another chain).</p> : null}
      {receipt.data ? (
        <dl className="facts">
          <div>
            <dt>Status</dt>
            <dd>{receipt.data.status === "0x1" ? <span className="badge status-accepted">succeeded</span> : <span className="badge status-rejected">reverted</span>}</dd>
          </div>
          <div>
            <dt>Block</dt>
            <dd>
              {Number(receipt.data.blockNumber)} · {formatDate(receipt.data.timestamp)}
            </dd>
          </div>
          <div>
            <dt>From</dt>
            <dd>
              <Address address={receipt.data.from} />
            </dd>
          </div>
          <div>
            <dt>To</dt>
            <dd>{receipt.data.to ? <>{nameOf(receipt.data.to) ?? ""} <Address address={receipt.data.to} /></> : "contract creation"}</dd>
          </div>
          <div>
            <dt>Gas used</dt>
            <dd>{Number(receipt.data.gasUsed).toLocaleString("en-US")}</dd>
          </div>
          <div>
            <dt>Events</dt>
            <dd>{receipt.data.logs.map((l) => nameOf(l.address) ?? "other").join(", ") || "none"}</dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}
