// @openledger/sdk/ethers: the SDK for dApps that hold an ethers v6 provider or signer. Every SDK
// action takes a viem client; these functions make one from what an ethers app already has, so
// `stake(await walletClientFromEthers(signer), { contracts, amount })` works as it does with viem.
//
// - A provider with `send` (JsonRpcProvider, BrowserProvider, WebSocketProvider) becomes the
//   transport: requests go through it, and its errors are handed back with their JSON-RPC code and
//   revert data, so the SDK still names protocol errors (`ProtocolError`).
// - A signer holding its key (an ethers `Wallet`, `HDNodeWallet`) signs locally: viem prepares the
//   transaction, ethers signs it. Any other signer (a browser wallet's `JsonRpcSigner`) sends through
//   its node (`eth_sendTransaction`), which asks the wallet.
import type { JsonRpcApiProvider, Signer, TransactionLike } from "ethers";
import {
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  getAddress,
  publicActions,
  type Address,
  type Chain,
  type CustomTransport,
  type Hex,
  type TransactionSerializable,
} from "viem";
import { toAccount } from "viem/accounts";
import type { WriteClient } from "./actions/shared.ts";
import { OpenLedgerError } from "./errors.ts";

/** The part of an ethers provider the adapter uses. */
export type EthersRpcProvider = Pick<JsonRpcApiProvider, "send">;

/** Hands viem the JSON-RPC error inside an ethers error (code, message, revert data). */
function unwrapRpcError(error: unknown): Error {
  const e = error as { error?: { code?: number; message?: string; data?: unknown }; info?: { error?: { code?: number; message?: string; data?: unknown } }; data?: unknown; shortMessage?: string; message?: string };
  const inner = e.error ?? e.info?.error;
  const data = inner?.data ?? e.data;
  const message = inner?.message ?? e.shortMessage ?? e.message ?? String(error);
  return Object.assign(new Error(message), { code: inner?.code ?? (data !== undefined ? 3 : -32603), ...(data !== undefined ? { data } : {}) });
}

/** A viem transport that sends every request through the ethers provider. */
export function ethersTransport(provider: EthersRpcProvider): CustomTransport {
  return custom({
    async request({ method, params }: { method: string; params?: unknown }) {
      try {
        return await provider.send(method, (params as unknown[] | undefined) ?? []);
      } catch (error) {
        throw unwrapRpcError(error);
      }
    },
  });
}

async function chainOf(provider: EthersRpcProvider, chain?: Chain): Promise<Chain> {
  if (chain) return chain;
  const id = Number(BigInt((await provider.send("eth_chainId", [])) as string));
  return defineChain({ id, name: `chain ${id}`, nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 }, rpcUrls: { default: { http: [] } } });
}

/** A viem public client (the SDK's reads) over an ethers provider. */
export async function publicClientFromEthers(provider: EthersRpcProvider, options: { chain?: Chain } = {}) {
  return createPublicClient({ chain: await chainOf(provider, options.chain), transport: ethersTransport(provider) });
}

function providerOf(signer: Signer): EthersRpcProvider {
  const provider = signer.provider as Partial<EthersRpcProvider> | null;
  if (!provider || typeof provider.send !== "function") {
    throw new OpenLedgerError("the ethers signer has no JSON-RPC provider: connect it to a JsonRpcProvider or BrowserProvider first (signer.connect(provider))");
  }
  return provider as EthersRpcProvider;
}

const TYPES = { legacy: 0, eip2930: 1, eip1559: 2 } as const;

/** viem's prepared transaction in ethers' terms. */
function toEthersTransaction(tx: TransactionSerializable): TransactionLike<string> {
  const type = tx.type ?? (tx.maxFeePerGas !== undefined ? "eip1559" : "legacy");
  if (!(type in TYPES)) throw new OpenLedgerError(`the ethers adapter signs legacy, EIP-2930 and EIP-1559 transactions, not ${type}`);
  return {
    type: TYPES[type as keyof typeof TYPES],
    chainId: tx.chainId,
    nonce: tx.nonce,
    to: tx.to ?? null,
    value: tx.value,
    data: tx.data,
    gasLimit: tx.gas,
    gasPrice: tx.gasPrice,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    accessList: tx.accessList as TransactionLike<string>["accessList"],
  };
}

/** A signer that holds its key (ethers' Wallet and HDNodeWallet do). */
function holdsKey(signer: Signer): boolean {
  return typeof (signer as { signingKey?: unknown }).signingKey === "object";
}

/**
 * A viem wallet client (the SDK's writes and reads) over an ethers signer and its provider. The
 * chain is read from the provider unless given.
 */
export async function walletClientFromEthers(signer: Signer, options: { chain?: Chain } = {}): Promise<WriteClient & ReturnType<typeof publicActions>> {
  const provider = providerOf(signer);
  const chain = await chainOf(provider, options.chain);
  const address = getAddress(await signer.getAddress()) as Address;
  const account = holdsKey(signer)
    ? toAccount({
        address,
        signMessage: async ({ message }) => (await signer.signMessage(typeof message === "string" ? message : message.raw instanceof Uint8Array ? message.raw : (message.raw as string))) as Hex,
        signTransaction: async (tx) => (await signer.signTransaction(toEthersTransaction(tx))) as Hex,
        signTypedData: async (typed) => {
          const { domain = {}, types, message } = typed as { domain?: object; types: Record<string, { name: string; type: string }[]>; message: Record<string, unknown> };
          const { EIP712Domain: _domain, ...rest } = types;
          return (await signer.signTypedData(domain, rest, message)) as Hex;
        },
      })
    : address;
  return createWalletClient({ account, chain, transport: ethersTransport(provider) }).extend(publicActions) as unknown as WriteClient & ReturnType<typeof publicActions>;
}
