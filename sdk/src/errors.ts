// Typed errors. Every error has a short message a user can act on, the details behind it, and a
// docs path; contract reverts are decoded into `ProtocolError` (or a subclass) carrying the
// custom error's name and arguments, with a sentence that spells out the numbers.
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  formatEther,
  type Abi,
  type Hex,
} from "viem";

type AbiError = Extract<Abi[number], { type: "error" }>;
import { datanetsAbi, modelRegistryAbi, openTokenAbi, protocolTimelockAbi, Setting, STATUS_NAMES, validatorStakingAbi } from "@openledger/protocol";
import { formatName, type FormatProblem } from "./formats.ts";

export class OpenLedgerError extends Error {
  override name = "OpenLedgerError";
  /** The message without details. */
  readonly shortMessage: string;
  readonly details?: string;
  readonly docsPath?: string;

  constructor(shortMessage: string, options: { details?: string; docsPath?: string; cause?: unknown } = {}) {
    super([shortMessage, options.details].filter(Boolean).join("\n\n"), { cause: options.cause });
    this.shortMessage = shortMessage;
    if (options.details !== undefined) this.details = options.details;
    if (options.docsPath !== undefined) this.docsPath = options.docsPath;
  }
}

// ─── file checks (before anything is uploaded or sent) ──────────────────────

export type FileRule =
  | FormatProblem["rule"]
  | "format-not-allowed"
  | "empty"
  | "too-large"
  | "duplicate-in-batch"
  | "already-submitted"
  | "quota-files"
  | "quota-bytes"
  | BatchRule;

/**
 * Rules of a batch as a whole (`checkSubmission`): the pool does not cover its rewards now,
 * the account does not hold its deposits, or the chain's simulation of the submission refuses it.
 */
export type BatchRule = "insufficient-pool" | "insufficient-balance" | "chain-refused";

/** A file refused by the checks that run before upload: names the file, the rule and the numbers. */
export class FileRejectedError extends OpenLedgerError {
  override name = "FileRejectedError";
  readonly file: string;
  readonly rule: FileRule;
  readonly reason: string;
  readonly numbers: Record<string, number | bigint | string>;
  constructor(file: string, rule: FileRule, reason: string, numbers: Record<string, number | bigint | string> = {}) {
    super(`${file}: ${reason}`, { details: `rule: ${rule}`, docsPath: "sdk/README.md#file-checks" });
    this.file = file;
    this.rule = rule;
    this.reason = reason;
    this.numbers = numbers;
  }
}

/** Several files refused at once; nothing was uploaded or submitted. */
export class FilesRejectedError extends OpenLedgerError {
  override name = "FilesRejectedError";
  readonly rejections: FileRejectedError[];
  constructor(rejections: FileRejectedError[]) {
    super(
      `${rejections.length} file${rejections.length === 1 ? " was" : "s were"} refused; nothing was uploaded or submitted`,
      { details: rejections.map((r) => `- ${r.shortMessage}`).join("\n"), docsPath: "sdk/README.md#file-checks" },
    );
    this.rejections = rejections;
  }
}

/** Bytes fetched for a CID do not hash to it. */
export class ContentVerificationError extends OpenLedgerError {
  override name = "ContentVerificationError";
  readonly expected: string;
  readonly actual: string;
  constructor(expected: string, actual: string) {
    super(`the bytes received for ${expected} hash to ${actual}: refused`, {
      details: "The IPFS node returned content that does not match the CID; it was not used.",
      docsPath: "sdk/README.md#content-addressing",
    });
    this.expected = expected;
    this.actual = actual;
  }
}

/** The IPFS node could not be reached or refused a request. */
export class IpfsError extends OpenLedgerError {
  override name = "IpfsError";
}

/** Uploaded, but the submission transaction failed: the content is on IPFS, nothing on chain. Retry is safe. */
export class SubmissionFailedError extends OpenLedgerError {
  override name = "SubmissionFailedError";
  readonly cids: string[];
  constructor(cids: string[], cause: unknown) {
    const reason = cause instanceof OpenLedgerError ? cause.shortMessage : cause instanceof Error ? cause.message : String(cause);
    super(`the files were uploaded but the submission failed: ${reason}`, {
      details: `Uploaded and pinned: ${cids.join(", ")}. Nothing was recorded on chain; submitting again is safe.`,
      docsPath: "sdk/README.md#order-of-effects",
      cause,
    });
    this.cids = cids;
  }
}

// ─── contract reverts ───────────────────────────────────────────────────────

/** Every custom error of every protocol contract, to decode reverts that bubble up through calls. */
const protocolErrors: Abi = (() => {
  const seen = new Set<string>();
  const out: AbiError[] = [];
  for (const abi of [datanetsAbi, modelRegistryAbi, validatorStakingAbi, openTokenAbi, protocolTimelockAbi] as readonly Abi[]) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const key = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
      if (!seen.has(key)) {
        seen.add(key);
        out.push(item);
      }
    }
  }
  return out;
})();

