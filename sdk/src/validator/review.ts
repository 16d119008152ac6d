// A validator's review workflow on top of the protocol actions, shared by the CLI and the app:
// what to review, committing with the secret stored first, when each commitment may be revealed,
// revealing what is due, finalising what is over, and crediting validator rewards.
import type { Address, Hex } from "viem";
import { getBlock, getChainId } from "viem/actions";
import { ContributionStatus, getClaim, getContribution, getContributionStatuses, getDatanet, type ContributionInfo, type DatanetInfo } from "../actions/datanets.ts";
import {
  claimValidatorRewards,
  commitmentKeyOf,
  commitVotes,
  getCommitment,
  getLastCommittedSequence,
  randomSalt,
  revealVotes,
  simulateCommit,
  type CommitmentInfo,
} from "../actions/review.ts";
import { contractsOf, type ReadClient, type Sent, type WithContracts, type WriteClient } from "../actions/shared.ts";
import { chainTime, listSubmissions, type SubmittedContribution } from "../contribute.ts";
import { OpenLedgerError, ProtocolError } from "../errors.ts";
import type { StoredVotes, VoteStore } from "./votes.ts";

async function chainIdOf(client: ReadClient): Promise<number> {
  return client.chain?.id ?? (await getChainId(client));
}

/** The hash of block 0: what tells two runs of a development chain apart. */
export async function genesisOf(client: ReadClient): Promise<Hex> {
  const block = await getBlock(client, { blockNumber: 0n });
  return block.hash!;
}

// ─── what to review ─────────────────────────────────────────────────────────

export interface ReviewItem extends SubmittedContribution {
  sequence: number;
  commitClosesAt: number;
}

/**
 * Contributions of a Datanet the validator can still vote on: pending, inside their commit window,
 * and after the validator's last committed sequence (commits go in submission order).
 */
export async function pendingReview(
  client: ReadClient,
  args: WithContracts & { datanetId: number; validator: Address; fromBlock?: bigint; now?: number },
): Promise<ReviewItem[]> {
  const [datanet, now, last, submissions] = await Promise.all([
    getDatanet(client, args),
    args.now ?? chainTime(client),
    getLastCommittedSequence(client, args),
    listSubmissions(client, args),
  ]);
  // One call for every status, then the pending ones read side by side (a Datanet's history is
  // mostly final, and reading each in turn cost one round trip per submission).
  const statuses = await getContributionStatuses(client, { ...args, contributionIds: submissions.map((s) => s.contributionId) });
  const pending = submissions.filter((_, i) => statuses[i] === ContributionStatus.Pending);
  const details = await Promise.all(pending.map((s) => getContribution(client, { ...args, contributionId: s.contributionId })));
  const items: ReviewItem[] = [];
  for (const [i, s] of pending.entries()) {
    const c = details[i]!;
    const commitClosesAt = c.submittedAt + datanet.rules.commitWindow;
    if (c.status === ContributionStatus.Pending && now < commitClosesAt && c.sequence > last) items.push({ ...s, sequence: c.sequence, commitClosesAt });
  }
  return items;
}

// ─── committing ─────────────────────────────────────────────────────────────

export interface Vote {
  digest: Hex;
  approve: boolean;
}

/**
 * The record of a commit before it is sent: votes sorted into submission order (the contract's
 * rule), a fresh salt, and the commitment key. Refuses votes on contributions that do not exist
 * in the Datanet, or two votes on one contribution.
 */
export async function prepareBallot(
  client: ReadClient,
  args: WithContracts & { datanetId: number; validator: Address; votes: readonly Vote[]; salt?: Hex },
): Promise<StoredVotes> {
  if (args.votes.length === 0) throw new OpenLedgerError("a commit needs at least one vote");
  const seen = new Set<string>();
  for (const v of args.votes) {
    if (seen.has(v.digest.toLowerCase())) throw new OpenLedgerError(`two votes on contribution ${v.digest}: give one vote per contribution`);
    seen.add(v.digest.toLowerCase());
  }
  const { Datanets } = contractsOf(client, args);
  const infos = await Promise.all(args.votes.map((v) => getContribution(client, { ...args, digest: v.digest })));
  infos.forEach((info, i) => {
    if (info.status === ContributionStatus.None) throw new OpenLedgerError(`${args.votes[i]!.digest} is not a contribution of Datanet ${args.datanetId}`);
  });
  const ordered = args.votes.map((v, i) => ({ ...v, sequence: infos[i]!.sequence })).sort((a, b) => a.sequence - b.sequence);
  const digests = ordered.map((v) => v.digest);
  return {
    commitment: commitmentKeyOf(args.validator, args.datanetId, digests),
    chainId: await chainIdOf(client),
    genesis: await genesisOf(client),
    datanets: Datanets,
    validator: args.validator,
    datanetId: args.datanetId,
    digests,
    approvals: ordered.map((v) => v.approve),
    salt: args.salt ?? randomSalt(),
    weight: "0",
    state: "sending",
  };
}

