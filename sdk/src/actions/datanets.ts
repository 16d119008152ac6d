// Datanets: create, tune, fund, pause, withdraw; submit files (on chain); claim; and the reads.
import { encodeFunctionData, encodePacked, encodeAbiParameters, keccak256, zeroAddress, type Address, type ContractFunctionArgs, type ContractFunctionName, type Hex } from "viem";
import { getBlock } from "viem/actions";
import { datanetsAbi } from "@openledger/protocol";
import { cidFromOnchain, toOnchainCid, type CID, type CidCodec, type OnchainCid } from "../cid.ts";
import { OpenLedgerError, ProtocolError } from "../errors.ts";
import { formatMask, type Format, type Modality } from "../formats.ts";
import { contractsOf, eventsOf, read, send, type ReadClient, type Sent, type WithContracts, type WriteClient } from "./shared.ts";
import { randomSalt } from "./review.ts";
import { ensureAllowance, getAllowance, getOpenBalance, permitDomainOf, signPermit, withCurrentPermit, type ApproveBy, type SignedPermit } from "./token.ts";

/** Lifecycle of a contribution: the protocol's `Status` enum under the name the SDK has always used. */
import { Status as ContributionStatus, STATUS_NAMES } from "@openledger/protocol";

export { ContributionStatus, STATUS_NAMES };

/** Limits a Datanet owner tunes; zero for a cap or quota means the protocol's value. Amounts in OPEN wei. */
export interface DatanetLimits {
  maxFileSize: number;
  dailyBytes: number;
  dailyFiles: number;
  deposit: bigint;
  reward: bigint;
  validatorReward: bigint;
}

/**
 * Review rules fixed at creation; zero means the default (1-day windows bounded by the deployment,
 * quorum = minimum stake, two thirds, three distinct validators).
 */
export interface ReviewRules {
  commitWindow: number;
  revealWindow: number;
  quorum: bigint;
  thresholdBps: number;
  /** Distinct validators whose revealed votes a decision needs; fewer and the contribution expires. */
  minValidators: number;
}

export interface FileRef {
  digest: Hex;
  codec: CidCodec;
  format: Format;
  size: number;
}

export interface DatanetInfo {
  id: number;
  owner: Address;
  modality: Modality;
  formats: number;
  paused: boolean;
  pool: bigint;
  submissions: bigint;
  limits: DatanetLimits;
  rules: ReviewRules;
  termsVersion: number;
  metadataCid: CID;
  /** The account the owner offered the Datanet to, until it accepts; null when none. */
  pendingOwner: Address | null;
  /**
   * While paused: when the owner may withdraw from the pool (unix seconds), after a review and one
   * more reveal window, so that files submitted before the pause are paid. Null while open.
   */
  poolUnlocksAt: number | null;
}

const NO_LIMITS: DatanetLimits = { maxFileSize: 0, dailyBytes: 0, dailyFiles: 0, deposit: 0n, reward: 0n, validatorReward: 0n };
const NO_RULES: ReviewRules = { commitWindow: 0, revealWindow: 0, quorum: 0n, thresholdBps: 0, minValidators: 0 };

function onchain(cid: CID | string | OnchainCid): OnchainCid {
  return typeof cid === "object" && "digest" in cid ? cid : toOnchainCid(cid);
}

/** `keccak256(abi.encode(uint32 datanetId, bytes32 digest))`, as the contract derives it. */
export function contributionIdOf(datanetId: number, digest: Hex): Hex {
  return keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "bytes32" }], [datanetId, digest]));
}

export async function createDatanet(
  client: WriteClient,
  args: WithContracts & {
    modality: Modality;
    formats: readonly Format[] | number;
    /** CID of the metadata document (name, description, license, schema) on IPFS. */
    metadata: CID | string | OnchainCid;
    limits?: Partial<DatanetLimits>;
    rules?: Partial<ReviewRules>;
  },
): Promise<Sent<{ datanetId: number }>> {
  const { Datanets } = contractsOf(client, args);
  const mask = typeof args.formats === "number" ? args.formats : formatMask(args.formats);
  const meta = onchain(args.metadata);
  const { hash, receipt } = await send(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "createDatanet",
    args: [args.modality, mask, meta.digest, meta.codec, { ...NO_LIMITS, ...args.limits }, { ...NO_RULES, ...args.rules }],
  });
  const [created] = eventsOf(datanetsAbi, receipt, "DatanetCreated");
  if (!created) throw new OpenLedgerError(`createDatanet in ${hash} emitted no DatanetCreated event`);
  return { hash, receipt, result: { datanetId: Number(created.args.datanetId) } };
}

