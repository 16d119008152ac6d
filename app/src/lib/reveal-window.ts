// When a stored commitment may be revealed: from the indexer's commitment row when it has one, else
// from the chain (as the CLI computes it): the window opens when the commit window of its latest
// contribution ends and closes when the reveal window of its earliest contribution ends.
import { ContributionStatus, getCommitment, getContribution, getDatanet, type ProtocolContracts, type ReadClient } from "@openledger/sdk";
import type { StoredVotes } from "./vote-store.ts";

export interface RevealStatus {
  onchain: "none" | "committed" | "revealed" | "slashed";
  opensAt: number;
  closesAt: number;
  /** Every contribution of the commitment is final (validator rewards can be credited). */
  final: boolean;
  rewardsClaimed: boolean;
}

export async function revealStatusOf(client: ReadClient, contracts: ProtocolContracts, votes: StoredVotes): Promise<RevealStatus> {
  const [commitment, datanet, contributions] = await Promise.all([
    getCommitment(client, { contracts, commitment: votes.commitment }),
    getDatanet(client, { contracts, datanetId: votes.datanetId }),
    Promise.all(votes.digests.map((digest) => getContribution(client, { contracts, datanetId: votes.datanetId, digest }))),
  ]);
  const submitted = contributions.map((c) => c.submittedAt);
  return {
    onchain: commitment.state,
    opensAt: Math.max(...submitted) + datanet.rules.commitWindow,
    closesAt: Math.min(...submitted) + datanet.rules.commitWindow + datanet.rules.revealWindow,
    final: contributions.every((c) => c.status !== ContributionStatus.Pending && c.status !== ContributionStatus.None),
    rewardsClaimed: commitment.rewardsClaimed,
  };
}
