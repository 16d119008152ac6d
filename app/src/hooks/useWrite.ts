// The transaction helper every write goes through (scaffold-eth's useScaffoldWriteContract, over
// the SDK's actions): the wallet is wagmi's connector client, every transaction hash it sends is
// recorded as it is sent (so the page links each one, the approval included), errors come back as
// the SDK's typed errors, and after the write the chain's data is refreshed at once and the
// indexer's as it catches up.
import type { WriteClient } from "@openledger/sdk";
import { useMutation, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useCallback, useState } from "react";
import { createWalletClient, custom, type Hex } from "viem";
import { useConfig } from "wagmi";
import { getConnectorClient } from "wagmi/actions";
import { useProtocol, type Protocol } from "./protocol.tsx";

const TX_METHODS = new Set(["eth_sendTransaction", "eth_sendRawTransaction"]);

/** Refreshes what a write may have changed: the chain now, the indexer when it has seen the block. */
export function refreshAfterWrite(queryClient: QueryClient): void {
  void queryClient.invalidateQueries({ queryKey: ["chain"] });
  void queryClient.invalidateQueries({ queryKey: ["indexer"] });
  for (const delay of [800, 2_000, 4_500]) setTimeout(() => void queryClient.invalidateQueries({ queryKey: ["indexer"] }), delay);
}

export interface WriteContext {
  protocol: Protocol;
  wallet: WriteClient;
  /** Reports a step ("uploading 2 of 3") to the page. */
  step(text: string): void;
}

export function useProtocolWrite<V, R>(action: (vars: V, context: WriteContext) => Promise<R>) {
  const protocol = useProtocol();
  const wagmiConfig = useConfig();
  const queryClient = useQueryClient();
  const [hashes, setHashes] = useState<Hex[]>([]);
  const [step, setStep] = useState<string | undefined>();
  const mutation = useMutation({
    mutationFn: async (vars: V) => {
      setHashes([]);
      setStep(undefined);
      const connector = await getConnectorClient(wagmiConfig, { chainId: protocol.config.chainId });
      const wallet = createWalletClient({
        account: connector.account,
        chain: connector.chain,
        pollingInterval: 500,
        transport: custom({
          async request(args) {
            const result = (await connector.request(args as never)) as unknown;
            if (TX_METHODS.has(args.method) && typeof result === "string") setHashes((h) => [...h, result as Hex]);
            return result;
          },
        }),
      }) as unknown as WriteClient;
      return action(vars, { protocol, wallet, step: setStep });
    },
    onSettled: () => {
      setStep(undefined);
      refreshAfterWrite(queryClient);
    },
  });
  const reset = useCallback(() => {
    mutation.reset();
    setHashes([]);
  }, [mutation]);
  return { ...mutation, hashes, step, reset };
}