export async function updateDatanetLimits(
  client: WriteClient,
  args: WithContracts & { datanetId: number; limits: Partial<DatanetLimits> },
): Promise<Sent<{ termsVersion: number }>> {
  const { Datanets } = contractsOf(client, args);
  const current = await getDatanet(client, { ...args });
  const { hash, receipt } = await send(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "updateLimits",
    args: [args.datanetId, { ...current.limits, ...args.limits }],
  });
  const [updated] = eventsOf(datanetsAbi, receipt, "DatanetLimitsUpdated");
  return { hash, receipt, result: { termsVersion: updated?.args.termsVersion ?? current.termsVersion + 1 } };
}

export async function setDatanetMetadata(client: WriteClient, args: WithContracts & { datanetId: number; metadata: CID | string | OnchainCid }): Promise<Sent> {
  const { Datanets } = contractsOf(client, args);
  const meta = onchain(args.metadata);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "setMetadata", args: [args.datanetId, meta.digest, meta.codec] });
  return { hash, receipt, result: undefined };
}

export async function setDatanetPaused(client: WriteClient, args: WithContracts & { datanetId: number; paused: boolean }): Promise<Sent> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "setDatanetPaused", args: [args.datanetId, args.paused] });
  return { hash, receipt, result: undefined };
}

/** Offers a Datanet's ownership to `newOwner` (owner only); it takes effect when `newOwner` accepts. */
export async function transferDatanetOwnership(client: WriteClient, args: WithContracts & { datanetId: number; newOwner: Address }): Promise<Sent> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "transferDatanetOwnership", args: [args.datanetId, args.newOwner] });
  return { hash, receipt, result: undefined };
}

/** Takes over a Datanet whose owner offered it to the caller. */
export async function acceptDatanetOwnership(client: WriteClient, args: WithContracts & { datanetId: number }): Promise<Sent> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "acceptDatanetOwnership", args: [args.datanetId] });
  return { hash, receipt, result: undefined };
}

type DatanetsWrite = ContractFunctionName<typeof datanetsAbi, "nonpayable">;

/**
 * Makes sure the Datanets contract may take `amount` OPEN from the caller. Returns a signed
 * EIP-2612 permit of exactly `amount`, to send in the same transaction as the call (`submitFiles`
 * and `fundDatanet` take it as `permit`), when the allowance is short and the token takes permits;
 * undefined when the allowance already covers it, or, with `approveBy: "transaction"` or a token
 * without permits, once an approval transaction has been sent and mined.
 */
export async function allowDeposit(
  client: WriteClient,
  args: WithContracts & {
    amount: bigint;
    approveBy?: ApproveBy;
    /** Called just before the wallet is asked for the permit or the approval (not when the allowance covers it). */
    onApproving?: (by: ApproveBy) => void;
  },
): Promise<SignedPermit | undefined> {
  const contracts = contractsOf(client, args);
  if (args.amount === 0n) return undefined;
  const owner = client.account.address;
  const [allowance, balance, domain] = await Promise.all([
    getAllowance(client, { contracts, owner, spender: contracts.Datanets }),
    getOpenBalance(client, { contracts, account: owner }),
    args.approveBy === "transaction" ? undefined : permitDomainOf(client, { contracts }),
  ]);
  if (allowance >= args.amount) return undefined;
  // The token would refuse the transfer: say so before the wallet asks for anything.
  if (balance < args.amount) throw new ProtocolError("ERC20InsufficientBalance", [owner, balance, args.amount]);
  args.onApproving?.(domain ? "permit" : "transaction");
  if (domain) {
    try {
      return await signPermit(client, { contracts, spender: contracts.Datanets, value: args.amount });
    } catch (error) {
      // A wallet without typed-data signing approves with a transaction; a refusal stays a refusal.
      if (!cannotSignTypedData(error)) throw error;
      args.onApproving?.("transaction");
    }
  }
  await ensureAllowance(client, { contracts, spender: contracts.Datanets, amount: args.amount });
  return undefined;
}

