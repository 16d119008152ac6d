// The votes this browser keeps: reveal when the window opens (a countdown until then), credit the
// validator rewards once the contributions are final, and export or import vote files in the CLI's
// format (a vote committed here can be revealed by `openledger validator reveal`, and the other
// way round). Records are never deleted.
import { claimRewards } from "@openledger/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { Address } from "viem";
import { Amount } from "../../components/Amount.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { HexId } from "../../components/HexId.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useChainTime, useRewardsAccount } from "../../hooks/chain.ts";
import { useProtocol } from "../../hooks/protocol.tsx";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { creditValidatorRewards, revealStored, useRevealStatus, useStoredVotes } from "../../hooks/votes.ts";
import { formatDate, formatDuration } from "../../lib/format.ts";
import { parseVoteFile, voteFileName, voteFileText, type StoredVotes } from "../../lib/vote-store.ts";

function download(votes: StoredVotes): void {
  const url = URL.createObjectURL(new Blob([voteFileText(votes)], { type: "application/json" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = voteFileName(votes);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}

function StoredVotesRow({ votes, now }: { votes: StoredVotes; now: number | undefined }) {
  const status = useRevealStatus(votes);
  const reveal = useProtocolWrite(async (_: void, { protocol, wallet }) => revealStored(votes, protocol, wallet));
  const credit = useProtocolWrite(async (_: void, { protocol, wallet }) => creditValidatorRewards(votes, protocol, wallet));
  const s = status.data;
  let action: React.ReactNode = null;
  if (s && now !== undefined) {
    if (s.onchain === "committed" && now < s.opensAt) action = <span data-testid="reveal-countdown">reveal opens in {formatDuration(s.opensAt - now)} ({formatDate(s.opensAt)})</span>;
    else if (s.onchain === "committed" && now < s.closesAt)
      action = (
        <button type="button" disabled={reveal.isPending} onClick={() => reveal.mutate()}>
          Reveal {votes.digests.length} vote(s)
        </button>
      );
    else if (s.onchain === "committed") action = <strong className="danger">the reveal window closed at {formatDate(s.closesAt)}: this commitment can be slashed</strong>;
    else if (s.onchain === "revealed" && s.final && !s.rewardsClaimed)
      action = (
        <button type="button" className="secondary" disabled={credit.isPending} onClick={() => credit.mutate()}>
          Credit validator rewards
        </button>
      );
    else if (s.onchain === "revealed") action = <span className="muted">{s.rewardsClaimed ? "rewards credited" : "revealed; waiting for finalisation"}</span>;
    else if (s.onchain === "none") action = <span className="muted">not on chain (the commit was not sent or failed)</span>;
    else action = <span className="danger">slashed</span>;
  }
  return (
    <tr data-testid="stored-votes" data-commitment={votes.commitment}>
      <td data-label="Commitment">
        <HexId value={votes.commitment} />
      </td>
      <td data-label="Datanet">{votes.datanetId}</td>
      <td data-label="Votes">
        {votes.approvals.filter(Boolean).length} approve, {votes.approvals.filter((a) => !a).length} reject
      </td>
      <td data-label="State">{s?.onchain ?? votes.state}</td>
      <td data-label="Next">
        {action}
        <TxProgress write={reveal} />
        <TxProgress write={credit} />
        <ErrorNotice error={status.error} />
      </td>
      <td data-label="Vote file">
        <button type="button" className="link-button" onClick={() => download(votes)}>
          Export
        </button>
      </td>
    </tr>
  );
}

export function RevealPanel({ validator }: { validator: Address }) {
  const stored = useStoredVotes(validator);
  const now = useChainTime();
  const { votes: store } = useProtocol();
  const queryClient = useQueryClient();
  const account = useRewardsAccount(validator);
  const [importReport, setImportReport] = useState<string[]>([]);
  const [importError, setImportError] = useState<unknown>();
  const payOut = useProtocolWrite(async (_: void, { protocol, wallet }) => claimRewards(wallet, { contracts: protocol.contracts }));

  const importFiles = async (files: FileList | null) => {
    setImportError(undefined);
    const lines: string[] = [];
    try {
      for (const file of [...(files ?? [])]) {
        const votes = parseVoteFile(await file.text(), file.name);
        const result = await store.import(votes);
        lines.push(
          `${file.name}: ${result === "added" ? "added" : result === "updated" ? "updated" : result === "unchanged" ? "already kept" : "conflicts with the votes kept for this commitment (kept unchanged)"}`,
        );
      }
    } catch (error) {
      setImportError(error);
    }
    setImportReport(lines);
    void queryClient.invalidateQueries({ queryKey: ["chain", "stored-votes"] });
  };

  return (
    <section className="card" aria-labelledby="reveal-title">
      <h2 id="reveal-title">Your votes</h2>
      <p className="muted small">
        Kept in this browser (never deleted). Each file is the same JSON the command line keeps in <code>~/.openledger/votes/&lt;chain&gt;/</code>: put an exported file there and{" "}
        <code>openledger validator reveal</code> reveals it; import a CLI file here to reveal it in the page.
      </p>
      <ErrorNotice error={stored.error} />
      {stored.data && stored.data.length > 0 ? (
        <table className="table responsive" data-testid="votes-table">
          <thead>
            <tr>
              <th scope="col">Commitment</th>
              <th scope="col">Datanet</th>
              <th scope="col">Votes</th>
              <th scope="col">State</th>
              <th scope="col">Next</th>
              <th scope="col">Vote file</th>
            </tr>
          </thead>
          <tbody>
            {stored.data.map((v) => (
              <StoredVotesRow key={v.commitment} votes={v} now={now} />
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">No votes kept in this browser yet.</p>
      )}
      <div className="actions">
        <label className="button secondary file-button">
          Import vote files
          <input type="file" accept=".json,application/json" multiple className="visually-hidden" data-testid="import-votes" onChange={(e) => void importFiles(e.target.files).then(() => (e.target.value = ""))} />
        </label>
      </div>
      {importReport.length > 0 ? (
        <ul className="plain-list" role="status">
          {importReport.map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      ) : null}
      <ErrorNotice error={importError} />
      <div className="inline-form">
        <p>
          Credited to you and claimable: <Amount wei={account.data?.claimable} />
        </p>
        <button type="button" className="secondary" disabled={!account.data?.claimable || payOut.isPending} onClick={() => payOut.mutate()}>
          Claim to your wallet
        </button>
        <TxProgress write={payOut} />
      </div>
    </section>
  );
}
