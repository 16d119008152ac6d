// What every action shares: the contract addresses, the client types, and `send`, which simulates
// a call first (so a refused call is reported with its decoded error and never sent), then sends
// it and waits for the receipt.
import {
  parseEventLogs,
  type Abi,
  type AbiStateMutability,
  type Account,
  type Address,
  type Chain,
  type Client,
  type ContractEventName,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  type Hex,
  type ParseEventLogsReturnType,
  type ReadContractParameters,
  type SimulateContractParameters,
  type TransactionReceipt,
  type Transport,
  type EstimateContractGasParameters,
  type WriteContractParameters,
} from "viem";
import { estimateContractGas, readContract, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { OpenLedgerError, toOpenLedgerError } from "../errors.ts";

import type { ProtocolContracts } from "@openledger/protocol";

/** The addresses of a deployment (`protocol/deployments/<chainId>.json` → `contracts`). */
export type { ProtocolContracts };

export type ReadClient = Client<Transport, Chain | undefined>;
export type WriteClient = Client<Transport, Chain | undefined, Account>;

/** Every action takes the contracts in its arguments, or from a client extended with `openLedgerActions`. */
export interface WithContracts {
  contracts?: ProtocolContracts;
}

export function contractsOf(client: ReadClient, args: WithContracts): ProtocolContracts {
  const contracts = args.contracts ?? (client as { openLedgerContracts?: ProtocolContracts }).openLedgerContracts;
  if (!contracts) {
    throw new OpenLedgerError("no protocol contracts given", {
      details: "Pass `contracts` (a deployment's addresses) or extend the client with `openLedgerActions(contracts)`.",
      docsPath: "sdk/README.md#clients",
    });
  }
  return contracts;
}

/** A mined transaction and what it produced. */
export interface Sent<T = undefined> {
  hash: Hex;
  receipt: TransactionReceipt;
  result: T;
}

type WriteMutability = "nonpayable" | "payable";
type ReadMutability = "pure" | "view";

/** A contract call typed from an `as const` ABI: viem checks the name and arguments, and infers the result. */
export interface CallSpec<
  abi extends Abi,
  mutability extends AbiStateMutability,
  functionName extends ContractFunctionName<abi, mutability>,
  args extends ContractFunctionArgs<abi, mutability, functionName>,
> {
  address: Address;
  abi: abi;
  functionName: functionName;
  args: args;
  /**
   * Gas to add to the estimate, for work the transaction may meet that the estimate (against the
   * pending block as it is now) cannot see: a committed submission displacing a copy that lands first.
   */
  gasHeadroom?: bigint;
}

/** Simulates, sends and waits; contract reverts come back as typed `ProtocolError`s. */
export async function send<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, WriteMutability>,
  const args extends ContractFunctionArgs<abi, WriteMutability, functionName>,
>(
  client: WriteClient,
  call: CallSpec<abi, WriteMutability, functionName, args>,
): Promise<{ hash: Hex; receipt: TransactionReceipt; simulated: ContractFunctionReturnType<abi, WriteMutability, functionName, args> }> {
  const { gasHeadroom, ...spec } = call;
  const parameters = { ...spec, account: client.account, chain: client.chain } as SimulateContractParameters<abi, functionName, args, Chain | undefined, Chain | undefined, Account>;
  let simulated: ContractFunctionReturnType<abi, WriteMutability, functionName, args>;
  let hash: Hex;
  try {
    // Against the pending block: the one the transaction will land in, with the time it will see. (A
    // chain that mines on demand, like the local stack's, keeps the latest block's time as old as its
    // last transaction, so a window that has closed since would still look open there.)
    const simulation = await simulateContract(client, { ...parameters, blockTag: "pending" } as typeof parameters);
    simulated = simulation.result as ContractFunctionReturnType<abi, WriteMutability, functionName, args>;
    const request = simulation.request as WriteContractParameters;
    if (gasHeadroom) request.gas = (await estimateContractGas(client, { ...request, blockTag: "pending" } as EstimateContractGasParameters)) + gasHeadroom;
    hash = await writeContract(client, request);
  } catch (error) {
    throw toOpenLedgerError(error);
  }
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") {
    // The state changed between simulation and inclusion; replay to name the reason.
    try {
      await simulateContract(client, { ...parameters, blockNumber: receipt.blockNumber } as typeof parameters);
    } catch (error) {
      throw toOpenLedgerError(error);
    }
    throw new OpenLedgerError(`${call.functionName} reverted in transaction ${hash}`, { docsPath: "sdk/README.md#errors" });
  }
  return { hash, receipt, simulated };
}

/** A read that decodes protocol errors; the result's type comes from the ABI. */
export async function read<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, ReadMutability>,
  const args extends ContractFunctionArgs<abi, ReadMutability, functionName>,
>(client: ReadClient, call: CallSpec<abi, ReadMutability, functionName, args>): Promise<ContractFunctionReturnType<abi, ReadMutability, functionName, args>> {
  try {
    return await readContract(client, call as ReadContractParameters<abi, functionName, args>);
  } catch (error) {
    throw toOpenLedgerError(error);
  }
}

export function eventsOf<const abi extends Abi, name extends ContractEventName<abi>>(
  abi: abi,
  receipt: TransactionReceipt,
  eventName: name,
): ParseEventLogsReturnType<abi, name> {
  return parseEventLogs({ abi, logs: receipt.logs, eventName });
}
