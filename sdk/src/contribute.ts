// Contributing files, end to end: check every file against the Datanet's rules and today's quotas
// (read from the chain) before anything leaves the machine, simulate the submission, upload to
// IPFS, then submit. A refused file leaves no trace on IPFS or on chain; a submission that fails
// after the upload is reported with the uploaded CIDs, and submitting again is safe.
import type { Account, Address, Hex } from "viem";
import { getBlock, getContractEvents, simulateContract } from "viem/actions";
import { datanetsAbi, MAX_BATCH, MAX_FILE_SIZE_CEILING } from "@openledger/protocol";
import { cidFromOnchain, computeCid, toOnchainCid, type CID, type CidCodec } from "./cid.ts";
import {
  FileRejectedError,
  FilesRejectedError,
  IpfsError,
  OpenLedgerError,
  ProtocolError,
  SubmissionFailedError,
  toOpenLedgerError,
  type BatchRule,
  type FileRule,
} from "./errors.ts";
import { detectFormat, formatFromFileName, formatName, formatsOfMask, type Format } from "./formats.ts";
import type { IpfsClient } from "./ipfs.ts";
import { readAll, type ByteSource } from "./source.ts";
import {
  ContributionStatus,
  contributionIdOf,
  getContribution,
  getContributionStatuses,
  getDatanet,
  getProtocolLimits,
  getQuota,
  STATUS_NAMES,
  commitSubmission,
  submitFiles,
  allowDeposit,
  type DatanetInfo,
  type DisplacedCopy,
  type SubmissionCommitment,
  type FileRef,
  type Quota,
} from "./actions/datanets.ts";
import { getOpenBalance, type ApproveBy } from "./actions/token.ts";
import { contractsOf, type ReadClient, type WithContracts, type WriteClient } from "./actions/shared.ts";

/** The most files one `submitBatch` takes (`MAX_BATCH` in Datanets.sol), and the highest size cap a file can have. */
export { MAX_BATCH, MAX_FILE_SIZE_CEILING };
/** Upload requests in flight at once; each streams its files one after the other, so memory holds about one file's chunks per request. */
const UPLOAD_CONCURRENCY = 4;
/**
 * Files and bytes one upload request carries at most: many small files share a request, and no
 * request body is larger than one file at the protocol's cap (what proxies in front of a node allow).
 */
const UPLOAD_BATCH = { files: 32, bytes: MAX_FILE_SIZE_CEILING };

/**
 * Splits files into upload requests: in order, each request at most `UPLOAD_BATCH` files and bytes
 * (a larger file goes alone), and the files spread over `UPLOAD_CONCURRENCY` requests where there
 * are fewer than that many full ones, so that the requests run side by side.
 */
function uploadBatches(files: readonly CheckedFile[]): CheckedFile[][] {
  const perRequest = Math.min(UPLOAD_BATCH.files, Math.max(1, Math.ceil(files.length / UPLOAD_CONCURRENCY)));
  const batches: CheckedFile[][] = [];
  let current: CheckedFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= perRequest || bytes + f.size > UPLOAD_BATCH.bytes)) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(f);
    bytes += f.size;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/**
 * A file to contribute: its bytes as a `ByteSource` (`fileSource` on disk, `blobSource` for a
 * dropped `File`, `bytesSource` in memory), with the format the user says it is (e.g. from
 * `--format`), which the bytes must agree with.
 */
export type ContributionFile = ByteSource & { readonly format?: Format };

export interface CheckedFile {
  name: string;
  /** Where the bytes are read again for the upload. */
  source: ByteSource;
  format: Format;
  size: number;
  cid: CID;
  digest: Hex;
  codec: CidCodec;
  contributionId: Hex;
}

/** One file's verdict, as `openledger check` prints it. */
export interface FileVerdict {
  file: string;
  ok: boolean;
  format: Format | null;
  rule: FileRule | null;
  message: string | null;
}

export interface FileCheckReport {
  datanet: DatanetInfo;
  quota: Quota;
  /** The size cap that applies: the smaller of the Datanet's and the protocol's. */
  maxFileSize: number;
  accepted: CheckedFile[];
  rejected: FileRejectedError[];
  /** Every file's verdict, in the order the files were given. */
  verdicts: FileVerdict[];
}

