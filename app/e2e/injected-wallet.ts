// A browser wallet as an extension is one, for the journeys: an EIP-1193 provider injected into
// every page of a browser profile and announced by EIP-6963 (`eip6963:announceProvider`, answered
// again on each `eip6963:requestProvider`). Its keys stay outside the page, as an extension's do:
// the page's requests cross to this process, which signs with a local account (eth_sendTransaction
// signed and sent raw, eth_signTypedData_v4, personal_sign) and forwards every other call to the
// chain's RPC. The person using it can change its network, as in a wallet's own menu.
import { DEV_MNEMONIC } from "@openledger/protocol/deploy";
import type { BrowserContext, Page } from "playwright-core";
import { createWalletClient, http, toHex, type Address, type Hex, type TypedDataDefinition } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";

interface Answer {
  result?: unknown;
  error?: { code: number; message: string };
  /** Provider events the page emits after this answer: [name, data]. */
  events?: [string, unknown][];
}

export interface InjectedWallet {
  address: Address;
  name: string;
  /** Every method the pages asked of the wallet, in order. */
  requests: string[];
  /** The person switches the wallet's network in its own menu. */
  changeNetwork(page: Page, chainId: number): Promise<void>;
}

/** The chains this wallet knows: the local chain (its RPC) and one other, for the wrong-network case. */
const KNOWN_CHAINS = new Set([hardhat.id, 1]);

export async function injectWallet(
  context: BrowserContext,
  options: { rpcUrl: string; accountIndex: number; chainId?: number; name?: string },
): Promise<InjectedWallet> {
  const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: options.accountIndex });
  const signer = createWalletClient({ account, chain: { ...hardhat, rpcUrls: { default: { http: [options.rpcUrl] } } }, transport: http(options.rpcUrl) });
  const name = options.name ?? "Journey Wallet";
  let chainId: number = options.chainId ?? hardhat.id;
  let granted = false;
  const requests: string[] = [];

  const forward = async (method: string, params: unknown[]): Promise<Answer> => {
    const res = await fetch(options.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
    const body = (await res.json()) as { result?: unknown; error?: { code: number; message: string } };
    return body.error ? { error: body.error } : { result: body.result };
  };

  const handle = async (method: string, params: unknown[]): Promise<Answer> => {
    switch (method) {
      case "eth_requestAccounts":
        granted = true;
        return { result: [account.address] };
      case "eth_accounts":
        return { result: granted ? [account.address] : [] };
      case "eth_chainId":
        return { result: toHex(chainId) };
      case "net_version":
        return { result: String(chainId) };
      case "wallet_requestPermissions":
        granted = true;
        return { result: [{ parentCapability: "eth_accounts" }] };
      case "wallet_getPermissions":
        return { result: granted ? [{ parentCapability: "eth_accounts" }] : [] };
      case "wallet_revokePermissions":
        granted = false;
        return { result: null, events: [["accountsChanged", []]] };
      case "wallet_switchEthereumChain": {
        const wanted = Number((params[0] as { chainId: Hex }).chainId);
        if (!KNOWN_CHAINS.has(wanted)) return { error: { code: 4902, message: `Unrecognized chain ID ${toHex(wanted)}` } };
        chainId = wanted;
        return { result: null, events: [["chainChanged", toHex(chainId)]] };
      }
      case "wallet_addEthereumChain":
        return { result: null };
    }
    if (!granted) return { error: { code: 4100, message: "The requested account and/or method has not been authorized by the user." } };
    if (chainId !== hardhat.id) return { error: { code: 4901, message: `The wallet is on chain ${chainId}, not connected to the chain this call is for` } };
    switch (method) {
      case "eth_sendTransaction": {
        const tx = params[0] as { to?: Address; data?: Hex; value?: Hex; gas?: Hex };
        const hash = await signer.sendTransaction({
          ...(tx.to ? { to: tx.to } : {}),
          ...(tx.data ? { data: tx.data } : {}),
          ...(tx.value ? { value: BigInt(tx.value) } : {}),
          ...(tx.gas ? { gas: BigInt(tx.gas) } : {}),
        });
        return { result: hash };
      }
      case "eth_signTypedData_v4": {
        const typed = JSON.parse(params[1] as string) as TypedDataDefinition & { types: Record<string, unknown> };
        const { EIP712Domain: _domainType, ...types } = typed.types;
        return { result: await account.signTypedData({ ...typed, types } as TypedDataDefinition) };
      }
      case "personal_sign":
        return { result: await account.signMessage({ message: { raw: params[0] as Hex } }) };
      default:
        return forward(method, params);
    }
  };

  await context.exposeBinding("__journeyWallet", async (_source, method: string, params: unknown[]) => {
    requests.push(method);
    try {
      return await handle(method, params ?? []);
    } catch (error) {
      return { error: { code: -32603, message: error instanceof Error ? error.message : String(error) } };
    }
  });
  await context.addInitScript(
    ({ name }) => {
      type Listener = (data: unknown) => void;
      const listeners = new Map<string, Listener[]>();
      const emit = (event: string, data: unknown) => (listeners.get(event) ?? []).forEach((fn) => fn(data));
      const bridge = (window as unknown as { __journeyWallet(method: string, params: unknown[]): Promise<Answer> }).__journeyWallet;
      const provider = {
        async request({ method, params }: { method: string; params?: unknown[] }) {
          const answer = await bridge(method, params ?? []);
          for (const [event, data] of answer.events ?? []) setTimeout(() => emit(event, data), 0);
          if (answer.error) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
          return answer.result;
        },
        on(event: string, fn: Listener) {
          listeners.set(event, [...(listeners.get(event) ?? []), fn]);
          return provider;
        },
        removeListener(event: string, fn: Listener) {
          listeners.set(event, (listeners.get(event) ?? []).filter((f) => f !== fn));
          return provider;
        },
      };
      (window as unknown as { __journeyWalletEmit: typeof emit }).__journeyWalletEmit = emit;
      const icon = `data:image/svg+xml,${encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="4" fill="#5b4bdb"/><path d="M4 8h8M8 4v8" stroke="#fff" stroke-width="2"/></svg>')}`;
      const info = Object.freeze({ uuid: "6f1e2c1a-6b0c-4f5e-9a3d-2d9f0f7a1c01", name, icon, rdns: "org.openledger.journey-wallet" });
      const announce = () => window.dispatchEvent(new CustomEvent("eip6963:announceProvider", { detail: Object.freeze({ info, provider }) }));
      window.addEventListener("eip6963:requestProvider", announce);
      announce();
    },
    { name },
  );

  return {
    address: account.address,
    name,
    requests,
    async changeNetwork(page, wanted) {
      chainId = wanted;
      await page.evaluate((hex) => (window as unknown as { __journeyWalletEmit(event: string, data: unknown): void }).__journeyWalletEmit("chainChanged", hex), toHex(wanted));
    },
  };
}
