// The protocol as the app sees it: the server's config, absolute service URLs, the deployment's
// contracts, the IPFS client (SDK, verified downloads) and the browser's vote store. Provided once
// at the top of the tree; every hook below reads it with `useProtocol()`.
import type { IpfsClient, ProtocolContracts, ReadClient } from "@openledger/sdk";
import { createContext, useContext, useMemo, type ReactNode } from "react";
import { usePublicClient } from "wagmi";
import { absoluteUrl, type AppConfig } from "../config/app-config.ts";
import type { VoteStore } from "@openledger/sdk";

export interface Protocol {
  config: AppConfig;
  contracts: ProtocolContracts;
  urls: { rpc: string; indexer: string; ipfs: string; trainer: string };
  ipfs: IpfsClient;
  votes: VoteStore;
}

const ProtocolContext = createContext<Protocol | null>(null);

/** The browser's vote store (IndexedDB), loaded on first use. */
function lazyVoteStore(): VoteStore {
  let store: Promise<VoteStore> | undefined;
  const load = () => (store ??= import("../lib/vote-store.ts").then((m) => m.createIndexedDbVoteStore()));
  return {
    location: "this browser",
    save: async (votes) => (await load()).save(votes),
    get: async (chainId, commitment) => (await load()).get(chainId, commitment),
    all: async (filter) => (await load()).all(filter),
    import: async (votes) => (await load()).import(votes),
  };
}

/**
 * The SDK's IPFS client, loaded on first use: its Kubo RPC client and CID code are not part of the
 * first screen's JavaScript.
 */
function lazyIpfsClient(url: string): IpfsClient {
  let client: Promise<IpfsClient> | undefined;
  const load = () => (client ??= import("../lib/lazy-sdk.ts").then((sdk) => sdk.createIpfsClient(url, { timeoutMs: 20_000 })));
  return {
    url,
    add: async (bytes, options) => (await load()).add(bytes, options),
    addAll: async (sources, cids, options) => (await load()).addAll(sources, cids, options),
    get: async (cid, options) => (await load()).get(cid, options),
    has: async (cid) => (await load()).has(cid),
    pin: async (cid) => (await load()).pin(cid),
    version: async () => (await load()).version(),
  };
}

export function ProtocolProvider({ config, origin, children, votes }: { config: AppConfig; origin: string; children: ReactNode; votes?: VoteStore }) {
  const value = useMemo<Protocol>(() => {
    const urls = {
      rpc: absoluteUrl(config.services.rpc, origin),
      indexer: absoluteUrl(config.services.indexer, origin),
      ipfs: absoluteUrl(config.services.ipfs, origin),
      trainer: absoluteUrl(config.services.trainer, origin),
    };
    return { config, contracts: config.contracts, urls, ipfs: lazyIpfsClient(urls.ipfs), votes: votes ?? lazyVoteStore() };
  }, [config, origin, votes]);
  return <ProtocolContext.Provider value={value}>{children}</ProtocolContext.Provider>;
}

export function useProtocol(): Protocol {
  const protocol = useContext(ProtocolContext);
  if (!protocol) throw new Error("useProtocol() outside <ProtocolProvider>");
  return protocol;
}

/** The chain client for reads (the SDK's read actions take it first). */
export function useReadClient(): ReadClient {
  const client = usePublicClient();
  if (!client) throw new Error("no chain client: the wagmi config has no chain");
  return client as unknown as ReadClient;
}
