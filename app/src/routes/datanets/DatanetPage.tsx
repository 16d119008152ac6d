// A Datanet: what it collects, its settings and pool (from the chain), its contributions (paged,
// virtualised), its leaderboard and the models trained on it; the owner's controls; funding.
import { useState } from "react";
import { Link, useLocation, useParams } from "react-router";
import { Address } from "../../components/Address.tsx";
import { Amount } from "../../components/Amount.tsx";
import { ContributionList } from "../../components/ContributionList.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { LeaderboardTable } from "../../components/LeaderboardTable.tsx";
import { TxLink } from "../../components/TxLink.tsx";
import { useDatanetOnChain, useProtocolLimits } from "../../hooks/chain.ts";
import { useDatanetRow, useModelsOfDatanet } from "../../hooks/indexer.ts";
import { useDatanetMetadata } from "../../hooks/ipfs.ts";
import { useWallet } from "../../hooks/wallet.ts";
import { formatBps, formatBytes, formatCount, formatDuration, sameAddress } from "../../lib/format.ts";
import { acceptanceBps } from "./DatanetsScreen.tsx";
import { formatName, formatsOfMask, modalityName } from "./metadata.ts";
import { FundForm, OwnerPanel } from "./OwnerPanel.tsx";

type Tab = "contributions" | "leaderboard" | "models";

function ModelsOf({ datanetId }: { datanetId: number }) {
  const models = useModelsOfDatanet(datanetId);
  if (models.error) return <ErrorNotice error={models.error} />;
  if (models.isPending) return <p className="muted">Loading models…</p>;
  if (models.data.length === 0) return <p className="muted">No model has been trained on this Datanet yet.</p>;
  return (
    <ul className="plain-list">
      {models.data.map((m) => (
        <li key={m.id}>
          <Link to={`/models/${m.id}`}>Model {m.id}</Link> · {m.baseModel} · {m.methodName}
          {m.parentId ? ` · child of model ${m.parentId}` : ""} · manifest {m.manifestStatus.toLowerCase()}
        </li>
      ))}
    </ul>
  );
}

