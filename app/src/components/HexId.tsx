// A hash or CID, shortened, with a copy button (the full value is in the title and aria-label).
import { useState } from "react";
import { shortHex } from "../lib/format.ts";

export function HexId({ value, keep = 6 }: { value: string; keep?: number }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <span className="address">
      <code title={value}>{shortHex(value, keep)}</code>
      <button type="button" className="copy" onClick={copy} aria-label={`Copy ${value}`}>
        {copied ? "copied" : "copy"}
      </button>
    </span>
  );
}
