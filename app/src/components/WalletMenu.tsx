// Connecting a wallet: injected wallets announced by EIP-6963 (MetaMask, Rabby, …), and on the
// local chain the development accounts (clearly labelled: public test keys). Once connected: the
// account, its OPEN balance, switching development account, and disconnecting.
import { useQuery } from "@tanstack/react-query";
import { useId, useState, useSyncExternalStore } from "react";
import type { Address } from "viem";
import { useConnect, useConnectors, useDisconnect } from "wagmi";
import { DEV_CONNECTOR_ID, listDevAccounts, selectDevAccount, selectedDevAccount } from "../connectors/dev-account.ts";
import { signingRequests } from "../connectors/signing-requests.ts";
import { useOpenBalance } from "../hooks/chain.ts";
import { useProtocol } from "../hooks/protocol.tsx";
import { useWallet } from "../hooks/wallet.ts";
import { shortAddress } from "../lib/format.ts";
import { Address as AddressView } from "./Address.tsx";
import { Amount } from "./Amount.tsx";
import { ErrorNotice } from "./ErrorNotice.tsx";

function useDevAccounts(enabled: boolean) {
  const { urls } = useProtocol();
  return useQuery({ queryKey: ["chain", "dev-accounts"], queryFn: () => listDevAccounts(urls.rpc), enabled, staleTime: Infinity });
}

function DevAccountPicker({ onPick, current, label }: { onPick(account: Address): void; current?: Address | undefined; label: string }) {
  const accounts = useDevAccounts(true);
  const id = useId();
  if (accounts.isPending) return <p className="muted">Reading the development accounts…</p>;
  if (!accounts.data?.length) return <p className="muted">The chain has no unlocked development accounts.</p>;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={current ?? ""} onChange={(e) => e.target.value && onPick(e.target.value as Address)}>
        <option value="">Choose an account…</option>
        {accounts.data.map((a, i) => (
          <option key={a} value={a}>
            #{i} {shortAddress(a)}
          </option>
        ))}
      </select>
    </div>
  );
}

export function WalletMenu() {
  const wallet = useWallet();
  const { config } = useProtocol();
  const connectors = useConnectors();
  const connect = useConnect();
  const disconnect = useDisconnect();
  const balance = useOpenBalance(wallet.address);
  const [open, setOpen] = useState(false);
  const signing = useSyncExternalStore(signingRequests.subscribe, signingRequests.snapshot);
  const panelId = useId();
  const injected = connectors.filter((c) => c.id !== DEV_CONNECTOR_ID);
  const dev = connectors.find((c) => c.id === DEV_CONNECTOR_ID);

  return (
    <div className="wallet">
      <button type="button" className={wallet.connected ? "secondary wallet-button" : "wallet-button"} aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        {wallet.address ? (
          <>
            <span className={wallet.isDevAccount ? "badge badge-dev" : "badge badge-wallet"}>{wallet.isDevAccount ? "dev" : (wallet.connector?.name ?? "wallet")}</span> {shortAddress(wallet.address)}
            {balance.data !== undefined ? (
              <span className="wallet-balance">
                {" "}
                · <Amount wei={balance.data} decimals={2} />
              </span>
            ) : null}
          </>
        ) : (
          "Connect wallet"
        )}
      </button>
      {open ? (
        <div className="wallet-panel" id={panelId} role="region" aria-label="Wallet">
          {wallet.address ? (
            <>
              <p>
                <AddressView address={wallet.address} /> via {wallet.connector?.name}
              </p>
              <p>
                Balance: <Amount wei={balance.data} />
              </p>
              {wallet.isDevAccount ? (
                <>
                  <DevAccountPicker label="Switch development account" current={selectedDevAccount()} onPick={(a) => selectDevAccount(a)} />
                  <label className="checkbox">
                    <input type="checkbox" checked={signing.askEachTime} onChange={(e) => signingRequests.setAskEachTime(e.target.checked)} /> Ask before each signature
                  </label>
                </>
              ) : null}
              <button type="button" className="secondary" onClick={() => disconnect.mutate({})}>
                Disconnect
              </button>
            </>
          ) : (
            <>
              <h2 className="panel-title">Browser wallets</h2>
              {injected.length === 0 ? <p className="muted">No browser wallet announced itself (EIP-6963). Install one, or use a development account below.</p> : null}
              <ul className="plain-list">
                {injected.map((c) => (
                  <li key={c.uid}>
                    <button type="button" className="secondary" onClick={() => connect.mutate({ connector: c, chainId: config.chainId }, { onSuccess: () => setOpen(false) })}>
                      {c.icon ? <img src={c.icon} alt="" width={16} height={16} /> : null} {c.name}
                    </button>
                  </li>
                ))}
              </ul>
              {dev ? (
                <div className="dev-accounts">
                  <h2 className="panel-title">Development accounts</h2>
                  <p className="muted small">The local chain's public test keys, signed by the node. Never use them on a real network.</p>
                  <DevAccountPicker
                    label="Development account"
                    onPick={(a) => {
                      selectDevAccount(a);
                      connect.mutate({ connector: dev, chainId: config.chainId }, { onSuccess: () => setOpen(false) });
                    }}
                  />
                </div>
              ) : null}
              <ErrorNotice error={connect.error} />
            </>
          )}
        </div>
      ) : null}
    </div>
  );
}
