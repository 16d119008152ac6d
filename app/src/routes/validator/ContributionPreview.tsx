// A contribution under review, downloaded through the SDK (the bytes are verified against the CID
// before they are shown) and shown by its format: text as text, pictures drawn, audio playable,
// other documents offered as a download.
import { fetchContribution, formatName } from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo } from "react";
import type { Hex } from "viem";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { keys } from "../../hooks/keys.ts";
import { useProtocol, useReadClient } from "../../hooks/protocol.tsx";
import { formatBytes } from "../../lib/format.ts";

const TEXT = new Set(["txt", "md", "jsonl", "csv"]);
const DRAWN = new Set(["png", "jpeg", "webp", "bmp"]);
const AUDIO = new Set(["wav", "mp3", "flac"]);
const MIME: Record<string, string> = {
  png: "image/png",
  jpeg: "image/jpeg",
  webp: "image/webp",
  bmp: "image/bmp",
  tiff: "image/tiff",
  wav: "audio/wav",
  mp3: "audio/mpeg",
  flac: "audio/flac",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
};
const TEXT_SHOWN = 6_000;

export function ContributionPreview({ datanetId, digest }: { datanetId: number; digest: Hex }) {
  const { contracts, ipfs } = useProtocol();
  const client = useReadClient();
  const fetched = useQuery({
    queryKey: keys.ipfs("contribution", datanetId, digest),
    queryFn: () => fetchContribution(client, { contracts, ipfs, datanetId, digest }),
    staleTime: Infinity,
    retry: false,
  });
  const format = fetched.data ? formatName(fetched.data.declaredFormat) : undefined;
  const url = useMemo(() => (fetched.data && format && !TEXT.has(format) ? URL.createObjectURL(new Blob([fetched.data.bytes as BlobPart], { type: MIME[format] ?? "application/octet-stream" })) : undefined), [fetched.data, format]);
  useEffect(() => () => (url ? URL.revokeObjectURL(url) : undefined), [url]);
  if (fetched.isPending) return <p className="muted">Downloading and verifying…</p>;
  if (fetched.error) return <ErrorNotice error={fetched.error} />;
  const { bytes, cid, check } = fetched.data;
  return (
    <div className="preview" data-testid="preview">
      <p className="small">
        <span className="badge status-accepted" data-testid="verified">
          bytes verified against the CID
        </span>{" "}
        {formatBytes(bytes.length)} · declared {format}, {formatBytes(fetched.data.declaredSize)} ·{" "}
        {check.ok ? <span>a valid {format} file of the declared size</span> : <strong className="danger">check failed, propose rejection: {check.reason}</strong>}
      </p>
      {format && TEXT.has(format) ? (
        <pre className="preview-text" data-testid="preview-text" tabIndex={0}>
          {new TextDecoder().decode(bytes.subarray(0, TEXT_SHOWN))}
          {bytes.length > TEXT_SHOWN ? `\n… (${formatBytes(bytes.length - TEXT_SHOWN)} more)` : ""}
        </pre>
      ) : null}
      {format && DRAWN.has(format) && url ? <img src={url} alt={`Contribution ${cid.toString()}`} className="preview-image" data-testid="preview-image" /> : null}
      {format && AUDIO.has(format) && url ? <audio controls src={url} data-testid="preview-audio" aria-label={`Contribution ${cid.toString()}`} /> : null}
      {format && !TEXT.has(format) && !DRAWN.has(format) && !AUDIO.has(format) && url ? (
        <p>
          {format === "tiff" ? "Browsers cannot draw TIFF pictures. " : `A ${format} document is not shown in the page. `}
          <a href={url} download={`${cid.toString()}.${format}`}>
            Download the verified file
          </a>
        </p>
      ) : null}
    </div>
  );
}
