// A model: what it was trained from (base, method, Datanets, the dataset manifest's contributors
// and weights, and whether the indexer verified them), its lineage, paying for it, claiming your
// attribution, and chat.
import { LEAF_FAULT_TEXT, LeafFault, payForModel } from "@openledger/sdk";
import { lazy, Suspense, useId, useState } from "react";
import { Link, useParams } from "react-router";
import { Address } from "../../components/Address.tsx";
import { Amount } from "../../components/Amount.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { HexId } from "../../components/HexId.tsx";
import { TxLink } from "../../components/TxLink.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useChainTime } from "../../hooks/chain.ts";
import { useModelLeaves, useModels } from "../../hooks/indexer.ts";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { useWallet } from "../../hooks/wallet.ts";
import { formatDate, formatOpen, formatRelative, parseOpen, sameAddress } from "../../lib/format.ts";
import type { ModelRow } from "../../lib/rows.ts";
import { LeafClaim } from "../my-work/AttributionTable.tsx";
import { ChatPanel } from "./ChatPanel.tsx";
import { ManifestBadge } from "./ManifestBadge.tsx";

const LineageGraph = lazy(() => import("./LineageGraph.tsx"));

/** The model's family: its ancestors and its descendants. */
function familyOf(models: ModelRow[], id: string): ModelRow[] {
  const byId = new Map(models.map((m) => [m.id, m]));
  const family = new Set<string>([id]);
  for (let m = byId.get(id); m?.parentId && !family.has(m.parentId); m = byId.get(m.parentId)) family.add(m.parentId);
  let grew = true;
  while (grew) {
    grew = false;
    for (const m of models) if (m.parentId && family.has(m.parentId) && !family.has(m.id)) family.add(m.id), (grew = true);
  }
  return models.filter((m) => family.has(m.id));
}

/** What a proven challenge found, in words: "leaf 0x12…ab is not weighed by its contribution's size". */
function ChallengeFinding({ model }: { model: ModelRow }) {
  const fault = LeafFault[model.challengeFault as keyof typeof LeafFault] ?? LeafFault.None;
  return (
    <>
      leaf {model.challengedContribution ? <HexId value={model.challengedContribution} /> : "?"} {LEAF_FAULT_TEXT[fault]}
    </>
  );
}

/**
 * Paying for a model. Payments open when the model's challenge window closes (so that a model whose
 * manifest is proven wrong never takes a fee); a model proven wrong takes none at all.
 */
function PayForm({ model }: { model: ModelRow }) {
  const [amount, setAmount] = useState("100");
  const id = useId();
  const now = useChainTime();
  const pay = useProtocolWrite(async (value: string, { protocol, wallet }) => payForModel(wallet, { contracts: protocol.contracts, modelId: BigInt(model.id), amount: parseOpen(value) }));
  if (model.invalid) {
    return (
      <p className="notice notice-error" data-testid="model-invalid" data-contribution={model.challengedContribution ?? ""}>
        This model takes no payments: a challenge proved that <ChallengeFinding model={model} />.
      </p>
    );
  }
  const opensAt = Number(model.challengeEndsAt);
  const waiting = now === undefined || now < opensAt;
  return (
    <form
      className="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        pay.mutate(amount);
      }}
    >
      <div className="field">
        <label htmlFor={id}>Pay for this model (OPEN)</label>
        <input id={id} inputMode="decimal" value={amount} onChange={(e) => setAmount(e.target.value)} />
      </div>
      <button type="submit" disabled={pay.isPending || waiting}>
        Pay
      </button>
      {waiting ? (
        <p className="muted small" data-testid="payments-open">
          Payments open {formatDate(opensAt)}
          {now !== undefined ? ` (${formatRelative(opensAt, now)})` : ""}, when the model's challenge window closes: until then anyone can prove a leaf of its manifest wrong and take half the trainer's bond.
        </p>
      ) : null}
      <TxProgress
        write={pay}
        done={pay.data ? `Paid: ${formatOpen(pay.data.result.trainerShare)} to the trainer, ${formatOpen(pay.data.result.protocolShare)} to the protocol, ${formatOpen(pay.data.result.contributorsShare)} to the contributors.` : undefined}
      />
    </form>
  );
}

