// The work queue: every pending contribution in its commit window that this validator has not
// voted on, previewed after its bytes are verified against the CID; approve or reject; commit. The
// votes and salt are saved in the browser before the commit is sent (hooks/votes.ts).
import type { Address, Hex } from "viem";
import { useState } from "react";
import { Address as AddressView } from "../../components/Address.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { HexId } from "../../components/HexId.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useChainTime } from "../../hooks/chain.ts";
import { useValidatorQueue } from "../../hooks/indexer.ts";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { commitBallot } from "../../hooks/votes.ts";
import { formatBytes, formatRelative } from "../../lib/format.ts";
import type { QueueItem } from "../../lib/rows.ts";
import { ContributionPreview } from "./ContributionPreview.tsx";

type Choice = "approve" | "reject";

function QueueItemView({ item, choice, onChoose, now }: { item: QueueItem; choice: Choice | undefined; onChoose(c: Choice | undefined): void; now: number | undefined }) {
  const [open, setOpen] = useState(false);
  const name = `vote-${item.contributionId}`;
  return (
    <li className="queue-item" data-testid="queue-item" data-cid={item.cid}>
      <div className="queue-head">
        <span>
          #{item.sequence} <HexId value={item.cid} keep={8} /> · {item.format} · {formatBytes(item.size)} · by <AddressView address={item.contributor} />
        </span>
        <span className="muted small">commit window closes {now !== undefined ? formatRelative(Number(item.commitEndsAt), now) : ""}</span>
      </div>
      {item.sizeCheck === "Mismatch" ? (
        <p className="small danger" data-testid="size-mismatch">
          Declared {formatBytes(item.size)}, but {item.storedSize === null ? "the file under this CID states no size" : `the file under this CID has ${formatBytes(item.storedSize)}`} (the indexer's
          check): propose rejection.
        </p>
      ) : item.sizeCheck === "Unavailable" ? (
        <p className="small muted">The indexer could not fetch this file from IPFS; the preview tries again.</p>
      ) : null}
      <button type="button" className="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
        {open ? "Hide preview" : "Preview"}
      </button>
      {open ? <ContributionPreview datanetId={item.datanetId} digest={item.digest as Hex} /> : null}
      <fieldset className="inline-options">
        <legend className="visually-hidden">Your vote on {item.cid}</legend>
        <label className="checkbox">
          <input type="radio" name={name} checked={choice === "approve"} onChange={() => onChoose("approve")} /> Approve
        </label>
        <label className="checkbox">
          <input type="radio" name={name} checked={choice === "reject"} onChange={() => onChoose("reject")} /> Reject
        </label>
        <label className="checkbox">
          <input type="radio" name={name} checked={choice === undefined} onChange={() => onChoose(undefined)} /> Not now
        </label>
      </fieldset>
    </li>
  );
}

export function WorkQueue({ validator }: { validator: Address }) {
  const queue = useValidatorQueue(validator);
  const now = useChainTime();
  const [choices, setChoices] = useState<Record<string, Choice>>({});
  const commit = useProtocolWrite(async (args: { datanetId: number; items: QueueItem[] }, { protocol, wallet, step }) => {
    step("Saving your votes and salt in this browser…");
    const votes = args.items.map((i) => ({ digest: i.digest as Hex, approve: choices[i.contributionId] === "approve" }));
    const record = await commitBallot({ datanetId: args.datanetId, votes }, protocol, wallet);
    step("Votes saved. Committing…");
    return record;
  });
  if (queue.error) return <ErrorNotice error={queue.error} />;
  if (queue.isPending) return <p className="muted">Loading your work queue…</p>;
  const byDatanet = new Map<number, QueueItem[]>();
  for (const item of queue.data.toCommit) byDatanet.set(item.datanetId, [...(byDatanet.get(item.datanetId) ?? []), item]);
  return (
    <section className="card" aria-labelledby="queue-title">
      <h2 id="queue-title">Work queue</h2>
      {byDatanet.size === 0 ? <p className="muted">Nothing waits for your vote.</p> : null}
      {[...byDatanet.entries()].map(([datanetId, items]) => {
        const chosen = items.filter((i) => choices[i.contributionId] !== undefined);
        return (
          <div key={datanetId} className="queue-group">
            <h3>Datanet {datanetId}</h3>
            <ol className="plain-list">
              {items.map((item) => (
                <QueueItemView
                  key={item.contributionId}
                  item={item}
                  now={now}
                  choice={choices[item.contributionId]}
                  onChoose={(c) =>
                    setChoices((all) => {
                      const next = { ...all };
                      if (c) next[item.contributionId] = c;
                      else delete next[item.contributionId];
                      return next;
                    })
                  }
                />
              ))}
            </ol>
            <p className="muted small">
              Commits go in submission order: a contribution left out of this commit cannot be voted on after a later one is committed. Your votes and a random salt are stored in this
              browser before the commit is sent; export them below to keep a copy.
            </p>
            <button type="button" disabled={chosen.length === 0 || commit.isPending} onClick={() => commit.mutate({ datanetId, items: chosen })}>
              Commit {chosen.length} vote(s) in Datanet {datanetId}
            </button>
          </div>
        );
      })}
      <TxProgress write={commit} done={commit.data ? <>Committed as <HexId value={commit.data.commitment} />: reveal it when its window opens.</> : undefined} />
    </section>
  );
}
