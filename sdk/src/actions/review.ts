// Commit–reveal review: seal and commit votes, reveal them, finalise, validator rewards, slashing.
// The seal is computed locally (never sent to a node before the commit), exactly as
// `Datanets.sealVotes` computes it.
import { concat, encodeAbiParameters, keccak256, toHex, type Address, type Hex } from "viem";
import { getChainId, simulateContract } from "viem/actions";
import { datanetsAbi } from "@openledger/protocol";
import { OpenLedgerError, toOpenLedgerError } from "../errors.ts";
import { contributionIdOf, STATUS_NAMES } from "./datanets.ts";
import { contractsOf, eventsOf, read, send, type ReadClient, type Sent, type WithContracts, type WriteClient } from "./shared.ts";

/** Bit i set approves the i-th contribution. */
export function votesMask(approvals: readonly boolean[]): bigint {
  if (approvals.length === 0 || approvals.length > 256) throw new OpenLedgerError(`a commit covers 1 to 256 contributions, not ${approvals.length}`);
  return approvals.reduce((mask, approve, i) => (approve ? mask | (1n << BigInt(i)) : mask), 0n);
}

export function approvalsOf(mask: bigint, count: number): boolean[] {
  return Array.from({ length: count }, (_, i) => ((mask >> BigInt(i)) & 1n) === 1n);
}

/** `keccak256(abi.encodePacked(contributionIds))` of a batch. */
export function idsHashOf(datanetId: number, digests: readonly Hex[]): Hex {
  return keccak256(concat(digests.map((d) => contributionIdOf(datanetId, d))));
}

export function commitmentKeyOf(validator: Address, datanetId: number, digests: readonly Hex[]): Hex {
  return keccak256(
    encodeAbiParameters([{ type: "address" }, { type: "uint32" }, { type: "bytes32" }], [validator, datanetId, idsHashOf(datanetId, digests)]),
  );
}

export function sealVotes(args: {
  chainId: number;
  datanets: Address;
  validator: Address;
  datanetId: number;
  digests: readonly Hex[];
  votes: bigint;
  salt: Hex;
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "uint256" }, { type: "address" }, { type: "address" }, { type: "uint32" }, { type: "bytes32" }, { type: "uint256" }, { type: "bytes32" }],
      [BigInt(args.chainId), args.datanets, args.validator, args.datanetId, idsHashOf(args.datanetId, args.digests), args.votes, args.salt],
    ),
  );
}

export function randomSalt(): Hex {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** What a validator must keep to reveal later (the CLI stores it in its vote file). */
export interface CommittedVotes {
  commitment: Hex;
  chainId: number;
  datanets: Address;
  validator: Address;
  datanetId: number;
  digests: Hex[];
  approvals: boolean[];
  salt: Hex;
  weight: string;
}

/**
 * Asks the node whether a commit would be accepted, without sending it: a refusal throws the
 * protocol's error (not pending, outside the commit window, not staked…). Only the seal goes to the
 * node, exactly as the commit itself would send it.
 */
export async function simulateCommit(
  client: WriteClient,
  args: WithContracts & { datanetId: number; digests: readonly Hex[]; approvals: readonly boolean[]; salt: Hex },
): Promise<void> {
  const { Datanets } = contractsOf(client, args);
  const chainId = client.chain?.id ?? (await getChainId(client));
  const sealed = sealVotes({ chainId, datanets: Datanets, validator: client.account.address, datanetId: args.datanetId, digests: args.digests, votes: votesMask(args.approvals), salt: args.salt });
  try {
    await simulateContract(client, { address: Datanets, abi: datanetsAbi, functionName: "commit", args: [args.datanetId, args.digests, sealed], account: client.account, chain: client.chain });
  } catch (error) {
    throw toOpenLedgerError(error);
  }
}

/** Commits sealed votes on contributions of one Datanet (in increasing submission order). Keep the returned salt. */
export async function commitVotes(
  client: WriteClient,
  args: WithContracts & { datanetId: number; digests: readonly Hex[]; approvals: readonly boolean[]; salt?: Hex },
): Promise<Sent<CommittedVotes>> {
  const { Datanets } = contractsOf(client, args);
  if (args.digests.length !== args.approvals.length) {
    throw new OpenLedgerError(`${args.digests.length} contributions but ${args.approvals.length} votes: give one vote per contribution`);
  }
  const salt = args.salt ?? randomSalt();
  const chainId = client.chain?.id ?? (await getChainId(client));
  const votes = votesMask(args.approvals);
  const sealed = sealVotes({ chainId, datanets: Datanets, validator: client.account.address, datanetId: args.datanetId, digests: args.digests, votes, salt });
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "commit", args: [args.datanetId, args.digests, sealed] });
  const [committed] = eventsOf(datanetsAbi, receipt, "VotesCommitted");
  if (!committed) throw new OpenLedgerError(`commit in ${hash} emitted no VotesCommitted event`);
  return {
    hash,
    receipt,
    result: {
      commitment: committed.args.commitment as Hex,
      chainId,
      datanets: Datanets,
      validator: client.account.address,
      datanetId: args.datanetId,
      digests: [...args.digests],
      approvals: [...args.approvals],
      salt,
      weight: String(committed.args.weight),
    },
  };
}