/** The rules of `checkSource`: the size cap, and optionally the formats allowed and the format claimed. */
export interface SourceRules {
  maxFileSize: number;
  /** Who sets the cap, for messages ("Datanet 3", "the protocol"). */
  capOwner?: string;
  allowed?: readonly Format[];
  /** The format the user says the file is; default: the one its name's extension suggests (text formats only). */
  format?: Format;
  /** Also compute the file's CID (while its bytes are read anyway). */
  cid?: boolean;
}

export type SourceCheck =
  | { ok: true; format: Format; size: number; cid?: CID }
  | { ok: false; format: Format | null; size: number; rule: FileRule; message: string; numbers: Record<string, number | string> };

/**
 * The checks of one file that need no chain state. An empty file and a file over the cap are
 * refused from the source's size alone, before a byte is read; otherwise the bytes (at most the cap)
 * are read once, judged by format (detected from the bytes), against the allowed formats, and
 * hashed into a CID when asked, then released: checking many files holds one file at a time.
 */
export async function checkSource(source: ByteSource, rules: SourceRules): Promise<SourceCheck> {
  const size = source.size;
  const refuse = (rule: FileRule, message: string, numbers: Record<string, number | string> = {}, format: Format | null = null): SourceCheck => ({
    ok: false,
    format,
    size,
    rule,
    message,
    numbers,
  });
  if (size === 0) return refuse("empty", "the file is empty (0 bytes); a contribution needs content");
  if (size > rules.maxFileSize) {
    const owner = rules.capOwner ?? "the protocol";
    return refuse("too-large", `the file is ${size} bytes; ${owner} takes at most ${rules.maxFileSize} bytes per file`, { size, maxFileSize: rules.maxFileSize });
  }
  const bytes = await readAll(source);
  const detection = detectFormat(bytes, rules.format ?? formatFromFileName(source.name));
  if (!detection.ok) return refuse(detection.problem.rule, detection.problem.message);
  const allowed = rules.allowed;
  if (allowed && !allowed.includes(detection.format)) {
    const names = allowed.map(formatName).join(", ");
    const rule = rules.capOwner ? `${rules.capOwner} accepts ${names}` : `the allowed formats are ${names}`;
    return refuse("format-not-allowed", `${rule}; this file is ${formatName(detection.format)}`, {}, detection.format);
  }
  return { ok: true, format: detection.format, size, ...(rules.cid ? { cid: await computeCid(bytes) } : {}) };
}

/**
 * Checks files for `account` against a Datanet, from the bytes and the chain's state: format
 * (detected from the bytes), allowed formats, empty, size cap, duplicates (in the batch and on
 * chain), and the day's file and byte quotas (protocol-wide and per Datanet). Files are read one at
 * a time, each once (see `checkSource`); nothing is sent.
 */
