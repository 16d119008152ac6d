// A failure, as a person reads it: what was refused and why, with the numbers (see lib/errors.ts,
// loaded with the SDK on first use so that the first screen does not carry the error decoder).
import { useEffect, useState } from "react";
import type { ErrorReport } from "../lib/errors.ts";

function plain(error: unknown): ErrorReport {
  const message = error instanceof Error ? error.message : String(error);
  return { kind: "other", title: "Something failed", message: message.replace(/0x[0-9a-fA-F]{80,}/g, (b) => `${b.slice(0, 10)}…`) };
}

export function useErrorReport(error: unknown): ErrorReport | undefined {
  const [report, setReport] = useState<ErrorReport | undefined>(error ? plain(error) : undefined);
  useEffect(() => {
    if (!error) {
      setReport(undefined);
      return;
    }
    let live = true;
    setReport(plain(error));
    void import("../lib/errors.ts").then(({ describeError }) => {
      if (live) setReport(describeError(error));
    });
    return () => {
      live = false;
    };
  }, [error]);
  return report;
}

export function ErrorNotice({ error, onDismiss }: { error: unknown; onDismiss?: () => void }) {
  const report = useErrorReport(error);
  if (!error || !report) return null;
  return (
    <div className={`notice notice-error notice-${report.kind}`} role="alert">
      <strong>{report.title}</strong>
      <p>{report.message}</p>
      {report.details ? (
        <details>
          <summary>Details</summary>
          <pre>{report.details}</pre>
        </details>
      ) : null}
      {onDismiss ? (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}