/** EIP-1193 and JSON-RPC codes of a wallet or node that does not offer a method (not a user's refusal, 4001). */
const METHOD_UNAVAILABLE = new Set([4200, -32601, -32004]);

function cannotSignTypedData(error: unknown): boolean {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === "number" && METHOD_UNAVAILABLE.has(e.code)) return true;
  }
  return false;
}

/**
 * How a call that takes OPEN gets its allowance: `permit`, what `allowDeposit` gave (a permit to send
 * with the call, or null when the allowance is already there, so nothing is checked or asked again),
 * or, without it, how `allowDeposit` should give one now.
 */
interface Payment {
  permit?: SignedPermit | null;
  approveBy?: ApproveBy;
  /** Called just before the wallet is asked to sign a permit again (one whose nonce another payment took first). */
  onApproving?: (by: ApproveBy) => void;
}

/**
 * Sends a Datanets call that takes `amount` OPEN from the caller, with the allowance from
 * `allowDeposit` (or the permit given): a permit goes in the same transaction,
 * `multicall([permitDeposit, call])`, and leaves no standing allowance.
 */
async function sendPaying<const fn extends DatanetsWrite, const callArgs extends ContractFunctionArgs<typeof datanetsAbi, "nonpayable", fn>>(
  client: WriteClient,
  contracts: ReturnType<typeof contractsOf>,
  amount: bigint,
  payment: Payment,
  call: { functionName: fn; args: callArgs; gasHeadroom?: bigint },
) {
  const contract = { address: contracts.Datanets, abi: datanetsAbi } as const;
  const signed = payment.permit !== undefined ? payment.permit : await allowDeposit(client, { contracts, amount, ...(payment.approveBy ? { approveBy: payment.approveBy } : {}), ...(payment.onApproving ? { onApproving: payment.onApproving } : {}) });
  if (!signed) return send(client, { ...contract, ...call } as Parameters<typeof send<typeof datanetsAbi, fn, callArgs>>[1]);
  const inner = encodeFunctionData({ abi: datanetsAbi, functionName: call.functionName, args: call.args } as Parameters<typeof encodeFunctionData>[0]);
  return withCurrentPermit(client, { contracts, permit: signed, ...(payment.onApproving ? { onSigning: () => payment.onApproving?.("permit") } : {}) }, (permit) => {
    const permitCall = encodeFunctionData({ abi: datanetsAbi, functionName: "permitDeposit", args: [permit.value, permit.deadline, permit.v, permit.r, permit.s] });
    return send(client, { ...contract, functionName: "multicall", args: [[permitCall, inner]], ...(call.gasHeadroom ? { gasHeadroom: call.gasHeadroom } : {}) });
  });
}

/**
 * Adds `amount` OPEN to a Datanet's pool. A short allowance is given by a signed permit in the same
 * transaction, or by an approval sent first with `approveBy: "transaction"` (see `ApproveBy`).
 */
export async function fundDatanet(client: WriteClient, args: WithContracts & Payment & { datanetId: number; amount: bigint }): Promise<Sent<{ pool: bigint }>> {
  const contracts = contractsOf(client, args);
  const { hash, receipt } = await sendPaying(client, contracts, args.amount, args, { functionName: "fund", args: [args.datanetId, args.amount] });
  const [funded] = eventsOf(datanetsAbi, receipt, "DatanetFunded");
  return { hash, receipt, result: { pool: funded?.args.pool ?? 0n } };
}

/**
 * Takes `amount` OPEN out of a paused Datanet's pool (owner only), once `poolUnlocksAt` has passed;
 * before that the contract refuses with `PoolLocked`, naming the time.
 */
export async function withdrawPool(client: WriteClient, args: WithContracts & { datanetId: number; amount: bigint; to?: Address }): Promise<Sent<{ pool: bigint }>> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "withdrawPool",
    args: [args.datanetId, args.amount, args.to ?? client.account.address],
  });
  const [withdrawn] = eventsOf(datanetsAbi, receipt, "PoolWithdrawn");
  return { hash, receipt, result: { pool: withdrawn?.args.pool ?? 0n } };
}

