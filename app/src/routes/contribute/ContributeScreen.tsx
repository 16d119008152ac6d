// Screen 2: contribute files. Every dropped file is checked in the page with the SDK's checks (from
// its bytes and the chain's state) before anything is uploaded; a refused file shows its rule and
// numbers and is never sent to IPFS. Files are read through `blobSource`: one at a time, an empty or
// over-cap file never, and the upload streams them again, so a large drop is never held in memory. Then the deposit and rewards are shown, and on "Submit" the SDK
// uploads the accepted files (progress per file) and submits them in one transaction.
import { blobSource, checkFiles, contribute, type ByteSource, type ContributeResult } from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import { useId, useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { Amount } from "../../components/Amount.tsx";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { HexId } from "../../components/HexId.tsx";
import { RequireWallet } from "../../components/RequireWallet.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useChainTime, useDatanetOnChain, useDatanetsOnChain, useProtocolLimits, useQuota } from "../../hooks/chain.ts";
import { useDatanets } from "../../hooks/indexer.ts";
import { useProtocol, useReadClient } from "../../hooks/protocol.tsx";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { useWallet } from "../../hooks/wallet.ts";
import { LOCAL_CHAIN_ID } from "../../config/app-config.ts";
import { filesOfDrop, filesOfInput, type PickedFile } from "../../lib/dropped-files.ts";
import { formatBytes, formatCount } from "../../lib/format.ts";
import { ServiceDownError } from "../../lib/services.ts";
import { formatName, modalityName } from "../datanets/metadata.ts";
import { QuotaMeter } from "./QuotaMeter.tsx";

type FileState = "ready" | "uploading" | "uploaded" | "submitted";

function DatanetPicker({ current }: { current: number | undefined }) {
  const indexed = useDatanets();
  const onChain = useDatanetsOnChain(indexed.error instanceof ServiceDownError);
  const navigate = useNavigate();
  const id = useId();
  const options = indexed.data?.map((d) => ({ id: d.id, label: `#${d.id} · ${d.modalityName} · ${d.formatNames.join(", ")}${d.paused ? " (paused)" : ""}` })) ??
    onChain.data?.map((d) => ({ id: d.id, label: `#${d.id} · ${modalityName(d.modality)}${d.paused ? " (paused)" : ""}` })) ??
    [];
  return (
    <div className="field">
      <label htmlFor={id}>Datanet</label>
      <select id={id} value={current ?? ""} onChange={(e) => navigate(`/contribute/${e.target.value}`)}>
        <option value="" disabled>
          Choose a Datanet…
        </option>
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}

function useFileCheck(datanetId: number | undefined, picked: PickedFile[], version: number) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  const wallet = useWallet();
  return useQuery({
    queryKey: ["chain", "check", datanetId, wallet.address, version],
    queryFn: () => checkFiles(client, { contracts, datanetId: datanetId!, account: wallet.address!, files: picked.map((p) => blobSource(p.file, p.name)) }),
    enabled: datanetId !== undefined && picked.length > 0 && !!wallet.address,
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });
}

export default function ContributeScreen() {
  const params = useParams();
  const datanetId = params.id ? Number(params.id) : undefined;
  const valid = datanetId === undefined || (Number.isSafeInteger(datanetId) && datanetId > 0);
  const wallet = useWallet();
  const datanet = useDatanetOnChain(valid ? datanetId : undefined);
  const limits = useProtocolLimits();
  const quota = useQuota(valid ? datanetId : undefined, wallet.address);
  const now = useChainTime();
  const [picked, setPicked] = useState<PickedFile[]>([]);
  const [version, setVersion] = useState(0);
  const [dragging, setDragging] = useState(false);
  const [states, setStates] = useState<Record<string, FileState>>({});
  const [result, setResult] = useState<ContributeResult>();
  // On a public chain others see a submission before it lands: commit first, by default. The local
  // stack's chain has no one watching its mempool.
  const { config } = useProtocol();
  const [protect, setProtect] = useState(config.chainId !== LOCAL_CHAIN_ID);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const check = useFileCheck(valid ? datanetId : undefined, picked, version);
  const submit = useProtocolWrite(async (files: ByteSource[], { protocol, wallet: client, step }) =>
    contribute(client, {
      contracts: protocol.contracts,
      ipfs: protocol.ipfs,
      datanetId: datanetId!,
      files,
      // The terms this screen showed: if the owner changes them before the transaction lands, the
      // chain refuses it (TermsChanged) instead of charging terms the contributor never saw.
      ...(datanet.data ? { termsVersion: datanet.data.termsVersion } : {}),
      protect,
      onProgress: (p) => {
        if (p.stage === "committing") step("Committing to your files on chain, so that no one can copy them from the mempool…");
        if (p.stage === "uploading" && p.file) setStates((s) => ({ ...s, [p.file!]: "uploading" }));
        if (p.stage === "uploaded" && p.file) setStates((s) => ({ ...s, [p.file!]: "uploaded" }));
        if (p.stage === "uploading" || p.stage === "uploaded") step(`Uploading to IPFS: ${p.done} of ${p.total} files stored…`);
        if (p.stage === "approving") {
          step(
            p.approveBy === "permit"
              ? "Approving the deposit: sign the permit your wallet shows (no transaction, no gas); it goes in with the submission…"
              : "Approving the deposit: confirm the approval transaction in your wallet…",
          );
        }
        if (p.stage === "submitting") step("Submitting to the chain…");
        if (p.stage === "submitted") setStates((s) => Object.fromEntries(Object.keys(s).map((k) => [k, "submitted"])));
      },
    }),
  );

  const add = (files: PickedFile[]) => {
    if (files.length === 0) return;
    setResult(undefined);
    submit.reset();
    setStates({});
    setPicked((current) => [...current, ...files.filter((f) => !current.some((c) => c.name === f.name && c.size === f.size))]);
    setVersion((v) => v + 1);
  };
  const clear = () => {
    setPicked([]);
    setStates({});
    setVersion((v) => v + 1);
  };

  const report = check.data;
  const accepted = report?.accepted ?? [];
  const deposit = datanet.data ? datanet.data.limits.deposit * BigInt(accepted.length) : 0n;
  const send = () => {
    if (!report) return;
    const files = accepted.map((f) => f.source);
    setStates(Object.fromEntries(files.map((f) => [f.name, "ready" as FileState])));
    submit.mutate(files, {
      onSuccess: (r) => {
        setResult(r);
        setPicked([]);
      },
    });
  };

  return (
    <section aria-labelledby="contribute-title">
      <h1 id="contribute-title">Contribute</h1>
      <p className="lede">Drop files or folders. Each file is checked here, from its bytes, before anything leaves your computer; refused files are never uploaded.</p>
      <DatanetPicker current={valid ? datanetId : undefined} />
      {!valid ? <p className="notice">“{params.id}” is not a Datanet id.</p> : null}
      <ErrorNotice error={datanet.error} />
      {datanet.data ? (
        <RequireWallet why="contribute">
          <p>
            Datanet {datanet.data.id} takes {modalityName(datanet.data.modality)} files. Each accepted file earns <Amount wei={datanet.data.limits.reward} />; each submission deposits{" "}
            <Amount wei={datanet.data.limits.deposit} />, refunded unless the file is rejected. The pool holds <Amount wei={datanet.data.pool} />; rewards are paid from it when a file is accepted,
            while it lasts (a file accepted after it ran dry expires, its deposit refunded, and can be submitted again).
            {datanet.data.paused ? <strong> The owner has paused submissions.</strong> : null}{" "}
            <Link to={`/datanets/${datanet.data.id}`}>About this Datanet</Link>
          </p>
          {quota.data && limits.data ? <QuotaMeter quota={quota.data} datanet={datanet.data} limits={limits.data} now={now} /> : <ErrorNotice error={quota.error ?? limits.error} />}
          <div
            className={dragging ? "dropzone dragging" : "dropzone"}
            data-testid="dropzone"
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => {
              e.preventDefault();
              setDragging(false);
              void filesOfDrop(e.dataTransfer).then(add);
            }}
          >
            <p>Drag files or folders here, or</p>
            <div className="actions">
              <button type="button" className="secondary" onClick={() => fileInput.current?.click()}>
                Choose files
              </button>
              <button type="button" className="secondary" onClick={() => folderInput.current?.click()}>
                Choose a folder
              </button>
            </div>
            <input ref={fileInput} type="file" multiple hidden aria-label="Files to contribute" data-testid="file-input" onChange={(e) => {
              add(filesOfInput(e.target.files));
              e.target.value = "";
            }} />
            <input ref={folderInput} type="file" hidden {...({ webkitdirectory: "" } as object)} aria-label="Folder to contribute" onChange={(e) => {
              add(filesOfInput(e.target.files));
              e.target.value = "";
            }} />
          </div>
          {picked.length > 0 ? (
            <section aria-labelledby="files-title">
              <div className="page-head">
                <h2 id="files-title">Your files</h2>
                <button type="button" className="link-button" onClick={clear} disabled={submit.isPending}>
                  Clear
                </button>
              </div>
              {check.isFetching ? <p className="muted">Checking {picked.length} file(s) against Datanet {datanetId}'s rules and your quota…</p> : null}
              <ErrorNotice error={check.error} />
              {report ? (
                <table className="table responsive" data-testid="file-checks">
                  <thead>
                    <tr>
                      <th scope="col">File</th>
                      <th scope="col" className="num">Size</th>
                      <th scope="col">Format</th>
                      <th scope="col">Check</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.accepted.map((f) => (
                      <tr key={f.name} data-testid="file-ok">
                        <td data-label="File">{f.name}</td>
                        <td data-label="Size" className="num">
                          {formatBytes(f.size)}
                        </td>
                        <td data-label="Format">{formatName(f.format)}</td>
                        <td data-label="Check">
                          <span className="badge status-accepted">{states[f.name] ?? "ready"}</span> <HexId value={f.cid.toString()} keep={6} />
                        </td>
                      </tr>
                    ))}
                    {report.rejected.map((r) => (
                      <tr key={r.file} data-testid="file-refused" className="refused">
                        <td data-label="File">{r.file}</td>
                        <td data-label="Size" className="num">
                          {formatBytes(picked.find((p) => p.name === r.file)?.size ?? 0)}
                        </td>
                        <td data-label="Format">—</td>
                        <td data-label="Check">
                          <span className="badge status-rejected">refused: {r.rule}</span> {r.reason}. It will not be uploaded.
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              ) : null}
              {report && accepted.length > 0 ? (
                <div className="card">
                  <p>
                    {formatCount(accepted.length)} file(s) ready. Deposit to pay now: <Amount wei={deposit} />
                    {deposit > 0n ? " (if your allowance is short, your wallet asks you to sign a permit that goes in with the files: no separate approval)" : ""}. If accepted, each earns{" "}
                    <Amount wei={datanet.data.limits.reward} />.
                    {report.rejected.length > 0 ? ` ${report.rejected.length} refused file(s) stay here.` : ""}
                  </p>
                  <label className="checkbox protect">
                    <input type="checkbox" checked={protect} disabled={submit.isPending} onChange={(e) => setProtect(e.target.checked)} data-testid="protect" />
                    <span>
                      <strong>Protect from copying.</strong> Commit to the files on chain first (one more transaction). Anyone who copies them from the mempool is
                      displaced, and they stay yours.
                    </span>
                  </label>
                  <button type="button" onClick={send} disabled={submit.isPending || !wallet.ready}>
                    Upload and submit {formatCount(accepted.length)} file(s)
                  </button>
                </div>
              ) : null}
            </section>
          ) : null}
          <TxProgress write={submit} />
          {result ? (
            <section className="card" aria-labelledby="result-title" data-testid="contribute-result">
              <h2 id="result-title">Submitted</h2>
              <ul className="plain-list">
                {result.outcomes.map((o) => (
                  <li key={o.name}>
                    {o.name}: {o.status === "submitted" ? <>submitted as {o.cid ? <HexId value={o.cid} keep={8} /> : null}</> : `refused (${o.reason})`}
                  </li>
                ))}
              </ul>
              {result.protected ? <p>Sent under a commitment made before upload: no copy seen in the mempool can take these files' credit.</p> : null}
              {result.displaced.map((d) => (
                <p key={d.contributionId}>
                  A copy of <HexId value={d.contributionId} keep={8} /> sent by <HexId value={d.displaced} keep={6} /> landed first and was displaced: the file is yours.
                </p>
              ))}
              <p>
                Left today: {formatCount(result.quota.filesLeft)} files, {formatBytes(result.quota.bytesLeft)}. Follow their review in <Link to="/me">My work</Link>.
              </p>
            </section>
          ) : null}
        </RequireWallet>
      ) : null}
    </section>
  );
}