export async function revealVotes(
  client: WriteClient,
  args: WithContracts & { datanetId: number; digests: readonly Hex[]; approvals: readonly boolean[]; salt: Hex },
): Promise<Sent<{ commitment: Hex }>> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "reveal",
    args: [args.datanetId, args.digests, votesMask(args.approvals), args.salt],
  });
  const [revealed] = eventsOf(datanetsAbi, receipt, "VotesRevealed");
  return { hash, receipt, result: { commitment: revealed?.args.commitment ?? commitmentKeyOf(client.account.address, args.datanetId, args.digests) } };
}

export interface Finalized {
  contributionId: Hex;
  status: (typeof STATUS_NAMES)[number];
  approveStake: bigint;
  rejectStake: bigint;
  reward: bigint;
  depositRefund: bigint;
}

/** Finalises contributions whose review is over (anyone may). */
export async function finalizeContributions(
  client: WriteClient,
  args: WithContracts & { datanetId: number; digests: readonly Hex[] },
): Promise<Sent<Finalized[]>> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "finalize", args: [args.datanetId, args.digests] });
  const result = eventsOf(datanetsAbi, receipt, "ContributionFinalized").map((e) => ({
    contributionId: e.args.contributionId as Hex,
    status: STATUS_NAMES[Number(e.args.status)]!,
    approveStake: e.args.approveStake as bigint,
    rejectStake: e.args.rejectStake as bigint,
    reward: e.args.reward as bigint,
    depositRefund: e.args.depositRefund as bigint,
  }));
  return { hash, receipt, result };
}

export async function claimValidatorRewards(
  client: WriteClient,
  args: WithContracts & { datanetId: number; digests: readonly Hex[] },
): Promise<Sent<{ amount: bigint }>> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "claimValidatorRewards", args: [args.datanetId, args.digests] });
  const [claimed] = eventsOf(datanetsAbi, receipt, "ValidatorRewardsClaimed");
  return { hash, receipt, result: { amount: claimed?.args.amount ?? 0n } };
}

export async function slashUnrevealed(client: WriteClient, args: WithContracts & { commitment: Hex }): Promise<Sent<{ slashed: bigint }>> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "slashUnrevealed", args: [args.commitment] });
  const [slashed] = eventsOf(datanetsAbi, receipt, "CommitmentSlashed");
  return { hash, receipt, result: { slashed: slashed?.args.amount ?? 0n } };
}

export const COMMITMENT_STATES = ["none", "committed", "revealed", "slashed"] as const;

export interface CommitmentInfo {
  validator: Address;
  committedAt: number;
  weight: bigint;
  state: (typeof COMMITMENT_STATES)[number];
  votes: bigint;
  rewardsClaimed: boolean;
}

export async function getCommitment(client: ReadClient, args: WithContracts & { commitment: Hex }): Promise<CommitmentInfo> {
  const { Datanets } = contractsOf(client, args);
  const [validator, committedAt, weight, state, votes, rewardsClaimed] = await read(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "getCommitment",
    args: [args.commitment],
  });
  return { validator, committedAt: Number(committedAt), weight, state: COMMITMENT_STATES[state] ?? "none", votes, rewardsClaimed };
}

export async function getLastCommittedSequence(client: ReadClient, args: WithContracts & { datanetId: number; validator: Address }): Promise<number> {
  const { Datanets } = contractsOf(client, args);
  return Number(
    await read(client, { address: Datanets, abi: datanetsAbi, functionName: "lastCommittedSequence", args: [args.datanetId, args.validator] }),
  );
}