export async function checkFiles(
  client: ReadClient,
  args: WithContracts & { datanetId: number; account: Address; files: readonly ContributionFile[] },
): Promise<FileCheckReport> {
  const contracts = contractsOf(client, args);
  const [datanet, limits, quota] = await Promise.all([
    getDatanet(client, { contracts, datanetId: args.datanetId }),
    getProtocolLimits(client, { contracts }),
    getQuota(client, { contracts, account: args.account, datanetId: args.datanetId }),
  ]);
  if (limits.paused) throw new ProtocolError("ProtocolPaused", []);
  if (datanet.paused) throw new ProtocolError("DatanetPaused", [args.datanetId]);
  const maxFileSize = Math.min(datanet.limits.maxFileSize || limits.maxFileSize, limits.maxFileSize);
  const rules = { maxFileSize, capOwner: `Datanet ${args.datanetId}`, allowed: formatsOfMask(datanet.formats), cid: true };

  // The checks that need no chain state, one file at a time, then every on-chain duplicate lookup at once.
  const local: SourceCheck[] = [];
  for (const file of args.files) local.push(await checkSource(file, { ...rules, ...(file.format === undefined ? {} : { format: file.format }) }));
  const ids = local.flatMap((c) => (c.ok ? [contributionIdOf(args.datanetId, toOnchainCid(c.cid!).digest)] : []));
  const statuses = await getContributionStatuses(client, { contracts, contributionIds: ids });
  const onchain = new Map(ids.map((id, i) => [id, statuses[i]!]));

  const accepted: CheckedFile[] = [];
  const rejected: FileRejectedError[] = [];
  const verdicts: FileVerdict[] = [];
  const seen = new Map<string, string>();
  let filesLeft = quota.filesLeft;
  let bytesLeft = quota.bytesLeft;
  const resets = quota.resetsAt.toISOString();
  for (const [i, c] of local.entries()) {
    const file = args.files[i]!;
    const reject = (rule: FileRule, reason: string, numbers: Record<string, number | string> = {}) => {
      rejected.push(new FileRejectedError(file.name, rule, reason, numbers));
      verdicts.push({ file: file.name, ok: false, format: c.format, rule, message: reason });
    };
    if (!c.ok) {
      reject(c.rule, c.message, c.numbers);
      continue;
    }
    const cid = c.cid!;
    const earlier = seen.get(cid.toString());
    if (earlier !== undefined) {
      reject("duplicate-in-batch", `the file has the same content as ${earlier} in this batch (${cid})`);
      continue;
    }
    seen.set(cid.toString(), file.name);
    const { digest, codec } = toOnchainCid(cid);
    const contributionId = contributionIdOf(args.datanetId, digest);
    const existing = onchain.get(contributionId) ?? ContributionStatus.None;
    if (existing !== ContributionStatus.None && existing !== ContributionStatus.Expired) {
      reject("already-submitted", `the same content is already in Datanet ${args.datanetId} (${STATUS_NAMES[existing]}, ${cid})`);
      continue;
    }
    if (filesLeft < 1) {
      reject("quota-files", `today's file quota is used up (${quota.filesLeft} file(s) were left for this account in Datanet ${args.datanetId}); it resets at ${resets}`, {
        filesLeft: quota.filesLeft,
      });
      continue;
    }
    if (c.size > bytesLeft) {
      reject("quota-bytes", `the file is ${c.size} bytes but only ${bytesLeft} bytes of today's quota are left; it resets at ${resets}`, { size: c.size, bytesLeft });
      continue;
    }
    filesLeft -= 1;
    bytesLeft -= c.size;
    accepted.push({ name: file.name, source: file, format: c.format, size: c.size, cid, digest, codec, contributionId });
    verdicts.push({ file: file.name, ok: true, format: c.format, rule: null, message: null });
  }
  return { datanet, quota, maxFileSize, accepted, rejected, verdicts };
}

/** What stops a checked batch as a whole: the rule, the message, and the error `contribute` throws for it. */
export interface SubmissionProblem {
  rule: BatchRule;
  message: string;
  error: OpenLedgerError;
}

function fileRefsOf(files: readonly CheckedFile[]): FileRef[] {
  return files.map((f) => ({ digest: f.digest, codec: f.codec, format: f.format, size: f.size }));
}

/**
 * The checks of a batch as a whole, after the per-file checks and before a byte is uploaded: the
 * Datanet's pool covers the batch's rewards now (nothing is reserved: rewards leave the pool at
 * acceptance, and a file that wins its review after the pool ran dry expires unfunded, deposit
 * refunded), the account holds the deposits, and, on a
 * deposit-free Datanet, the chain's own simulation of the submission passes (a deposit needs an
 * approval first, so there the balance is what is checked). Reads only: `account` may be an
 * address without a key (a dry run). Null when the batch would go through.
 */
