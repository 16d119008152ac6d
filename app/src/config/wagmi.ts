// The wagmi config, made once from the server's config: one chain, its RPC through the app server,
// injected wallets found by EIP-6963, and on the local chain the development-account connector.
import { defineChain, http } from "viem";
import { createConfig, createStorage } from "wagmi";
import { devAccount } from "../connectors/dev-account.ts";
import { absoluteUrl, LOCAL_CHAIN_ID, type AppConfig } from "./app-config.ts";

export function chainOf(config: AppConfig) {
  return defineChain({
    id: config.chainId,
    name: config.chainName,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    // What a wallet is told when it adds the network: the chain's own URL (a wallet calls it directly).
    rpcUrls: { default: { http: [config.walletRpcUrl] } },
    testnet: config.chainId === LOCAL_CHAIN_ID,
  });
}

export function createWagmiConfig(config: AppConfig, origin: string) {
  const chain = chainOf(config);
  const rpc = absoluteUrl(config.services.rpc, origin);
  return createConfig({
    chains: [chain],
    transports: { [chain.id]: http(rpc, { batch: { wait: 5 } }) },
    connectors: config.devAccounts ? [devAccount({ rpcUrl: rpc })] : [],
    multiInjectedProviderDiscovery: true,
    pollingInterval: config.chainId === LOCAL_CHAIN_ID ? 1_000 : 4_000,
    storage: createStorage({ storage: globalThis.localStorage, key: `openledger.wagmi.${config.chainId}` }),
  });
}

export type AppWagmiConfig = ReturnType<typeof createWagmiConfig>;