export default function DatanetPage() {
  const id = Number(useParams().id);
  const valid = Number.isSafeInteger(id) && id > 0;
  const location = useLocation();
  const created = (location.state as { created?: string } | null)?.created;
  const onChain = useDatanetOnChain(valid ? id : undefined);
  const row = useDatanetRow(valid ? id : undefined);
  const limits = useProtocolLimits();
  const metadata = useDatanetMetadata(onChain.data?.metadataCid.toString());
  const wallet = useWallet();
  const [tab, setTab] = useState<Tab>("contributions");
  if (!valid) return <p className="notice">“{useParams().id}” is not a Datanet id.</p>;
  if (onChain.error) return <ErrorNotice error={onChain.error} />;
  if (!onChain.data) return <p className="muted">Loading Datanet {id}…</p>;
  const d = onChain.data;
  const isOwner = sameAddress(wallet.address, d.owner);
  const r = row.data;
  return (
    <section aria-labelledby="datanet-title">
      <p>
        <Link to="/">← Datanets</Link>
      </p>
      {created ? (
        <p className="notice notice-ok">
          Created. <TxLink hash={created} />
        </p>
      ) : null}
      <div className="page-head">
        <h1 id="datanet-title">
          #{d.id} {metadata.data?.name || "Datanet"}
        </h1>
        {!d.paused ? (
          <Link className="button" to={`/contribute/${d.id}`}>
            Contribute files
          </Link>
        ) : (
          <span className="badge badge-warn">paused: not taking submissions</span>
        )}
      </div>
      {metadata.data?.description ? <p className="lede">{metadata.data.description}</p> : null}
      <dl className="facts">
        <div>
          <dt>Modality</dt>
          <dd>{modalityName(d.modality)}</dd>
        </div>
        <div>
          <dt>Formats</dt>
          <dd>{formatsOfMask(d.formats).map(formatName).join(", ")}</dd>
        </div>
        <div>
          <dt>License</dt>
          <dd>{metadata.data?.license || "—"}</dd>
        </div>
        <div>
          <dt>Owner</dt>
          <dd>
            <Address address={d.owner} />
          </dd>
        </div>
        <div>
          <dt>Pool</dt>
          <dd>
            <Amount wei={d.pool} />
            {r && BigInt(r.pendingRewards) > 0n ? <PendingRewards pool={d.pool} pending={BigInt(r.pendingRewards)} /> : null}
          </dd>
        </div>
        <div>
          <dt>Reward / file</dt>
          <dd>
            <Amount wei={d.limits.reward} />
          </dd>
        </div>
        <div>
          <dt>Validator reward / file</dt>
          <dd>
            <Amount wei={d.limits.validatorReward} />
          </dd>
        </div>
        <div>
          <dt>Deposit</dt>
          <dd>
            <Amount wei={d.limits.deposit} />
          </dd>
        </div>
        <div>
          <dt>Max file size</dt>
          <dd>{formatBytes(Math.min(d.limits.maxFileSize || Infinity, limits.data?.maxFileSize ?? Infinity))}</dd>
        </div>
        <div>
          <dt>Per day</dt>
          <dd>
            {formatCount(d.limits.dailyFiles || limits.data?.dailyFiles || 0)} files, {formatBytes(d.limits.dailyBytes || limits.data?.dailyBytes || 0)}
          </dd>
        </div>
        <div>
          <dt>Review</dt>
          <dd>
            commit {formatDuration(d.rules.commitWindow)}, reveal {formatDuration(d.rules.revealWindow)}; quorum <Amount wei={d.rules.quorum} />, approval {formatBps(d.rules.thresholdBps)}, at least {d.rules.minValidators} validator{d.rules.minValidators === 1 ? "" : "s"}
          </dd>
        </div>
        {r ? (
          <div>
            <dt>Work</dt>
            <dd>
              {formatCount(r.acceptedCount)} accepted, {formatCount(r.rejectedCount)} rejected, {formatCount(r.pendingCount)} pending · acceptance {formatBps(acceptanceBps(r.acceptedCount, r.rejectedCount))} · {formatCount(r.contributorCount)} contributors
            </dd>
          </div>
        ) : null}
      </dl>
      <FundForm datanetId={d.id} />
      {isOwner ? <OwnerPanel datanet={d} /> : null}
      <div className="tabs" role="tablist" aria-label="Datanet views">
        {(["contributions", "leaderboard", "models"] as const).map((t) => (
          <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={tab === t} aria-controls={`panel-${t}`} className={tab === t ? "tab active" : "tab"} onClick={() => setTab(t)}>
            {t === "contributions" ? "Contributions" : t === "leaderboard" ? "Leaderboard" : "Models"}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`}>
        {tab === "contributions" ? <ContributionList filter={{ datanetId: d.id }} label={`Contributions to Datanet ${d.id}`} /> : null}
        {tab === "leaderboard" ? <LeaderboardTable datanetId={d.id} /> : null}
        {tab === "models" ? <ModelsOf datanetId={d.id} /> : null}
      </div>
    </section>
  );
}

/**
 * Nothing is reserved at submission: the pool pays rewards when files are accepted. This shows what
 * the files under review could take, and warns when the pool would not cover them all (the files
 * finalised last would expire unfunded, their deposits refunded).
 */
function PendingRewards({ pool, pending }: { pool: bigint; pending: bigint }) {
  return (
    <span className="small" data-testid="pending-rewards">
      <br />
      <span className="muted">
        files under review could take <Amount wei={pending} />
      </span>
      {pending > pool ? (
        <>
          {" "}
          <span className="badge badge-warn" title="Files accepted after the pool runs dry expire unfunded: their deposits are refunded and they can be submitted again.">
            short by <Amount wei={pending - pool} />
          </span>
        </>
      ) : null}
    </span>
  );
}
