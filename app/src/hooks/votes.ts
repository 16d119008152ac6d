// The validator's vote secrets: commit (votes and salt saved in the browser BEFORE the commit is
// sent; never deleted), reveal, credit validator rewards, and the stored records with their status.
// The workflow is the SDK's (the CLI runs the same); the store is the browser's IndexedDB.
import {
  claimValidatorRewards,
  commitBallot as commitWithStore,
  revealStatusOf,
  revealStored as revealWithStore,
  type StoredVotes,
  type VoteStore,
  type WriteClient,
} from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import type { Hex } from "viem";
import { keys } from "./keys.ts";
import { useProtocol, useReadClient, type Protocol } from "./protocol.tsx";

export function useStoredVotes(validator: string | undefined) {
  const { votes, config, contracts } = useProtocol();
  return useQuery({
    queryKey: keys.chain("stored-votes", config.chainId, validator),
    queryFn: () => votes.all({ chainId: config.chainId, datanets: contracts.Datanets, ...(validator ? { validator } : {}) }),
  });
}

export function useRevealStatus(votes: StoredVotes) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({ queryKey: keys.chain("reveal-status", votes.commitment), queryFn: () => revealStatusOf(client, { contracts, votes }), refetchInterval: 10_000 });
}

export interface Ballot {
  datanetId: number;
  votes: { digest: Hex; approve: boolean }[];
}

/** Commits a ballot with the SDK's workflow: the record is durable in the browser before the wallet signs. */
export async function commitBallot(ballot: Ballot, protocol: Protocol, wallet: WriteClient, store: VoteStore = protocol.votes): Promise<StoredVotes> {
  const done = await commitWithStore(wallet, { contracts: protocol.contracts, datanetId: ballot.datanetId, votes: ballot.votes, store });
  return done.votes;
}

export async function revealStored(votes: StoredVotes, protocol: Protocol, wallet: WriteClient): Promise<{ hash: Hex }> {
  const sent = await revealWithStore(wallet, { contracts: protocol.contracts, store: protocol.votes, votes });
  return { hash: sent.hash };
}

export async function creditValidatorRewards(votes: StoredVotes, protocol: Protocol, wallet: WriteClient) {
  return claimValidatorRewards(wallet, { contracts: protocol.contracts, datanetId: votes.datanetId, digests: votes.digests });
}