/**
 * A commit of the same contributions was tried before (the record exists). If it reached the chain
 * with the same votes, that commit stands and is returned (committing again is idempotent); with
 * other votes it is refused (a commitment cannot be changed). If it did not reach the chain, the
 * retry reuses its salt, and must carry the same votes while that attempt may still be in flight.
 */
async function retryOf(client: WriteClient, args: WithContracts & { store: VoteStore }, earlier: StoredVotes, fresh: StoredVotes): Promise<StoredVotes | { landed: StoredVotes }> {
  const sameVotes = earlier.approvals.join() === fresh.approvals.join();
  const onchain = await getCommitment(client, { ...args, commitment: fresh.commitment });
  if (onchain.state !== "none") {
    const settled: StoredVotes = { ...earlier, state: onchain.state === "revealed" ? "revealed" : "committed", weight: String(onchain.weight) };
    if (earlier.state === "sending" || earlier.state === "refused") await args.store.save(settled);
    if (sameVotes) return { landed: settled };
    throw new OpenLedgerError(`you already committed other votes on these contributions (commitment ${fresh.commitment}, ${onchain.state} on chain); a commitment cannot be changed, and its stored votes are kept`);
  }
  if (earlier.state === "sending" && !sameVotes) {
    throw new OpenLedgerError(`an earlier commit of these contributions with other votes may still be on its way (commitment ${fresh.commitment}); retry it with the same votes, or wait until it is settled`);
  }
  return { ...fresh, salt: earlier.salt };
}

export interface CommitOutcome {
  votes: StoredVotes;
  /** The commit's transaction; absent when the same votes were already committed. */
  hash?: Hex;
  alreadyCommitted: boolean;
}

/**
 * Commits votes with the secret kept first: a dry run asks the node whether the commit would be
 * accepted (a refusal leaves nothing behind), the record goes to the store (durably) before the
 * transaction is sent, and is updated once the chain confirms. A commit refused after that (the
 * state changed in between) is marked "refused" and kept; a commit whose fate is unknown (the node
 * went away) stays "sending", and `planReveals` settles it from the chain later.
 */
export async function commitBallot(
  client: WriteClient,
  args: WithContracts & { datanetId: number; votes: readonly Vote[]; store: VoteStore; salt?: Hex },
): Promise<CommitOutcome> {
  let record = await prepareBallot(client, { ...args, validator: client.account.address });
  const earlier = await args.store.get(record.chainId, record.commitment);
  if (earlier) {
    const retry = await retryOf(client, args, earlier, record);
    if ("landed" in retry) return { votes: retry.landed, alreadyCommitted: true };
    record = retry;
  }
  // A commit the chain refuses now leaves no trace; after this point the record is never removed.
  await simulateCommit(client, { ...args, digests: record.digests, approvals: record.approvals, salt: record.salt });
  await args.store.save(record);
  let sent: Awaited<ReturnType<typeof commitVotes>>;
  try {
    sent = await commitVotes(client, { ...args, digests: record.digests, approvals: record.approvals, salt: record.salt });
  } catch (error) {
    if (error instanceof ProtocolError) await args.store.save({ ...record, state: "refused", refusal: error.shortMessage });
    throw error;
  }
  const committed: StoredVotes = { ...record, weight: sent.result.weight, state: "committed", committedAt: new Date().toISOString() };
  await args.store.save(committed);
  return { votes: committed, hash: sent.hash, alreadyCommitted: false };
}

// ─── revealing ──────────────────────────────────────────────────────────────

export interface RevealWindow {
  onchain: CommitmentInfo["state"];
  /** The commit window of the latest contribution ends. */
  opensAt: number;
  /** The reveal window of the earliest contribution ends. */
  closesAt: number;
  /** Every contribution is final (validator rewards can be credited). */
  final: boolean;
  rewardsClaimed: boolean;
}

