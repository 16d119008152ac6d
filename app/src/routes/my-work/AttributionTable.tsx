// Attribution per model: the leaves of each model's manifest that name this contributor, what is
// claimable now (read from the chain with the leaf from the manifest), and a claim button.
import { claimAttribution, getClaimableAttribution } from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import type { Address, Hex } from "viem";
import { Amount } from "../../components/Amount.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { HexId } from "../../components/HexId.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useMyLeaves } from "../../hooks/indexer.ts";
import { useManifest } from "../../hooks/ipfs.ts";
import { keys } from "../../hooks/keys.ts";
import { useProtocol, useReadClient } from "../../hooks/protocol.tsx";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import type { LeafRow, ModelRow } from "../../lib/rows.ts";

export function LeafClaim({ model, leaf }: { model: Pick<ModelRow, "id" | "manifestCid">; leaf: Pick<LeafRow, "contributionId" | "weight" | "claimed" | "check"> }) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  const manifest = useManifest(model.manifestCid);
  const claimable = useQuery({
    queryKey: keys.chain("attribution", model.id, leaf.contributionId),
    queryFn: () => getClaimableAttribution(client, { contracts, modelId: BigInt(model.id), manifest: manifest.data!, contributionId: leaf.contributionId as Hex }),
    enabled: !!manifest.data,
  });
  const claim = useProtocolWrite(async (_: void, { protocol, wallet }) =>
    claimAttribution(wallet, { contracts: protocol.contracts, modelId: BigInt(model.id), manifest: manifest.data!, contributionId: leaf.contributionId as Hex }),
  );
  return (
    <>
      <td data-label="Claimable" className="num" data-testid="attribution-claimable">
        {manifest.error ? <ErrorNotice error={manifest.error} /> : <Amount wei={claimable.data} />}
      </td>
      <td data-label="">
        <button type="button" disabled={!claimable.data || claim.isPending} onClick={() => claim.mutate()}>
          Claim
        </button>
        <TxProgress write={claim} />
      </td>
    </>
  );
}

export function AttributionTable({ contributor }: { contributor: Address }) {
  const leaves = useMyLeaves(contributor);
  if (leaves.error) return <ErrorNotice error={leaves.error} />;
  if (leaves.isPending) return <p className="muted">Loading…</p>;
  if (leaves.data.length === 0) return <p className="muted">No registered model lists your files yet.</p>;
  return (
    <table className="table responsive" data-testid="attribution">
      <thead>
        <tr>
          <th scope="col">Model</th>
          <th scope="col">Contribution</th>
          <th scope="col" className="num" title="A leaf weighs its contribution's accepted size: the protocol's attribution rule">Weight (bytes)</th>
          <th scope="col" className="num">Claimed</th>
          <th scope="col" className="num">Claimable</th>
          <th scope="col">
            <span className="visually-hidden">Action</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {leaves.data.map((leaf) => (
          <tr key={`${leaf.modelId}-${leaf.contributionId}`}>
            <td data-label="Model">
              <Link to={`/models/${leaf.modelId}`}>Model {leaf.modelId}</Link>
            </td>
            <td data-label="Contribution">
              <HexId value={leaf.contributionId} />
            </td>
            <td data-label="Weight" className="num">
              {BigInt(leaf.weight).toLocaleString("en-US")} of {BigInt(leaf.model.totalWeight).toLocaleString("en-US")}
            </td>
            <td data-label="Claimed" className="num">
              <Amount wei={leaf.claimed} />
            </td>
            <LeafClaim model={leaf.model} leaf={leaf} />
          </tr>
        ))}
      </tbody>
    </table>
  );
}