/** A submission commitment recorded on chain, and what `submitFiles` needs to use it. */
export interface SubmissionCommitment {
  commitment: Hex;
  /** The secret the commitment hides the files behind; `submitFiles` sends it. */
  salt: Hex;
  /** Chain time (seconds) it was recorded at; the submission must come in a later second. */
  committedAt: number;
}

/**
 * Records a submission commitment for `digests` (in the order they will be submitted): the first
 * step of a submission that nobody watching the mempool can take the credit of. Once the files are
 * sent with `submitFiles({ commitment })`, a pending copy that another account sent after this
 * commitment (or committed to later) is displaced, and the copier gets only its deposit back. The
 * commitment is salted, so it reveals nothing about the files.
 */
export async function commitSubmission(
  client: WriteClient,
  args: WithContracts & { datanetId: number; digests: readonly Hex[]; salt?: Hex },
): Promise<Sent<SubmissionCommitment>> {
  const { Datanets } = contractsOf(client, args);
  const salt = args.salt ?? randomSalt();
  const digestsHash = keccak256(encodePacked(["bytes32[]"], [args.digests]));
  const commitment = await read(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "submissionCommitmentOf",
    args: [client.account.address, args.datanetId, digestsHash, salt],
  });
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "commitSubmission", args: [commitment] });
  const block = await getBlock(client, { blockNumber: receipt.blockNumber });
  return { hash, receipt, result: { commitment, salt, committedAt: Number(block.timestamp) } };
}

/**
 * Gas a committed submission may need per file beyond its estimate: displacing a copy that lands
 * just before it (reading the copy's terms and sender, crediting its deposit back, the event).
 * About 30,000 measured (`npm run bench:gas`), with a margin; only the gas used is paid.
 */
export const DISPLACEMENT_GAS = 40_000n;

/** A pending copy of the same content, sent by another account, that a committed submission displaced. */
export interface DisplacedCopy {
  contributionId: Hex;
  /** The account whose copy was displaced (it gets its deposit back, and nothing else). */
  displaced: Address;
  refund: bigint;
}

/**
 * Records files already on IPFS on chain (one `submit`, or `submitBatch` for several). This is the
 * on-chain step only: `contribute` checks the files, uploads them, and then calls this.
 * `termsVersion` is the Datanet's terms version the contributor was shown: the chain refuses the
 * submission (`TermsChanged`) if the owner changed the terms since. Without it, the version read
 * just before sending is used.
 */
export async function submitFiles(
  client: WriteClient,
  args: WithContracts & {
    datanetId: number;
    files: readonly FileRef[];
    /** The terms the contributor accepted (default: the current ones). */
    termsVersion?: number;
    /**
     * The per-file deposit of those terms, when the caller already read them; with `termsVersion`
     * it saves a read. The chain checks both against the Datanet's current terms.
     */
    depositPerFile?: bigint;
    /**
     * A commitment to these files, in this order, from `commitSubmission`: the files go in with
     * `submitCommitted`, which displaces a pending copy sent after the commitment.
     */
    commitment?: Pick<SubmissionCommitment, "salt">;
    /**
     * The deposits' allowance, from `allowDeposit`: a permit to send in this transaction, or null
     * when the allowance already covers them. Without it, `approveBy` says how to give one now (a
     * permit signed now, the default, or an approval transaction first).
     */
    permit?: SignedPermit | null;
    approveBy?: ApproveBy;
    /** Called just before the wallet is asked for a permit (again, when another payment took its nonce first). */
    onApproving?: (by: ApproveBy) => void;
  },
): Promise<Sent<{ contributionIds: Hex[]; displaced: DisplacedCopy[] }>> {
  const contracts = contractsOf(client, args);
  const known = args.termsVersion !== undefined && args.depositPerFile !== undefined;
  const datanet = known ? undefined : await getDatanet(client, { contracts, datanetId: args.datanetId });
  const terms = args.termsVersion ?? datanet!.termsVersion;
  const deposit = (args.depositPerFile ?? datanet!.limits.deposit) * BigInt(args.files.length);
  const [first] = args.files;
  if (!first) throw new OpenLedgerError("submitFiles needs at least one file");
  const { hash, receipt } = args.commitment
    ? await sendPaying(client, contracts, deposit, args, {
        functionName: "submitCommitted",
        args: [args.datanetId, args.files, terms, args.commitment.salt],
        // A copy that lands first makes each of its files cost a displacement (`DISPLACEMENT_GAS`).
        gasHeadroom: DISPLACEMENT_GAS * BigInt(args.files.length),
      })
    : args.files.length === 1
      ? await sendPaying(client, contracts, deposit, args, { functionName: "submit", args: [args.datanetId, first, terms] })
      : await sendPaying(client, contracts, deposit, args, { functionName: "submitBatch", args: [args.datanetId, args.files, terms] });
  const contributionIds = eventsOf(datanetsAbi, receipt, "ContributionSubmitted").flatMap((e) => (e.args.contributionId ? [e.args.contributionId] : []));
  if (contributionIds.length !== args.files.length) throw new OpenLedgerError(`the submission in ${hash} recorded ${contributionIds.length} of ${args.files.length} files`);
  const displaced = eventsOf(datanetsAbi, receipt, "ContributionDisplaced").map((e) => ({
    contributionId: e.args.contributionId!,
    displaced: e.args.displaced!,
    refund: e.args.refund ?? 0n,
  }));
  return { hash, receipt, result: { contributionIds, displaced } };
}