export default function ModelPage() {
  const { id } = useParams();
  const models = useModels();
  const leaves = useModelLeaves(id, models.data?.find((m) => m.id === id)?.manifestStatus);
  const wallet = useWallet();
  if (models.error) return <ErrorNotice error={models.error} />;
  if (models.isPending) return <p className="muted">Loading model {id}…</p>;
  const model = models.data.find((m) => m.id === id);
  if (!model) return <p className="notice">No model {id} is registered (or the indexer has not seen it yet).</p>;
  const family = familyOf(models.data, model.id);
  const mine = (leaves.data ?? []).filter((l) => sameAddress(l.contributor, wallet.address));
  return (
    <section aria-labelledby="model-title">
      <p>
        <Link to="/models">← Models</Link>
      </p>
      <h1 id="model-title">
        Model {model.id} <ManifestBadge status={model.manifestStatus} />
        {model.invalid ? <span className="badge status-rejected" title="A challenge proved a leaf of its manifest wrong: it takes no fees">invalid</span> : null}
      </h1>
      <dl className="facts">
        <div>
          <dt>Base model</dt>
          <dd>{model.baseModel}</dd>
        </div>
        <div>
          <dt>Method</dt>
          <dd>{model.methodName}</dd>
        </div>
        <div>
          <dt>Parent</dt>
          <dd>{model.parentId ? <Link to={`/models/${model.parentId}`}>Model {model.parentId}</Link> : "none"}</dd>
        </div>
        <div>
          <dt>Trainer</dt>
          <dd>
            <Address address={model.trainer} />
          </dd>
        </div>
        <div>
          <dt>Datanets</dt>
          <dd>
            {model.datanetIds.map((d) => (
              <Link key={d} to={`/datanets/${d}`}>
                #{d}{" "}
              </Link>
            ))}
          </dd>
        </div>
        <div>
          <dt>Artifact</dt>
          <dd>
            <HexId value={model.artifactCid} />
          </dd>
        </div>
        <div>
          <dt>Dataset root</dt>
          <dd>
            <HexId value={model.datasetRoot} />
          </dd>
        </div>
        <div>
          <dt>Manifest</dt>
          <dd>
            <HexId value={model.manifestCid} /> · {model.manifestLeafCount ?? "?"} leaves, total weight {BigInt(model.totalWeight).toLocaleString("en-US")}
          </dd>
        </div>
        <div>
          <dt>Bond</dt>
          <dd data-testid="model-bond">
            {model.invalid ? "forfeited: half to the challenger, half to the treasury" : BigInt(model.bond) > 0n ? <><Amount wei={model.bond} /> at stake until {formatDate(Number(model.challengeEndsAt))}</> : "released to the trainer"}
          </dd>
        </div>
        <div>
          <dt>Fees</dt>
          <dd>
            <Amount wei={model.feesPaid} /> paid ({model.paymentCount} {model.paymentCount === 1 ? "payment" : "payments"}); <Amount wei={model.contributorFees} /> to contributors, <Amount wei={model.attributionClaimed} /> claimed
          </dd>
        </div>
        <div>
          <dt>Registered</dt>
          <dd>
            {formatDate(Number(model.registeredAt))} · <TxLink hash={model.transactionHash} />
          </dd>
        </div>
      </dl>
      {model.manifestIssues.length > 0 ? (
        <div className="notice notice-error">
          <strong>The indexer flagged this manifest</strong>
          <ul>
            {model.manifestIssues.map((i) => (
              <li key={i}>{i}</li>
            ))}
          </ul>
        </div>
      ) : null}
      {family.length > 1 ? (
        <>
          <h2>Lineage</h2>
          <Suspense fallback={<p className="muted">Drawing the lineage…</p>}>
            <LineageGraph models={family} height={260} />
          </Suspense>
        </>
      ) : null}
      {wallet.ready ? <PayForm model={model} /> : <p className="muted">Connect a wallet to pay for this model or claim attribution.</p>}
      {mine.length > 0 ? (
        <section className="card" aria-labelledby="yours-title">
          <h2 id="yours-title">Your attribution</h2>
          <table className="table responsive" data-testid="my-attribution">
            <thead>
              <tr>
                <th scope="col">Contribution</th>
                <th scope="col" className="num" title="A leaf weighs its contribution's accepted size: the protocol's attribution rule">Weight (bytes)</th>
                <th scope="col" className="num">Claimable</th>
                <th scope="col">
                  <span className="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {mine.map((leaf) => (
                <tr key={leaf.contributionId}>
                  <td data-label="Contribution">
                    <HexId value={leaf.contributionId} />
                  </td>
                  <td data-label="Weight" className="num">
                    {BigInt(leaf.weight).toLocaleString("en-US")}
                  </td>
                  <LeafClaim model={model} leaf={leaf} />
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
      <ChatPanel model={`openledger:${model.id}`} title={`Chat with model ${model.id}`} />
      <h2>Dataset manifest</h2>
      <ErrorNotice error={leaves.error} />
      {leaves.data ? (
        <table className="table responsive" data-testid="manifest-leaves">
          <thead>
            <tr>
              <th scope="col">Contributor</th>
              <th scope="col">Contribution</th>
              <th scope="col" className="num" title="A leaf weighs its contribution's accepted size: the protocol's attribution rule">Weight (bytes)</th>
              <th scope="col">Check</th>
              <th scope="col" className="num">Claimed</th>
            </tr>
          </thead>
          <tbody>
            {leaves.data.map((leaf) => (
              <tr key={leaf.contributionId}>
                <td data-label="Contributor">
                  <Address address={leaf.contributor} />
                </td>
                <td data-label="Contribution">
                  <HexId value={leaf.contributionId} />
                </td>
                <td data-label="Weight" className="num">
                  {BigInt(leaf.weight).toLocaleString("en-US")} ({((Number(leaf.weight) / Number(model.totalWeight)) * 100).toFixed(1)} %)
                </td>
                <td data-label="Check">{leaf.check === "ok" ? <span className="badge status-accepted">accepted contribution</span> : <span className="badge status-rejected">{leaf.check}</span>}</td>
                <td data-label="Claimed" className="num">
                  <Amount wei={leaf.claimed} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}
