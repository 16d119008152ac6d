// What the page says when something around it is wrong or about to change: the wallet on another
// chain (with a button to switch), a service that does not answer (and what still works without
// it), or a protocol change governance has scheduled on the timelock (and when it may apply).
import { describeGovernanceCall, explainGovernanceCall, listGovernanceCalls } from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import { useSwitchChain } from "wagmi";
import { useChainTime } from "../hooks/chain.ts";
import { useServiceHealth } from "../hooks/health.ts";
import { keys } from "../hooks/keys.ts";
import { useProtocol, useReadClient } from "../hooks/protocol.tsx";
import { formatDate, formatRelative } from "../lib/format.ts";
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

/**
 * Protocol changes scheduled on the governance timelock and not yet run: every one is public from the
 * moment it is scheduled and may apply only after the delay, so that people can act before it does
 * (a validator unstakes, a contributor submits under today's quotas).
 */
export function GovernanceBanner() {
  const { config } = useProtocol();
  const client = useReadClient();
  const now = useChainTime();
  const governance = config.governance;
  const calls = useQuery({
    queryKey: keys.chain("governance", governance?.timelock),
    enabled: governance !== undefined,
    queryFn: () => listGovernanceCalls(client, { governance: governance!, contracts: config.contracts, fromBlock: BigInt(config.startBlock) }),
    refetchInterval: 15_000,
  });
  const pending = (calls.data ?? []).filter((c) => c.state === "waiting" || c.state === "ready");
  if (pending.length === 0) return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="governance-banner">
      {pending.map((c) => (
        <p key={c.id}>
          Scheduled protocol change: <strong title={describeGovernanceCall(c)}>{explainGovernanceCall(c)}</strong>{" "}
          {c.state === "ready" ? "may apply now" : `may apply from ${formatDate(c.readyAt)}${now !== undefined ? ` (${formatRelative(c.readyAt, now)})` : ""}`}.
        </p>
      ))}
    </div>
  );
}