/** Pays out everything credited to the caller (rewards, refunds, validator rewards). */
export async function claimRewards(client: WriteClient, args: WithContracts & { to?: Address } = {}): Promise<Sent<{ amount: bigint }>> {
  const { Datanets } = contractsOf(client, args);
  const { hash, receipt } = await send(client, { address: Datanets, abi: datanetsAbi, functionName: "claim", args: [args.to ?? client.account.address] });
  const [claimed] = eventsOf(datanetsAbi, receipt, "Claimed");
  return { hash, receipt, result: { amount: claimed?.args.amount ?? 0n } };
}

// ─── reads ──────────────────────────────────────────────────────────────────

export async function getDatanetCount(client: ReadClient, args: WithContracts = {}): Promise<number> {
  const { Datanets } = contractsOf(client, args);
  return Number(await read(client, { address: Datanets, abi: datanetsAbi, functionName: "datanetCount", args: [] }));
}

export async function getDatanet(client: ReadClient, args: WithContracts & { datanetId: number }): Promise<DatanetInfo> {
  const { Datanets } = contractsOf(client, args);
  // The contract's DatanetView: DatanetInfo's fields, with the metadata CID as digest and codec.
  const v = await read(client, { address: Datanets, abi: datanetsAbi, functionName: "getDatanet", args: [args.datanetId] });
  return {
    id: args.datanetId,
    owner: v.owner,
    modality: v.modality as Modality,
    formats: v.formats,
    paused: v.paused,
    pool: v.pool,
    submissions: BigInt(v.submissions),
    limits: { ...v.limits },
    rules: { ...v.rules },
    termsVersion: v.termsVersion,
    metadataCid: cidFromOnchain(v.metadataDigest, v.metadataCodec),
    pendingOwner: v.pendingOwner === zeroAddress ? null : v.pendingOwner,
    poolUnlocksAt: v.paused ? Number(v.poolUnlocksAt) : null,
  };
}

export interface ProtocolLimits {
  maxFileSize: number;
  dailyBytes: number;
  dailyFiles: number;
  slashBps: number;
  paused: boolean;
}

export async function getProtocolLimits(client: ReadClient, args: WithContracts = {}): Promise<ProtocolLimits> {
  const { Datanets } = contractsOf(client, args);
  const [maxFileSize, dailyBytes, dailyFiles, slashBps, paused] = await read(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "protocolLimits",
    args: [],
  });
  return { maxFileSize: Number(maxFileSize), dailyBytes: Number(dailyBytes), dailyFiles: Number(dailyFiles), slashBps: Number(slashBps), paused };
}

export interface Quota {
  protocolBytesUsed: number;
  protocolFilesUsed: number;
  datanetBytesUsed: number;
  datanetFilesUsed: number;
  /** The tighter of the protocol's and the Datanet's quotas. */
  bytesLeft: number;
  filesLeft: number;
  /** Next UTC midnight (chain time). */
  resetsAt: Date;
}