/**
 * The reveal window of a commitment over its contributions. `voided[i]` marks a contribution whose
 * copy this commitment voted on was displaced by a committed submission: the vote on it counts
 * nowhere and sets no window, and a commitment that is all void can be revealed at once (which
 * spares the validator the slash of an unrevealed commitment).
 */
export function revealWindowOf(
  datanet: Pick<DatanetInfo, "rules">,
  contributions: readonly Pick<ContributionInfo, "submittedAt" | "status">[],
  commitment: Pick<CommitmentInfo, "state" | "rewardsClaimed">,
  voided: readonly boolean[] = [],
): RevealWindow {
  const live = contributions.filter((_, i) => !voided[i]);
  const submitted = live.map((c) => c.submittedAt);
  return {
    onchain: commitment.state,
    opensAt: live.length === 0 ? 0 : Math.max(...submitted) + datanet.rules.commitWindow,
    closesAt: live.length === 0 ? Number.MAX_SAFE_INTEGER : Math.min(...submitted) + datanet.rules.commitWindow + datanet.rules.revealWindow,
    final: live.every((c) => c.status !== ContributionStatus.Pending && c.status !== ContributionStatus.None),
    rewardsClaimed: commitment.rewardsClaimed,
  };
}

/** A stored commitment's reveal window and on-chain state, read from the chain. */
export async function revealStatusOf(client: ReadClient, args: WithContracts & { votes: StoredVotes }): Promise<RevealWindow> {
  const { votes } = args;
  const [commitment, datanet, contributions] = await Promise.all([
    getCommitment(client, { ...args, commitment: votes.commitment }),
    getDatanet(client, { ...args, datanetId: votes.datanetId }),
    Promise.all(votes.digests.map((digest) => getContribution(client, { ...args, datanetId: votes.datanetId, digest }))),
  ]);
  // A round that opened in or after the commitment's second may have displaced the copy it voted on.
  const voided = await Promise.all(
    contributions.map(async (c) => commitment.state !== "none" && commitment.committedAt <= c.submittedAt && (await getClaim(client, { ...args, contributionId: c.id })).displaced),
  );
  return revealWindowOf(datanet, contributions, commitment, voided);
}

export type RevealAction = "reveal" | "wait" | "closed" | "revealed" | "slashed" | "not-on-chain" | "other-chain";

export interface PlannedReveal {
  votes: StoredVotes;
  window: RevealWindow;
  action: RevealAction;
}

function actionOf(window: RevealWindow, now: number): RevealAction {
  if (window.onchain === "revealed") return "revealed";
  if (window.onchain === "slashed") return "slashed";
  if (window.onchain === "none") return "not-on-chain";
  if (now < window.opensAt) return "wait";
  if (now >= window.closesAt) return "closed";
  return "reveal";
}

/**
 * Every stored commitment of this validator on this chain and deployment that is not yet settled,
 * with what to do about it now. Records the chain has moved on from are brought up to date in the
 * store (a "sending" record the chain holds becomes "committed"; a revealed one "revealed").
 */
export async function planReveals(
  client: ReadClient,
  args: WithContracts & { store: VoteStore; validator: Address; datanetId?: number; commitment?: Hex; now?: number },
): Promise<PlannedReveal[]> {
  const { Datanets } = contractsOf(client, args);
  const chainId = await chainIdOf(client);
  const now = args.now ?? (await chainTime(client));
  const records = await args.store.all({ chainId, datanets: Datanets, validator: args.validator, ...(args.datanetId ? { datanetId: args.datanetId } : {}) });
  const genesis = await genesisOf(client);
  const plans: PlannedReveal[] = [];
  for (const votes of records) {
    if (votes.state === "revealed" || votes.state === "refused") continue;
    if (args.commitment && votes.commitment.toLowerCase() !== args.commitment.toLowerCase()) continue;
    if (votes.genesis && votes.genesis.toLowerCase() !== genesis.toLowerCase()) {
      plans.push({ votes, window: { onchain: "none", opensAt: 0, closesAt: 0, final: false, rewardsClaimed: false }, action: "other-chain" });
      continue;
    }
    const window = await revealStatusOf(client, { ...args, votes });
    let current = votes;
    if (window.onchain === "revealed") current = { ...votes, state: "revealed" };
    else if (window.onchain === "committed" && votes.state === "sending") current = { ...votes, state: "committed" };
    if (current !== votes) await args.store.save(current);
    plans.push({ votes: current, window, action: actionOf(window, now) });
  }
  return plans;
}