export async function checkSubmission(
  client: ReadClient,
  args: WithContracts & { account: Address | Account; report: FileCheckReport; termsVersion?: number },
): Promise<SubmissionProblem | null> {
  const contracts = contractsOf(client, args);
  const { report } = args;
  const datanetId = report.datanet.id;
  const total = report.accepted.length;
  if (total === 0) return null;
  const termsVersion = args.termsVersion ?? report.datanet.termsVersion;
  const address = typeof args.account === "string" ? args.account : args.account.address;
  const problem = (rule: BatchRule, error: OpenLedgerError): SubmissionProblem => ({ rule, message: error.shortMessage, error });
  const { reward, validatorReward, deposit } = report.datanet.limits;
  const rewards = (reward + validatorReward) * BigInt(total);
  if (rewards > report.datanet.pool) return problem("insufficient-pool", new ProtocolError("InsufficientPool", [datanetId, report.datanet.pool, rewards]));
  const depositTotal = deposit * BigInt(total);
  if (depositTotal > 0n) {
    const balance = await getOpenBalance(client, { contracts, account: address });
    if (balance < depositTotal) return problem("insufficient-balance", new ProtocolError("ERC20InsufficientBalance", [address, balance, depositTotal]));
    return null;
  }
  const refs = fileRefsOf(report.accepted);
  for (let i = 0; i < refs.length; i += MAX_BATCH) {
    const chunk = refs.slice(i, i + MAX_BATCH);
    try {
      const contract = { address: contracts.Datanets, abi: datanetsAbi, account: args.account, chain: client.chain } as const;
      const [only] = chunk;
      if (chunk.length === 1 && only) await simulateContract(client, { ...contract, functionName: "submit", args: [datanetId, only, termsVersion] });
      else await simulateContract(client, { ...contract, functionName: "submitBatch", args: [datanetId, chunk, termsVersion] });
    } catch (error) {
      // A revert is the batch's problem; anything else (the node unreachable) is thrown.
      const known = toOpenLedgerError(error);
      if (known instanceof ProtocolError) return problem("chain-refused", known);
      throw known;
    }
  }
  return null;
}

/** `approving`: the deposits' allowance is being given (a permit to sign, or an approval to send) before a submission. */
export type ContributeStage = "checked" | "committing" | "committed" | "uploading" | "uploaded" | "approving" | "submitting" | "submitted";

export interface ContributeProgress {
  stage: ContributeStage;
  /** At `approving`: whether the wallet is asked for a permit signature or an approval transaction. */
  approveBy?: ApproveBy;
  file?: string;
  done: number;
  total: number;
}

export interface FileOutcome {
  name: string;
  status: "submitted" | "refused";
  reason?: string;
  rule?: string;
  cid?: string;
  format?: string;
  size: number;
  contributionId?: Hex;
}

export interface ContributeResult {
  datanetId: number;
  outcomes: FileOutcome[];
  transactions: Hex[];
  /** Whether the files went in under submission commitments (`protect`). */
  protected: boolean;
  /** Pending copies of these files, sent by other accounts, that the committed submission displaced. */
  displaced: DisplacedCopy[];
  /** Today's quota after the submission. */
  quota: Quota;
}

/**
 * Checks, uploads and submits files to a Datanet. Refused files stop the whole call (nothing is
 * uploaded or sent) unless `skipRefused` is set, in which case only the files that pass go ahead.
 */
