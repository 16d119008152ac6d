// What every action shares: the contract addresses, the client types, and `send`, which simulates
// a call first (so a refused call is reported with its decoded error and never sent), then sends
// it and waits for the receipt.
import {
  parseEventLogs,
  type Abi,
  type Account,
  type Address,
  type Chain,
  type Client,
  type ContractEventName,
  type Hex,
  type ParseEventLogsReturnType,
  type TransactionReceipt,
  type Transport,
} from "viem";
import { readContract, simulateContract, waitForTransactionReceipt, writeContract } from "viem/actions";
import { OpenLedgerError, toOpenLedgerError } from "../errors.ts";

/** The addresses of a deployment (`generated/deployments/<chainId>.json` → `contracts`). */
export interface ProtocolContracts {
  OpenToken: Address;
  ValidatorStaking: Address;
  Datanets: Address;
  ModelRegistry: Address;
}

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

export interface CallSpec {
  address: Address;
  abi: Abi;
  functionName: string;
  args: readonly unknown[];
}

/** Simulates, sends and waits; contract reverts come back as typed `ProtocolError`s. */
export async function send(client: WriteClient, call: CallSpec): Promise<{ hash: Hex; receipt: TransactionReceipt; simulated: unknown }> {
  let simulated: unknown;
  let hash: Hex;
  try {
    const simulation = await simulateContract(client, { ...call, account: client.account, chain: client.chain } as never);
    simulated = (simulation as { result: unknown }).result;
    hash = await writeContract(client, (simulation as unknown as { request: never }).request);
  } catch (error) {
    throw toOpenLedgerError(error);
  }
  const receipt = await waitForTransactionReceipt(client, { hash });
  if (receipt.status !== "success") {
    // The state changed between simulation and inclusion; replay to name the reason.
    try {
      await simulateContract(client, { ...call, account: client.account, chain: client.chain, blockNumber: receipt.blockNumber } as never);
    } catch (error) {
      throw toOpenLedgerError(error);
    }
    throw new OpenLedgerError(`${call.functionName} reverted in transaction ${hash}`, { docsPath: "sdk/README.md#errors" });
  }
  return { hash, receipt, simulated };
}

/** A read that decodes protocol errors. */
export async function read<T>(client: ReadClient, call: CallSpec): Promise<T> {
  try {
    return (await readContract(client, call as never)) as T;
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