export interface RevealOutcome {
  commitment: Hex;
  action: RevealAction;
  /** For people: "revealed (tx …)", "reveal opens at …". */
  outcome: string;
  hash?: Hex;
}

const iso = (seconds: number) => new Date(seconds * 1000).toISOString().replace(".000Z", "Z");

/** Reveals one stored commitment and records that it was revealed. */
export async function revealStored(client: WriteClient, args: WithContracts & { store: VoteStore; votes: StoredVotes }): Promise<Sent<StoredVotes>> {
  const { votes } = args;
  const sent = await revealVotes(client, { ...args, datanetId: votes.datanetId, digests: votes.digests, approvals: votes.approvals, salt: votes.salt });
  const revealed: StoredVotes = { ...votes, state: "revealed", revealedAt: new Date().toISOString() };
  await args.store.save(revealed);
  return { hash: sent.hash, receipt: sent.receipt, result: revealed };
}

/** Reveals every stored commitment whose window is open now; reports the rest. */
export async function revealDue(
  client: WriteClient,
  args: WithContracts & { store: VoteStore; datanetId?: number; commitment?: Hex },
): Promise<RevealOutcome[]> {
  const plans = await planReveals(client, { ...args, validator: client.account.address });
  const out: RevealOutcome[] = [];
  for (const { votes, window, action } of plans) {
    const base = { commitment: votes.commitment, action };
    if (action === "wait") out.push({ ...base, outcome: `reveal opens at ${iso(window.opensAt)}` });
    else if (action === "closed") out.push({ ...base, outcome: `reveal window closed at ${iso(window.closesAt)}` });
    else if (action === "other-chain") out.push({ ...base, outcome: `from another run of chain ${votes.chainId} (genesis ${votes.genesis}): not revealed here` });
    else if (action !== "reveal") out.push({ ...base, outcome: `not open on chain (${window.onchain})` });
    else {
      const sent = await revealStored(client, { ...args, votes });
      out.push({ ...base, outcome: `revealed (tx ${sent.hash})`, hash: sent.hash });
    }
  }
  return out;
}

// ─── after the review ───────────────────────────────────────────────────────

/** Digests of a Datanet's contributions whose review is over and that nobody has finalised yet. */
export async function dueForFinalization(client: ReadClient, args: WithContracts & { datanetId: number; fromBlock?: bigint; now?: number }): Promise<Hex[]> {
  const [datanet, now, submissions] = await Promise.all([getDatanet(client, args), args.now ?? chainTime(client), listSubmissions(client, args)]);
  const seen = new Set<string>();
  const unique = submissions.filter((s) => !seen.has(s.digest) && seen.add(s.digest));
  // One call for every status; only the pending ones are read further, side by side.
  const statuses = await getContributionStatuses(client, { ...args, contributionIds: unique.map((s) => s.contributionId) });
  const pending = unique.filter((_, i) => statuses[i] === ContributionStatus.Pending);
  const details = await Promise.all(pending.map((s) => getContribution(client, { ...args, contributionId: s.contributionId })));
  const reviewLength = datanet.rules.commitWindow + datanet.rules.revealWindow;
  return pending.filter((_, i) => details[i]!.status === ContributionStatus.Pending && now >= details[i]!.submittedAt + reviewLength).map((s) => s.digest);
}

export interface CreditOutcome {
  commitment: Hex;
  outcome: string;
  amount?: bigint;
}

/** Credits validator rewards for every revealed commitment of this validator whose contributions are all final. */
export async function creditValidatorRewards(
  client: WriteClient,
  args: WithContracts & { store: VoteStore; datanetId: number },
): Promise<CreditOutcome[]> {
  const { Datanets } = contractsOf(client, args);
  const records = await args.store.all({ chainId: await chainIdOf(client), datanets: Datanets, validator: client.account.address, datanetId: args.datanetId });
  const genesis = await genesisOf(client);
  const out: CreditOutcome[] = [];
  for (const votes of records) {
    if (votes.genesis && votes.genesis.toLowerCase() !== genesis.toLowerCase()) continue;
    const window = await revealStatusOf(client, { ...args, votes });
    if (window.onchain !== "revealed" || window.rewardsClaimed) continue;
    if (!window.final) {
      out.push({ commitment: votes.commitment, outcome: "waiting: not every contribution is final" });
      continue;
    }
    const sent = await claimValidatorRewards(client, { ...args, digests: votes.digests });
    out.push({ commitment: votes.commitment, outcome: "credited", amount: sent.result.amount });
  }
  return out;
}