export async function contribute(
  client: WriteClient,
  args: WithContracts & {
    ipfs: IpfsClient;
    datanetId: number;
    files: readonly ContributionFile[];
    skipRefused?: boolean;
    /**
     * The Datanet's terms version (deposit and rewards) shown to the contributor. The submission
     * carries it, so that an owner changing the terms in front of it makes it revert instead of
     * charging terms no one saw. Default: the version read when the files are checked.
     */
    termsVersion?: number;
    /**
     * Commit to the files before uploading and sending them (one more transaction per batch of up to
     * `MAX_BATCH` files), so that nobody who sees the submission in the mempool can take its credit
     * or have it rejected under wrong claims: a pending copy sent after the commitment is displaced.
     */
    protect?: boolean;
    /**
     * How a short allowance for the deposits is given: a permit signed for each submission and sent
     * in the same transaction (the default, where the token takes permits), or an approval
     * transaction first.
     */
    approveBy?: ApproveBy;
    onProgress?: (p: ContributeProgress) => void;
  },
): Promise<ContributeResult> {
  const contracts = contractsOf(client, args);
  const account = client.account.address;
  const report = await checkFiles(client, { contracts, datanetId: args.datanetId, account, files: args.files });
  if (report.rejected.length > 0 && !args.skipRefused) throw new FilesRejectedError(report.rejected);
  const refused: FileOutcome[] = report.rejected.map((r) => ({
    name: r.file,
    status: "refused",
    reason: r.reason,
    rule: r.rule,
    size: args.files.find((f) => f.name === r.file)?.size ?? 0,
  }));
  const termsVersion = args.termsVersion ?? report.datanet.termsVersion;
  if (termsVersion !== report.datanet.termsVersion) {
    throw new ProtocolError("TermsChanged", [args.datanetId, termsVersion, report.datanet.termsVersion]);
  }
  const files = report.accepted;
  const total = files.length;
  args.onProgress?.({ stage: "checked", done: 0, total });
  if (total === 0) {
    return { datanetId: args.datanetId, outcomes: refused, transactions: [], protected: false, displaced: [], quota: report.quota };
  }

  const problem = await checkSubmission(client, { contracts, account: client.account, report, termsVersion });
  if (problem) throw problem.error;
  const refs = fileRefsOf(files);
  const { deposit } = report.datanet.limits;
  const transactions: Hex[] = [];

  // Commitments first, before a byte leaves the machine: one per submission batch.
  const commitments: SubmissionCommitment[] = [];
  if (args.protect) {
    for (let i = 0; i < refs.length; i += MAX_BATCH) {
      args.onProgress?.({ stage: "committing", done: i, total });
      const digests = refs.slice(i, i + MAX_BATCH).map((r) => r.digest);
      const sent = await commitSubmission(client, { contracts, datanetId: args.datanetId, digests });
      transactions.push(sent.hash);
      commitments.push(sent.result);
      args.onProgress?.({ stage: "committed", done: Math.min(i + MAX_BATCH, total), total });
    }
  }

  let done = 0;
  const batches = uploadBatches(files);
  let next = 0;
  const uploader = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      args.onProgress?.({ stage: "uploading", file: batch[0]!.name, done, total });
      await args.ipfs.addAll(
        batch.map((f) => f.source),
        batch.map((f) => f.cid),
      );
      for (const f of batch) {
        done += 1;
        args.onProgress?.({ stage: "uploaded", file: f.name, done, total });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(UPLOAD_CONCURRENCY, batches.length) }, uploader));

  done = 0;
  const displaced: DisplacedCopy[] = [];
  try {
    for (let i = 0; i < refs.length; i += MAX_BATCH) {
      const chunk = refs.slice(i, i + MAX_BATCH);
      const commitment = commitments[i / MAX_BATCH];
      // Signed once, outside the retries below: a wallet asks for it once per submission.
      const permit = await allowDeposit(client, {
        contracts,
        amount: deposit * BigInt(chunk.length),
        ...(args.approveBy ? { approveBy: args.approveBy } : {}),
        onApproving: (by) => args.onProgress?.({ stage: "approving", approveBy: by, done, total }),
      });
      args.onProgress?.({ stage: "submitting", done, total });
      // The allowance is settled here: a retry below sends the same permit (or none) and asks nothing.
      const submit = () =>
        submitFiles(client, {
          contracts,
          datanetId: args.datanetId,
          files: chunk,
          termsVersion,
          depositPerFile: deposit,
          ...(commitment ? { commitment } : {}),
          permit: permit ?? null,
          onApproving: (by) => args.onProgress?.({ stage: "approving", approveBy: by, done, total }),
        });
      const sent = commitment ? await afterCommitment(submit) : await submit();
      transactions.push(sent.hash);
      displaced.push(...sent.result.displaced);
      done += chunk.length;
      args.onProgress?.({ stage: "submitted", done, total });
    }
  } catch (error) {
    throw new SubmissionFailedError(
      files.slice(done).map((f) => f.cid.toString()),
      toOpenLedgerError(error),
    );
  }
  const quota = await getQuota(client, { contracts, account, datanetId: args.datanetId });
  const submitted: FileOutcome[] = files.map((f) => ({
    name: f.name,
    status: "submitted",
    cid: f.cid.toString(),
    format: formatName(f.format),
    size: f.size,
    contributionId: f.contributionId,
  }));
  return { datanetId: args.datanetId, outcomes: [...submitted, ...refused], transactions, protected: commitments.length > 0, displaced, quota };
}

/** Longest wait for the chain to reach the second after a submission commitment. */
const COMMITMENT_WAIT_SECONDS = 30;

/**
 * Sends a committed submission, waiting while the chain still refuses it as too recent (it must
 * land in a later second than its commitment; a chain that makes a block per transaction is there
 * at once, others within a block time).
 */
