// Reads from the chain through the SDK's read actions: what must keep working when the indexer is
// down (balances, claimable OPEN, stake, quotas, a Datanet's settings, contributions by digest).
// The SDK is loaded on the first read, so that it is not part of the first screen's JavaScript.
import type { ContributionInfo, DatanetInfo } from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import type { Address, Hex } from "viem";
import { keys } from "./keys.ts";
import { useProtocol, useReadClient } from "./protocol.tsx";

const sdk = () => import("../lib/lazy-sdk.ts");

export function useOpenBalance(account: Address | undefined) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({
    queryKey: keys.chain("balance", account),
    queryFn: async () => (await sdk()).getOpenBalance(client, { contracts, account: account! }),
    enabled: !!account,
    refetchInterval: 10_000,
  });
}

export function useRewardsAccount(account: Address | undefined) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({
    queryKey: keys.chain("account", account),
    queryFn: async () => (await sdk()).getAccount(client, { contracts, account: account! }),
    enabled: !!account,
  });
}

export function useStakePosition(validator: Address | undefined) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({
    queryKey: keys.chain("stake", validator),
    queryFn: async () => (await sdk()).getStakePosition(client, { contracts, validator: validator! }),
    enabled: !!validator,
  });
}

export function useDatanetOnChain(datanetId: number | undefined) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery<DatanetInfo>({
    queryKey: keys.chain("datanet", datanetId),
    queryFn: async () => (await sdk()).getDatanet(client, { contracts, datanetId: datanetId! }),
    enabled: datanetId !== undefined && datanetId > 0,
    retry: false,
  });
}

/** Every Datanet read from the chain: the list when the indexer is down. */
export function useDatanetsOnChain(enabled: boolean) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({
    queryKey: keys.chain("datanets"),
    queryFn: async () => {
      const { getDatanet, getDatanetCount, modalityName, formatsOfMask, formatName } = await sdk();
      const count = await getDatanetCount(client, { contracts });
      const all = await Promise.all(Array.from({ length: count }, (_, i) => getDatanet(client, { contracts, datanetId: i + 1 })));
      return all.map((d) => ({ ...d, modalityName: modalityName(d.modality) as string, formatNames: formatsOfMask(d.formats).map(formatName) as string[] }));
    },
    enabled,
  });
}

export function useProtocolLimits() {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({ queryKey: keys.chain("limits"), queryFn: async () => (await sdk()).getProtocolLimits(client, { contracts }), staleTime: 60_000 });
}

export function useQuota(datanetId: number | undefined, account: Address | undefined) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({
    queryKey: keys.chain("quota", datanetId, account),
    queryFn: async () => (await sdk()).getQuota(client, { contracts, datanetId: datanetId!, account: account! }),
    enabled: !!account && datanetId !== undefined && datanetId > 0,
  });
}

export function useContributionOnChain(datanetId: number, digest: Hex | undefined) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery<ContributionInfo>({
    queryKey: keys.chain("contribution", datanetId, digest),
    queryFn: async () => (await sdk()).getContribution(client, { contracts, datanetId, digest: digest! }),
    enabled: !!digest,
  });
}

/**
 * The chain's clock offset from the wall clock, learnt from block timestamps. A block's time is
 * never ahead of "wall clock + offset" (the local chain's clock can be moved ahead with
 * evm_increaseTime), so the largest offset seen is the best estimate; a lower block number means a
 * restarted chain, and the estimate starts over.
 */
export function nextClockEstimate(previous: { offset: number; block: number } | undefined, block: { number: number; timestamp: number }, wallSeconds: number) {
  const offset = block.timestamp - wallSeconds;
  if (!previous || block.number < previous.block) return { offset, block: block.number };
  return { offset: Math.max(previous.offset, offset), block: block.number };
}

let clock: { offset: number; block: number } | undefined;

/** The chain's clock in seconds, ticking every second. Countdowns to review windows use it, never `Date.now()` alone. */
export function useChainTime(): number | undefined {
  const client = useReadClient();
  const block = useQuery({
    queryKey: keys.chain("time"),
    queryFn: async () => {
      const latest = (await client.request({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { number: Hex; timestamp: Hex };
      clock = nextClockEstimate(clock, { number: Number(latest.number), timestamp: Number(latest.timestamp) }, Date.now() / 1000);
      return clock;
    },
    refetchInterval: 5_000,
  });
  const [, tick] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => tick((n) => n + 1), 1_000);
    return () => clearInterval(timer);
  }, []);
  if (!block.data) return undefined;
  return Math.floor(Date.now() / 1000 + block.data.offset);
}
