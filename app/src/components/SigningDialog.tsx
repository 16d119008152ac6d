// What the development account is asked to sign, one request at a time, as a wallet extension would
// show it: which account, which contract and function, the value. Sign sends it on; Reject answers
// the page with "user rejected", and nothing is sent.
import { useEffect, useRef, useSyncExternalStore } from "react";
import { formatEther, hexToBigInt, type Hex } from "viem";
import { signingRequests, type SigningRequest } from "../connectors/signing-requests.ts";
import { formatDate, formatOpen, shortAddress } from "../lib/format.ts";
import { useProtocol } from "../hooks/protocol.tsx";

interface TypedRequest {
  primaryType?: string;
  domain?: { verifyingContract?: string; chainId?: number | string };
  message?: Record<string, unknown>;
}

function wholeNumber(value: unknown): bigint | undefined {
  try {
    return typeof value === "string" || typeof value === "number" || typeof value === "bigint" ? BigInt(value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An EIP-2612 permit, as a wallet shows one: whose tokens, who may take how much, and until when.
 * Amounts read as OPEN only when the permit is for the OPEN token of this deployment.
 */
function describePermit(typed: TypedRequest, contracts: Record<string, string>): { title: string; lines: [string, string][] } {
  const message = typed.message ?? {};
  const nameOf = (address: string) => Object.entries(contracts).find(([, a]) => a.toLowerCase() === address.toLowerCase())?.[0];
  const token = String(typed.domain?.verifyingContract ?? "");
  const isOpen = nameOf(token) === "OpenToken";
  const spender = String(message.spender ?? "");
  const value = wholeNumber(message.value);
  const deadline = wholeNumber(message.deadline);
  const spenderName = nameOf(spender);
  return {
    title: "Sign a permit (no transaction)",
    lines: [
      ["token", isOpen ? `OPEN (${shortAddress(token)})` : `an unknown token ${token ? shortAddress(token) : "(none named)"}`],
      ["owner", shortAddress(String(message.owner ?? ""))],
      ["spender", spenderName ? `${spenderName} (${shortAddress(spender)})` : shortAddress(spender)],
      ["may take", value === undefined ? "an unreadable amount" : isOpen ? formatOpen(value) : `${value} units`],
      ["until", deadline === undefined ? "an unreadable time" : formatDate(Number(deadline))],
    ],
  };
}

function describeRequest(request: SigningRequest, contracts: Record<string, string>): { title: string; lines: [string, string][] } {
  if (request.method === "eth_sendTransaction") {
    const tx = (request.params[0] ?? {}) as { to?: string; data?: Hex; value?: Hex };
    const contract = Object.entries(contracts).find(([, address]) => address.toLowerCase() === tx.to?.toLowerCase())?.[0];
    const lines: [string, string][] = [
      ["to", contract ? `${contract} (${shortAddress(tx.to!)})` : tx.to ? shortAddress(tx.to) : "a new contract"],
      ["call", tx.data && tx.data.length >= 10 ? `function ${tx.data.slice(0, 10)} with ${(tx.data.length - 10) / 2} bytes of arguments` : "no data"],
    ];
    if (tx.value && hexToBigInt(tx.value) > 0n) lines.push(["value", `${formatEther(hexToBigInt(tx.value))} ETH`]);
    return { title: "Send a transaction", lines };
  }
  if (request.method === "eth_signTypedData_v4") {
    let typed: TypedRequest = {};
    try {
      typed = JSON.parse(String(request.params[1])) as TypedRequest;
    } catch {
      // shown as "typed data"
    }
    if (typed.primaryType === "Permit" && typed.message) return describePermit(typed, contracts);
    return { title: "Sign typed data", lines: [["message", typed.primaryType ?? "typed data"]] };
  }
  return { title: "Sign a message", lines: [["method", request.method]] };
}

export function SigningDialog() {
  const { queue } = useSyncExternalStore(signingRequests.subscribe, signingRequests.snapshot);
  const { contracts } = useProtocol();
  const signButton = useRef<HTMLButtonElement>(null);
  const request = queue[0];
  useEffect(() => {
    if (request) signButton.current?.focus();
  }, [request]);
  if (!request) return null;
  const { title, lines } = describeRequest(request, contracts as unknown as Record<string, string>);
  return (
    <div className="modal-backdrop">
      <div
        className="modal"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="signing-title"
        onKeyDown={(e) => {
          if (e.key === "Escape") request.reject();
        }}
      >
        <p className="eyebrow">Development account · public test key</p>
        <h2 id="signing-title">{title}</h2>
        <dl className="fields">
          <dt>account</dt>
          <dd>
            <code>{shortAddress(request.account)}</code>
          </dd>
          {lines.map(([k, v]) => (
            <div key={k} className="field-row">
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
        {queue.length > 1 ? <p className="muted">{queue.length - 1} more request(s) waiting.</p> : null}
        <div className="actions">
          <button type="button" className="secondary" onClick={() => request.reject()}>
            Reject
          </button>
          <button type="button" ref={signButton} onClick={() => request.sign()}>
            Sign
          </button>
        </div>
      </div>
    </div>
  );
}
