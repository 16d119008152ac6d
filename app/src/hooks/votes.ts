// The validator's vote secrets: commit (votes and salt saved in the browser BEFORE the commit is
// sent; never deleted), reveal, credit validator rewards, and the stored records with their status.
import {
  claimValidatorRewards,
  commitmentKeyOf,
  commitVotes,
  getCommitment,
  getContribution,
  randomSalt,
  revealVotes,
  type WriteClient,
} from "@openledger/sdk";
import { useQuery } from "@tanstack/react-query";
import { getAddress, type Hex } from "viem";
import { revealStatusOf } from "../lib/reveal-window.ts";
import type { StoredVotes, VoteStore } from "../lib/vote-store.ts";
import { keys } from "./keys.ts";
import { useProtocol, useReadClient, type Protocol } from "./protocol.tsx";

export function useStoredVotes(validator: string | undefined) {
  const { votes, config } = useProtocol();
  return useQuery({
    queryKey: keys.chain("stored-votes", config.chainId, validator),
    queryFn: async () => (await votes.all(config.chainId)).filter((v) => !validator || v.validator.toLowerCase() === validator.toLowerCase()),
  });
}

export function useRevealStatus(votes: StoredVotes) {
  const { contracts } = useProtocol();
  const client = useReadClient();
  return useQuery({ queryKey: keys.chain("reveal-status", votes.commitment), queryFn: () => revealStatusOf(client, contracts, votes), refetchInterval: 10_000 });
}

export interface Ballot {
  datanetId: number;
  votes: { digest: Hex; approve: boolean }[];
}

/**
 * Commits a ballot. The order is the chain's submission order; the record (with the salt) is written
 * to the store and the write has completed before the transaction is signed. If a record for the
 * same commitment already exists (an earlier attempt), its salt is reused, never replaced.
 */
export async function commitBallot(ballot: Ballot, protocol: Protocol, wallet: WriteClient, store: VoteStore = protocol.votes): Promise<StoredVotes> {
  const { contracts, config } = protocol;
  const validator = getAddress(wallet.account.address);
  const withSequence = await Promise.all(
    ballot.votes.map(async (v) => ({ ...v, sequence: (await getContribution(wallet, { contracts, datanetId: ballot.datanetId, digest: v.digest })).sequence })),
  );
  withSequence.sort((a, b) => a.sequence - b.sequence);
  const digests = withSequence.map((v) => v.digest);
  const approvals = withSequence.map((v) => v.approve);
  const commitment = commitmentKeyOf(validator, ballot.datanetId, digests);
  const earlier = await store.get(config.chainId, commitment);
  if (earlier) {
    // An earlier attempt left a record. If its commit landed, the record is brought up to date and
    // kept; if not, its salt is reused (the record is rewritten only with the same salt).
    const onchain = await getCommitment(wallet, { contracts, commitment });
    if (onchain.state !== "none") {
      if (earlier.state === "sending") await store.save({ ...earlier, state: onchain.state === "revealed" ? "revealed" : "committed", weight: String(onchain.weight) });
      throw new Error(`you already committed votes on these contributions (commitment ${commitment}, ${onchain.state} on chain); its stored votes are kept`);
    }
  }
  const record: StoredVotes = {
    commitment,
    chainId: config.chainId,
    datanets: contracts.Datanets,
    validator,
    datanetId: ballot.datanetId,
    digests,
    approvals,
    salt: earlier?.salt ?? randomSalt(),
    weight: "0",
    state: "sending",
  };
  await store.save(record);
  const sent = await commitVotes(wallet, { contracts, datanetId: ballot.datanetId, digests, approvals, salt: record.salt });
  const committed: StoredVotes = { ...record, weight: sent.result.weight, state: "committed", committedAt: new Date().toISOString() };
  await store.save(committed);
  return committed;
}

export async function revealStored(votes: StoredVotes, protocol: Protocol, wallet: WriteClient): Promise<{ hash: Hex }> {
  const sent = await revealVotes(wallet, { contracts: protocol.contracts, datanetId: votes.datanetId, digests: votes.digests, approvals: votes.approvals, salt: votes.salt });
  await protocol.votes.save({ ...votes, state: "revealed", revealedAt: new Date().toISOString() });
  return { hash: sent.hash };
}

export async function creditValidatorRewards(votes: StoredVotes, protocol: Protocol, wallet: WriteClient) {
  return claimValidatorRewards(wallet, { contracts: protocol.contracts, datanetId: votes.datanetId, digests: votes.digests });
}
