// Whether each service answers, polled: the banner says which one is down and what still works.
import { useQuery } from "@tanstack/react-query";
import { keys } from "./keys.ts";
import { useProtocol } from "./protocol.tsx";

async function answers(url: string, init: RequestInit = {}): Promise<boolean> {
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(4_000) });
    return res.ok;
  } catch {
    return false;
  }
}

export function useServiceHealth() {
  const { urls } = useProtocol();
  const indexer = useQuery({ queryKey: keys.health("indexer"), queryFn: () => answers(`${urls.indexer}/health`), refetchInterval: 8_000 });
  const ipfs = useQuery({ queryKey: keys.health("ipfs"), queryFn: () => answers(`${urls.ipfs}/api/v0/version`, { method: "POST" }), refetchInterval: 8_000 });
  const trainer = useQuery({ queryKey: keys.health("trainer"), queryFn: () => answers(`${urls.trainer}/health`), refetchInterval: 10_000 });
  const chain = useQuery({
    queryKey: keys.health("chain"),
    queryFn: () =>
      answers(urls.rpc, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }) }),
    refetchInterval: 8_000,
  });
  return {
    indexer: indexer.data,
    ipfs: ipfs.data,
    trainer: trainer.data,
    chain: chain.data,
  };
}
