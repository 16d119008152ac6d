// The "development account" wallet, offered on the local chain (31337) only: the Hardhat node's
// unlocked accounts (the stack's public test keys) sign, so the whole app works without a wallet
// extension. Like an extension, it asks before every signature (components/SigningDialog.tsx), and a
// rejection reaches the dApp as EIP-1193's 4001: nothing is sent.
import { createConnector } from "wagmi";
import { custom, fromHex, getAddress, numberToHex, RpcRequestError, SwitchChainError, type Address, type EIP1193RequestFn } from "viem";
import { LOCAL_CHAIN_ID } from "../config/app-config.ts";
import { signingRequests } from "./signing-requests.ts";

export const DEV_CONNECTOR_ID = "openledger-dev-account";
const STORAGE_KEY = "openledger.devAccount";

/** Methods that sign: each waits for the person's answer in the dialog. */
const SIGNING_METHODS = new Set(["eth_sendTransaction", "eth_signTypedData_v4", "eth_sign", "personal_sign"]);

let selected: Address | undefined = (() => {
  try {
    const stored = globalThis.localStorage?.getItem(STORAGE_KEY);
    return stored ? getAddress(stored) : undefined;
  } catch {
    return undefined;
  }
})();

/** Lists the node's unlocked development accounts. */
export async function listDevAccounts(rpcUrl: string): Promise<Address[]> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_accounts", params: [] }),
  });
  const body = (await res.json()) as { result?: string[] };
  return (body.result ?? []).map((a) => getAddress(a));
}

export function selectedDevAccount(): Address | undefined {
  return selected;
}

let announce: ((account: Address) => void) | undefined;

/** Chooses which development account signs (also while connected: the app sees an account change). */
export function selectDevAccount(account: Address): void {
  selected = getAddress(account);
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, selected);
  } catch {
    // storage unavailable: the choice lasts for this page only
  }
  announce?.(selected);
}

export function devAccount(parameters: { rpcUrl: string }) {
  let connected = false;
  return createConnector<ReturnType<ReturnType<typeof custom>>>((config) => {
    const url = parameters.rpcUrl;
    let id = 0;
    const forward = async (method: string, params: unknown) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params: params ?? [] }),
      });
      const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string; data?: unknown } };
      if (body.error) throw new RpcRequestError({ body: { method, params }, error: body.error, url });
      return body.result;
    };
    const account = async (): Promise<Address> => {
      if (!selected) selected = (await listDevAccounts(url))[0];
      if (!selected) throw new Error("the chain has no unlocked development accounts");
      return selected;
    };
    const request = (async ({ method, params }: { method: string; params?: unknown }) => {
      if (method === "eth_chainId") return numberToHex(LOCAL_CHAIN_ID);
      if (method === "eth_accounts" || method === "eth_requestAccounts") return [await account()];
      if (method === "wallet_switchEthereumChain") {
        const wanted = fromHex((params as [{ chainId: `0x${string}` }])[0].chainId, "number");
        if (wanted !== LOCAL_CHAIN_ID) throw new SwitchChainError(new Error(`the development account exists on chain ${LOCAL_CHAIN_ID} only`));
        return null;
      }
      if (SIGNING_METHODS.has(method)) await signingRequests.ask(method, (params as unknown[]) ?? [], await account());
      return forward(method, params);
    }) as EIP1193RequestFn;
    const provider = custom({ request })({ retryCount: 0 });
    return {
      id: DEV_CONNECTOR_ID,
      name: "Development account",
      type: "devAccount",
      async setup() {
        announce = (address) => {
          if (connected) config.emitter.emit("change", { accounts: [address] });
        };
      },
      async connect(args?: { chainId?: number; isReconnecting?: boolean; withCapabilities?: boolean }) {
        if (args?.chainId !== undefined && args.chainId !== LOCAL_CHAIN_ID) throw new SwitchChainError(new Error(`the development account exists on chain ${LOCAL_CHAIN_ID} only`));
        const address = await account();
        connected = true;
        const accounts = args?.withCapabilities ? [{ address, capabilities: {} }] : [address];
        return { accounts, chainId: LOCAL_CHAIN_ID } as never;
      },
      async disconnect() {
        connected = false;
      },
      async getAccounts() {
        return [await account()];
      },
      async getChainId() {
        return LOCAL_CHAIN_ID;
      },
      async getProvider() {
        return provider;
      },
      async isAuthorized() {
        return selected !== undefined;
      },
      async switchChain({ chainId }: { chainId: number }) {
        const chain = config.chains.find((c) => c.id === chainId);
        if (!chain || chainId !== LOCAL_CHAIN_ID) throw new SwitchChainError(new Error(`the development account exists on chain ${LOCAL_CHAIN_ID} only`));
        return chain;
      },
      onAccountsChanged(accounts: string[]) {
        config.emitter.emit("change", { accounts: accounts.map((a) => getAddress(a)) });
      },
      onChainChanged(chain: string) {
        config.emitter.emit("change", { chainId: Number(chain) });
      },
      onDisconnect() {
        connected = false;
        config.emitter.emit("disconnect");
      },
    };
  });
}