export async function getQuota(client: ReadClient, args: WithContracts & { account: Address; datanetId: number }): Promise<Quota> {
  const { Datanets } = contractsOf(client, args);
  const v = await read(client, { address: Datanets, abi: datanetsAbi, functionName: "quotaOf", args: [args.account, args.datanetId] });
  return {
    protocolBytesUsed: Number(v.protocolBytesUsed),
    protocolFilesUsed: Number(v.protocolFilesUsed),
    datanetBytesUsed: Number(v.datanetBytesUsed),
    datanetFilesUsed: Number(v.datanetFilesUsed),
    bytesLeft: Number(v.bytesLeft),
    filesLeft: Number(v.filesLeft),
    resetsAt: new Date(Number(v.resetsAt) * 1000),
  };
}

export interface ContributionInfo {
  id: Hex;
  contributor: Address;
  status: ContributionStatus;
  submittedAt: number;
  size: number;
  format: Format;
  codec: CidCodec;
  sequence: number;
  approveStake: bigint;
  rejectStake: bigint;
  termsVersion: number;
}

/** A contribution by id, or by Datanet and digest; `status` is None when it does not exist. */
export async function getContribution(
  client: ReadClient,
  args: WithContracts & ({ contributionId: Hex } | { datanetId: number; digest: Hex }),
): Promise<ContributionInfo> {
  const { Datanets } = contractsOf(client, args);
  const id = "contributionId" in args ? args.contributionId : contributionIdOf(args.datanetId, args.digest);
  const [contributor, status, submittedAt, size, format, codec, sequence, approveStake, rejectStake, termsVersion] = await read(client, { address: Datanets, abi: datanetsAbi, functionName: "getContribution", args: [id] });
  return {
    id,
    contributor,
    status: status as ContributionStatus,
    submittedAt: Number(submittedAt),
    size: Number(size),
    format: format as Format,
    codec: codec as CidCodec,
    sequence: Number(sequence),
    approveStake,
    rejectStake,
    termsVersion,
  };
}

/**
 * How a contribution's current round claimed its content: whether it displaced another account's
 * pending copy (votes committed on that copy count nowhere), and the age in seconds of the
 * submission commitment it was sent with (0 without one; 127 means 127 or more).
 */
export async function getClaim(client: ReadClient, args: WithContracts & { contributionId: Hex }): Promise<{ displaced: boolean; commitmentAge: number }> {
  const { Datanets } = contractsOf(client, args);
  const [displaced, commitmentAge] = await read(client, { address: Datanets, abi: datanetsAbi, functionName: "claimOf", args: [args.contributionId] });
  return { displaced, commitmentAge: Number(commitmentAge) };
}

/**
 * The status of each contribution id, in order (`None` where none exists), in one call: what
 * checking a batch against the chain needs, without one read per file.
 */
export async function getContributionStatuses(client: ReadClient, args: WithContracts & { contributionIds: readonly Hex[] }): Promise<ContributionStatus[]> {
  if (args.contributionIds.length === 0) return [];
  const { Datanets } = contractsOf(client, args);
  const statuses = await read(client, { address: Datanets, abi: datanetsAbi, functionName: "statusesOf", args: [args.contributionIds] });
  return statuses.map((s) => s as ContributionStatus);
}

/** Claimable OPEN and accepted work (what ranks a contributor). */
export async function getAccount(
  client: ReadClient,
  args: WithContracts & { account: Address },
): Promise<{ claimable: bigint; acceptedCount: number; acceptedBytes: number }> {
  const { Datanets } = contractsOf(client, args);
  const [credits, acceptedCount, acceptedBytes] = await read(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "accountOf",
    args: [args.account],
  });
  return { claimable: credits, acceptedCount: Number(acceptedCount), acceptedBytes: Number(acceptedBytes) };
}

export async function getTerms(
  client: ReadClient,
  args: WithContracts & { datanetId: number; version: number },
): Promise<{ reward: bigint; validatorReward: bigint; deposit: bigint }> {
  const { Datanets } = contractsOf(client, args);
  const [reward, validatorReward, deposit] = await read(client, {
    address: Datanets,
    abi: datanetsAbi,
    functionName: "termsOf",
    args: [args.datanetId, args.version],
  });
  return { reward, validatorReward, deposit };
}