const QUOTA_KINDS = ["protocol-wide bytes", "protocol-wide files", "this Datanet's bytes", "this Datanet's files"] as const;
/** The protocol's settings by value, as the SDK's options name them (`maxFileSize`, `minValidators`…). */
const SETTINGS = Object.entries(Setting)
  .sort(([, x], [, y]) => x - y)
  .map(([name]) => name[0]!.toLowerCase() + name.slice(1));

const open = (wei: unknown) => `${formatEther(BigInt(wei as bigint))} OPEN`;
const when = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();
const short = (hex: unknown) => `${String(hex).slice(0, 10)}…`;

type Args = readonly unknown[];
/** A sentence per custom error, with its numbers. */
const DESCRIBE: Record<string, (a: Args) => string> = {
  DatanetNotFound: (a) => `Datanet ${a[0]} does not exist`,
  DatanetPaused: (a) => `Datanet ${a[0]} is paused by its owner: it takes no new submissions`,
  ProtocolPaused: () => "the protocol is paused by governance (emergency): only reveals, finalisation and claims run",
  NotDatanetOwner: (a) => `only the owner of Datanet ${a[0]} (${a[2]}) may do this; the caller is ${a[1]}`,
  FormatsNotInModality: (a) => `format mask 0x${Number(a[1]).toString(16)} is empty or outside the modality's formats (0x${Number(a[2]).toString(16)})`,
  FormatNotAllowed: (a) => `Datanet ${a[0]} does not accept ${formatName(Number(a[1]))} files`,
  EmptyFile: (a) => `an empty file (digest ${short(a[1])}) cannot be submitted to Datanet ${a[0]}`,
  FileTooLarge: (a) => `the file is ${a[2]} bytes; Datanet ${a[0]} takes at most ${a[3]} bytes per file`,
  DuplicateContent: (a) => `this content is already in Datanet ${a[0]} (contribution ${short(a[2])}, ${STATUS_NAMES[Number(a[3])]})`,
  DailyQuotaExceeded: (a) =>
    `daily quota exceeded (${QUOTA_KINDS[Number(a[2])]} in Datanet ${a[1]}): used ${a[3]}, requested ${a[4]}, limit ${a[5]}; resets at ${when(a[6])}`,
  InsufficientPool: (a) => `Datanet ${a[0]}'s reward pool has ${open(a[1])} but the rewards of this submission come to ${open(a[2])}`,
  BadBatchSize: (a) => `a batch of ${a[0]} is empty or over the maximum of ${a[1]}`,
  SettingOutOfBounds: (a) => `${SETTINGS[Number(a[0])]} = ${a[1]} is outside its bounds [${a[2]}, ${a[3]}]`,
  NotPending: (a) => `contribution ${short(a[0])} is not pending (it is ${STATUS_NAMES[Number(a[1])]})`,
  NotInCommitWindow: (a) => `contribution ${short(a[0])} is not in its commit window (now ${when(a[1])}; window ${when(a[2])} to ${when(a[3])})`,
  NotInRevealWindow: (a) => `contribution ${short(a[0])} is not in its reveal window (now ${when(a[1])}; window ${when(a[2])} to ${when(a[3])})`,
  ReviewNotOver: (a) => `the review of contribution ${short(a[0])} ends at ${when(a[2])}; it cannot be finalised before (now ${when(a[1])})`,
  StakeBelowMinimum: (a) => `validator ${a[0]} has ${open(a[1])} of eligible stake; voting needs ${open(a[2])}`,
  VoteOutOfOrder: (a) =>
    `contribution ${short(a[0])} has sequence ${a[1]}, not after the last one this validator committed to (${a[2]}): commits go in submission order`,
  BatchSpreadTooWide: (a) => `the batch's submissions lie ${a[0]} s apart; they must be less than one reveal window (${a[1]} s) apart`,
  CommitmentNotFound: (a) => `no commitment ${short(a[1])} matches (wrong contributions, order or sender)`,
  RevealMismatch: (a) => `the votes and salt do not match commitment ${short(a[0])}`,
  CommitmentClosed: (a) => `commitment ${short(a[0])} was already revealed or slashed`,
  RevealPeriodNotOver: (a) => `commitment ${short(a[0])} can be slashed from ${when(a[2])} (now ${when(a[1])})`,
  NotFinal: (a) => `contribution ${short(a[0])} is not final yet (${STATUS_NAMES[Number(a[1])]})`,
  RewardsAlreadyClaimed: (a) => `the validator rewards of commitment ${short(a[0])} were already claimed`,
  NotRevealed: (a) => `commitment ${short(a[0])} was not revealed`,
  NothingToClaim: (a) => (a.length === 1 ? `${a[0]} has nothing to claim` : `nothing new has accrued to leaf ${short(a[1])} of model ${a[0]}`),
  ZeroAmount: () => "the amount must be above zero",
  PoolTooSmall: (a) => `Datanet ${a[0]}'s pool holds ${open(a[1])}, less than the ${open(a[2])} asked for`,
  DatanetNotPaused: (a) => `pause Datanet ${a[0]} before withdrawing from its pool`,
  PoolLocked: (a) =>
    `Datanet ${a[0]}'s pool can be withdrawn from ${when(a[2])} (now ${when(a[1])}): it stays for a review and one more reveal window after the pause, so that files submitted before it are paid`,
  TermsChanged: (a) =>
    `Datanet ${a[0]}'s terms changed from version ${a[1]} (the deposit and rewards you were shown) to version ${a[2]}: review the new terms and submit again`,
  NotPendingOwner: (a) => `Datanet ${a[0]} was offered to ${a[2]}, not to ${a[1]}; only the offered account can accept it`,
  SubmissionCommitmentNotFound: (a) =>
    `no unused submission commitment ${short(a[1])} of ${a[0]} matches these files, their order and the salt (it may have been used already)`,
  SubmissionCommitmentTooRecent: (a) =>
    `the submission commitment ${short(a[0])} was recorded at ${when(a[1])}; the files can go in from the next second (now ${when(a[2])})`,
  SubmissionCommitmentExists: (a) => `the submission commitment ${short(a[0])} was already recorded at ${when(a[1])}`,
  EarlierClaim: (a) =>
    `another account claimed contribution ${short(a[0])} first: its copy was committed or sent at ${when(a[2])} or before, your commitment at ${when(a[1])}` +
    `; a copy is displaced only by an earlier commitment, and only before its review begins (${when(a[3])})`,
  NotDatanets: (a) => `only the Datanets contract (${a[1]}) may hold, release or slash votes; the caller is ${a[0]}`,
  DatanetsAlreadyBound: (a) => `the staking contract is already bound to ${a[0]}, for ever`,
  ModelNotFound: (a) => `model ${a[0]} does not exist`,
  BadDatanets: (a) => (Number(a[1]) === 0 ? `a model names 1 to 32 Datanets, not ${a[0]}` : `Datanet ${a[1]} does not exist`),
  EmptyDataset: () => "the dataset root and total weight must not be zero",
  BadShares: (a) => `fee shares ${a[0]} + ${a[1]} basis points exceed 10,000`,
  InvalidProof: (a) => `the proof does not place leaf ${short(a[1])} under model ${a[0]}'s dataset root`,
  AttributionExceedsFees: (a) => `model ${a[0]}'s claims would reach ${open(BigInt(a[1] as bigint) + BigInt(a[2] as bigint))}, more than its contributors were paid (${open(a[3])})`,
  RegistryPaused: () => "the model registry is paused: registrations and payments wait; claims go on",
  ZeroAddress: () => "an address of zero where one is needed",
  ModelInChallenge: (a) =>
    `model ${a[0]} can be challenged until ${when(a[2])} (now ${when(a[1])}): payments open when its challenge window closes`,
  ModelInvalid: (a) => `model ${a[0]} was proven to break the attribution rule: it takes no fees`,
  ChallengeWindowClosed: (a) => `model ${a[0]}'s challenge window closed at ${when(a[2])} (now ${when(a[1])})`,
  LeafHolds: (a) =>
    `leaf ${short(a[1])} of model ${a[0]} keeps the attribution rule (an accepted contribution of its contributor, in a listed Datanet, weighed by its size): there is nothing to challenge`,
  DatanetsMismatch: (a) => `the Datanets given are not the ones model ${a[0]} registered`,
  WrongSubmission: (a) => `contribution ${short(a[0])} was not submitted to Datanet ${a[1]} with digest ${short(a[2])}`,
  BondNotReleasable: (a) =>
    BigInt(a[1] as bigint) === 0n
      ? `model ${a[0]} holds no bond: it was released or taken by a challenge`
      : `model ${a[0]}'s bond of ${open(a[1])} stays until its challenge window closes at ${when(a[3])} (now ${when(a[2])})`,
  TimelockUnexpectedOperationState: (a) => {
    // The timelock's expected states as a bit mask over Unset, Waiting, Ready, Done.
    const names = ["not scheduled", "scheduled and waiting", "ready to run (its delay passed)", "done"];
    const mask = BigInt(a[1] as Hex);
    const expected = names.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
    return `governance call ${short(a[0])} must be ${expected.join(" or ")} for this; \`openledger governance list\` shows its state and when it may run`;
  },
  TimelockInsufficientDelay: (a) => `a governance call must wait at least ${a[1]} s; ${a[0]} s was asked`,
  TimelockUnauthorizedCaller: (a) => `only the timelock itself may do this (the caller was ${a[0]}): schedule it as a governance call`,
  BadChallengeWindow: (a) => `a challenge window of ${a[0]} s is outside ${a[1]}–${a[2]} s`,
  InsufficientStake: (a) => `validator ${a[0]} has ${open(a[1])} in that state, less than the ${open(a[2])} asked for`,
  StillUnbonding: (a) => `the unbonding stake becomes withdrawable at ${when(a[2])} (now ${when(a[1])})`,
  NothingToWithdraw: (a) => `${a[0]} has nothing unbonding to withdraw`,
  BadPeriods: (a) => `activation delay ${a[0]} s and unbonding period ${a[1]} s would let stake leave before its votes are final`,
  VotesUnresolved: (a) => `validator ${a[0]} has ${a[1]} unrevealed vote(s): reveal them, or they must be slashed, before the stake can leave`,
  ERC20InsufficientBalance: (a) => `${a[0]} holds ${open(a[1])} but ${open(a[2])} is needed`,
  ERC20InsufficientAllowance: (a) => `the allowance of ${a[0]} is ${open(a[1])} but ${open(a[2])} is needed (approve first)`,
  PermitRefused: (a) =>
    BigInt(a[3] as bigint) < BigInt(a[4] as bigint)
      ? `the permit for ${open(a[1])} expired at ${when(a[3])} (now ${when(a[4])}); sign a new one`
      : `the permit does not approve ${open(a[1])} from ${a[0]} (its allowance is ${open(a[2])}): it was signed by another account, for another amount or spender, or with a nonce another permit of the account used first; sign a new one`,
  AccessControlUnauthorizedAccount: (a) => `${a[0]} lacks the role ${short(a[1])} this call needs`,
};

