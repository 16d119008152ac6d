// What the page says when something around it is wrong: the wallet on another chain (with a button
// to switch), or a service that does not answer (and what still works without it).
import { useSwitchChain } from "wagmi";
import { useServiceHealth } from "../hooks/health.ts";
import { useProtocol } from "../hooks/protocol.tsx";
import { useWallet } from "../hooks/wallet.ts";
import { ErrorNotice } from "./ErrorNotice.tsx";

export function NetworkBanner() {
  const wallet = useWallet();
  const { config } = useProtocol();
  const switchChain = useSwitchChain();
  if (!wallet.wrongNetwork) return null;
  return (
    <div className="banner banner-warn" role="alert">
      <p>
        Your wallet is on chain {wallet.chainId}; this app works on <strong>{config.chainName}</strong> (chain {config.chainId}). Nothing can be sent until you switch.
      </p>
      <button type="button" onClick={() => switchChain.mutate({ chainId: config.chainId })} disabled={switchChain.isPending}>
        Switch to {config.chainName}
      </button>
      <ErrorNotice error={switchChain.error} />
    </div>
  );
}

export function ServiceBanner() {
  const health = useServiceHealth();
  const down: string[] = [];
  if (health.chain === false) down.push("The chain is not answering: nothing can be read or sent until it is back.");
  if (health.indexer === false) down.push("The indexer is not answering: lists and history are unavailable; balances, claims, quotas, contributing, staking and revealing your stored votes still work from the chain.");
  if (health.ipfs === false) down.push("The IPFS node is not answering: files, metadata and previews cannot be loaded, and nothing that needs an upload is sent on chain.");
  if (health.trainer === false) down.push("The trainer node is not answering: chat and training are unavailable.");
  if (down.length === 0) return null;
  return (
    <div className="banner banner-down" role="status" aria-live="polite">
      {down.map((line) => (
        <p key={line}>{line}</p>
      ))}
    </div>
  );
}
