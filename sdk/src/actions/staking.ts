// Validator stake: stake (approving first when needed), unstake, withdraw, and the position.
import type { Address } from "viem";
import { validatorStakingAbi } from "@openledger/protocol";
import { contractsOf, eventsOf, read, send, type ReadClient, type Sent, type WithContracts, type WriteClient } from "./shared.ts";
import { ensureAllowance } from "./token.ts";

export async function stake(client: WriteClient, args: WithContracts & { amount: bigint }): Promise<Sent<{ activeAt: Date }>> {
  const contracts = contractsOf(client, args);
  await ensureAllowance(client, { contracts, spender: contracts.ValidatorStaking, amount: args.amount });
  const { hash, receipt } = await send(client, { address: contracts.ValidatorStaking, abi: validatorStakingAbi, functionName: "stake", args: [args.amount] });
  const [staked] = eventsOf(validatorStakingAbi, receipt, "Staked");
  return { hash, receipt, result: { activeAt: new Date(Number(staked?.args.activeAt ?? 0n) * 1000) } };
}

export async function unstake(client: WriteClient, args: WithContracts & { amount: bigint }): Promise<Sent<{ withdrawableAt: Date }>> {
  const { ValidatorStaking } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: ValidatorStaking, abi: validatorStakingAbi, functionName: "unstake", args: [args.amount] });
  const [started] = eventsOf(validatorStakingAbi, receipt, "UnstakeStarted");
  return { hash, receipt, result: { withdrawableAt: new Date(Number(started?.args.withdrawableAt ?? 0n) * 1000) } };
}

export async function withdrawStake(client: WriteClient, args: WithContracts = {}): Promise<Sent<{ amount: bigint }>> {
  const { ValidatorStaking } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: ValidatorStaking, abi: validatorStakingAbi, functionName: "withdraw", args: [] });
  const [withdrawn] = eventsOf(validatorStakingAbi, receipt, "Withdrawn");
  return { hash, receipt, result: { amount: withdrawn?.args.amount ?? 0n } };
}

export interface StakePosition {
  active: bigint;
  activating: bigint;
  activeAt: Date;
  unbonding: bigint;
  withdrawableAt: Date;
  /** Stake that votes now. */
  eligible: bigint;
  minimumStake: bigint;
  /** Commitments not yet revealed or slashed (stake cannot leave while any is open). */
  openVotes: number;
}

export async function getStakePosition(client: ReadClient, args: WithContracts & { validator: Address }): Promise<StakePosition> {
  const { ValidatorStaking } = contractsOf(client, args);
  const contract = { address: ValidatorStaking, abi: validatorStakingAbi } as const;
  const [position, eligible, minimumStake, openVotes] = await Promise.all([
    read(client, { ...contract, functionName: "positionOf", args: [args.validator] }),
    read(client, { ...contract, functionName: "eligibleStake", args: [args.validator] }),
    read(client, { ...contract, functionName: "minimumStake", args: [] }),
    read(client, { ...contract, functionName: "openVotes", args: [args.validator] }),
  ]);
  const [active, activating, activeAt, unbonding, withdrawableAt] = position;
  return {
    active,
    activating,
    activeAt: new Date(Number(activeAt) * 1000),
    unbonding,
    withdrawableAt: new Date(Number(withdrawableAt) * 1000),
    eligible,
    minimumStake,
    openVotes: Number(openVotes),
  };
}