/** A contract call that reverted with one of the protocol's custom errors. */
export class ProtocolError extends OpenLedgerError {
  override name = "ProtocolError";
  readonly errorName: string;
  readonly args: readonly unknown[];
  constructor(errorName: string, args: readonly unknown[], cause?: unknown) {
    const describe = DESCRIBE[errorName];
    super(describe ? describe(args) : `the contract refused the call with ${errorName}(${args.map(String).join(", ")})`, {
      details: `${errorName}(${args.map(String).join(", ")})`,
      docsPath: `docs/protocol.md`,
      cause,
    });
    this.errorName = errorName;
    this.args = args;
  }
}

export type QuotaKindName = "protocolBytes" | "protocolFiles" | "datanetBytes" | "datanetFiles";

/** `DailyQuotaExceeded`: which quota, used, requested, limit, and when the UTC day resets. */
export class QuotaExceededError extends ProtocolError {
  override name = "QuotaExceededError";
  readonly account: string;
  readonly datanetId: number;
  readonly kind: QuotaKindName;
  readonly used: bigint;
  readonly requested: bigint;
  readonly limit: bigint;
  readonly resetsAt: Date;
  constructor(args: readonly unknown[], cause?: unknown) {
    super("DailyQuotaExceeded", args, cause);
    this.account = String(args[0]);
    this.datanetId = Number(args[1]);
    this.kind = (["protocolBytes", "protocolFiles", "datanetBytes", "datanetFiles"] as const)[Number(args[2])]!;
    this.used = BigInt(args[3] as bigint);
    this.requested = BigInt(args[4] as bigint);
    this.limit = BigInt(args[5] as bigint);
    this.resetsAt = new Date(Number(args[6]) * 1000);
  }
}

/** Decodes the revert data of a failed call into a typed error, or returns undefined. */
export function decodeProtocolError(data: Hex, cause?: unknown): ProtocolError | undefined {
  try {
    const decoded = decodeErrorResult({ abi: protocolErrors, data });
    const args = decoded.args ?? [];
    return decoded.errorName === "DailyQuotaExceeded" ? new QuotaExceededError(args, cause) : new ProtocolError(decoded.errorName, args, cause);
  } catch {
    return undefined;
  }
}

/** Turns whatever a viem call threw into a typed error where the revert is a protocol error. */
export function toOpenLedgerError(error: unknown): unknown {
  if (error instanceof OpenLedgerError) return error;
  if (error instanceof ViemBaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError) {
      if (reverted.raw) {
        const typed = decodeProtocolError(reverted.raw, error);
        if (typed) return typed;
      }
      if (reverted.data) {
        const args = reverted.data.args ?? [];
        return reverted.data.errorName === "DailyQuotaExceeded" ? new QuotaExceededError(args, error) : new ProtocolError(reverted.data.errorName, args, error);
      }
    }
  }
  return error;
}