async function afterCommitment<T>(send: () => Promise<T>): Promise<T> {
  for (let waited = 0; ; waited++) {
    try {
      return await send();
    } catch (error) {
      const known = toOpenLedgerError(error);
      if (!(known instanceof ProtocolError) || known.errorName !== "SubmissionCommitmentTooRecent" || waited >= COMMITMENT_WAIT_SECONDS) throw known;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }
}

/**
 * A contribution downloaded for review: its bytes verified against the CID on chain, and its size
 * and format checked against what the contributor declared. The chain cannot see a file's bytes, so
 * it takes the declared size and format on trust (quotas and the accepted-bytes rank use them);
 * the review is where they are proven, and a failed check is a reason to reject.
 */
export interface FetchedContribution {
  contributionId: Hex;
  cid: CID;
  bytes: Uint8Array;
  declaredFormat: Format;
  declaredSize: number;
  /** Whether the bytes are a valid file of the declared format and size; if not, why (propose rejection). */
  check: { ok: true } | { ok: false; reason: string };
}

export async function fetchContribution(
  client: ReadClient,
  args: WithContracts & { ipfs: IpfsClient; datanetId: number; digest: Hex },
): Promise<FetchedContribution> {
  const contracts = contractsOf(client, args);
  const info = await getContribution(client, { contracts, datanetId: args.datanetId, digest: args.digest });
  if (info.status === ContributionStatus.None) {
    throw new OpenLedgerError(`no contribution with digest ${args.digest} in Datanet ${args.datanetId}`);
  }
  const cid = cidFromOnchain(args.digest, info.codec);
  // A download stops one byte past the declared size: enough to prove the size false, and bounded.
  let bytes: Uint8Array;
  try {
    bytes = await args.ipfs.get(cid, { maxBytes: info.size });
  } catch (error) {
    if (!(error instanceof IpfsError && /is larger than/.test(error.message))) throw error;
    const reason = `the contributor declared ${info.size} bytes but the file is larger: a false size skews quotas and rank; propose rejection`;
    return { contributionId: info.id, cid, bytes: new Uint8Array(0), declaredFormat: info.format, declaredSize: info.size, check: { ok: false, reason } };
  }
  const detection = detectFormat(bytes, info.format);
  const check: FetchedContribution["check"] =
    bytes.length !== info.size
      ? { ok: false, reason: `the contributor declared ${info.size} bytes but the file has ${bytes.length}: a false size skews quotas and rank; propose rejection` }
      : detection.ok
        ? { ok: true }
        : { ok: false, reason: detection.problem.message };
  return { contributionId: info.id, cid, bytes, declaredFormat: info.format, declaredSize: info.size, check };
}

export interface SubmittedContribution {
  contributionId: Hex;
  datanetId: number;
  contributor: Address;
  digest: Hex;
  codec: CidCodec;
  cid: string;
  format: Format;
  size: number;
  blockNumber: bigint;
}

/** Contributions submitted to a Datanet, read from the chain's events (the indexer serves richer queries). */
export async function listSubmissions(
  client: ReadClient,
  args: WithContracts & { datanetId: number; fromBlock?: bigint },
): Promise<SubmittedContribution[]> {
  const { Datanets } = contractsOf(client, args);
  const logs = await getContractEvents(client, {
    address: Datanets,
    abi: datanetsAbi,
    eventName: "ContributionSubmitted",
    args: { datanetId: args.datanetId },
    fromBlock: args.fromBlock ?? 0n,
    toBlock: "latest",
  });
  return logs.map((log) => ({
    contributionId: log.args.contributionId!,
    datanetId: log.args.datanetId!,
    contributor: log.args.contributor!,
    digest: log.args.digest!,
    codec: log.args.codec! as CidCodec,
    cid: cidFromOnchain(log.args.digest!, log.args.codec!).toString(),
    format: log.args.format! as Format,
    size: log.args.size!,
    blockNumber: log.blockNumber,
  }));
}

/** The chain's current time (the dev chain's clock can run ahead of the wall clock). */
export async function chainTime(client: ReadClient): Promise<number> {
  return Number((await getBlock(client)).timestamp);
}
