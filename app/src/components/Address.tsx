// An address shortened, with its full form on hover and a button that copies it.
import { useState } from "react";
import { checksum, shortAddress } from "../lib/format.ts";

export function Address({ address, label }: { address: string; label?: string }) {
  const [copied, setCopied] = useState(false);
  const full = /^0x[0-9a-fA-F]{40}$/.test(address) ? checksum(address) : address;
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(full);
      setCopied(true);
      setTimeout(() => setCopied(false), 1500);
    } catch {
      setCopied(false);
    }
  };
  return (
    <span className="address">
      {label ? <span className="address-label">{label} </span> : null}
      <code title={full}>{shortAddress(full)}</code>
      <button type="button" className="copy" onClick={copy} aria-label={`Copy address ${full}`} title="Copy the full address">
        {copied ? "copied" : "copy"}
      </button>
    </span>
  );
}
