// The manifest worker: checks registered models' dataset manifests outside the indexing handlers, so
// that a slow or missing IPFS never holds up indexing. It polls for models whose manifest has no
// check yet (or whose last fetch failed and is due again), checks each, and records the result in a
// table of its own; the store then publishes it to the model's manifest columns and `manifest_leaf`.
//
// A failed fetch is tried again with exponential backoff, bounded by `retry.maxMs` between attempts
// and by `retry.maxAttempts` timed attempts; a fee payment for the model makes it due at once.
import type { Hex } from "viem";
import { startPolling, type RunningWorker } from "../poll.ts";
import { checkManifest, type KnownContribution, type ManifestResult, type ManifestToCheck } from "./check.ts";

export type { RunningWorker };

export interface ModelToCheck extends ManifestToCheck {
  modelId: bigint;
  /** The registration's transaction: a check is of one registration (a reorg can replace it). */
  registration: Hex;
  /** Timed attempts made so far for this registration (0 before the first). */
  attempts: number;
  /** The model's fee payments when it is picked: a later payment makes a failed fetch due again. */
  paymentCount: number;
}

export interface CheckRecord {
  status: ManifestResult["status"] | "Unchecked";
  issues: string[];
  leaves: ManifestResult["leaves"];
  attempts: number;
  /** When an unavailable manifest is tried next (ms since the epoch); null when no retry is timed. */
  nextAttemptAt: number | null;
  lastError: string | null;
  /** When this check ran (unix seconds). */
  checkedAt: number;
}

/** What the worker reads and writes; `sqlManifestStore` in store.ts is the database's. */
export interface ManifestStore {
  /** Creates the worker's own tables if they are missing. */
  prepare(): Promise<void>;
  /**
   * Models with no check of their current registration yet, or with a failed fetch now due again, and
   * (when `uncheckedToo`: an IPFS node is configured now) those recorded `Unchecked` without one.
   */
  due(nowMs: number, limit: number, uncheckedToo: boolean): Promise<ModelToCheck[]>;
  contribution(id: Hex): Promise<KnownContribution | undefined>;
  record(model: ModelToCheck, record: CheckRecord): Promise<void>;
  /** Copies recorded checks into the indexed rows that clients read (idempotent); true when it changed rows. */
  publish(): Promise<boolean>;
}

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  maxAttempts: number;
}

export interface WorkerOptions {
  /** Kubo RPC base; without one, manifests are recorded `Unchecked`. */
  ipfsUrl: string | undefined;
  timeoutMs: number;
  pollMs: number;
  retry: RetryPolicy;
  /** Models checked per pass. */
  batch?: number;
  now?: () => number;
  log?: (message: string, error?: unknown) => void;
}

/** Delay before the attempt after `attempt` failed ones: base × 2^(attempt−1), at most `maxMs`. */
export function retryDelayMs(attempt: number, retry: RetryPolicy): number {
  return Math.min(retry.baseMs * 2 ** Math.max(0, attempt - 1), retry.maxMs);
}

/** The record of one attempt at a model's manifest. */
export async function checkModel(store: ManifestStore, model: ModelToCheck, options: WorkerOptions): Promise<CheckRecord> {
  const nowMs = (options.now ?? Date.now)();
  const checkedAt = Math.floor(nowMs / 1000);
  if (!options.ipfsUrl) {
    const issues = ["no IPFS_URL configured; the manifest was not fetched"];
    return { status: "Unchecked", issues, leaves: [], attempts: model.attempts, nextAttemptAt: null, lastError: null, checkedAt };
  }
  const result = await checkManifest({
    ipfsUrl: options.ipfsUrl,
    timeoutMs: options.timeoutMs,
    manifest: model,
    lookup: (id) => store.contribution(id),
  });
  const attempts = model.attempts + 1;
  if (result.status !== "Unavailable") return { ...result, attempts, nextAttemptAt: null, lastError: null, checkedAt };
  const retries = attempts < options.retry.maxAttempts;
  const nextAttemptAt = retries ? nowMs + retryDelayMs(attempts, options.retry) : null;
  const when = nextAttemptAt === null ? `no more timed attempts; a fee payment for the model tries again` : `next attempt at ${new Date(nextAttemptAt).toISOString()}`;
  const issues = [`${result.issues[0]} (attempt ${attempts}; ${when})`];
  return { status: "Unavailable", issues, leaves: [], attempts, nextAttemptAt, lastError: result.issues[0] ?? null, checkedAt };
}

/** One pass: checks every due model (up to `batch`), records and publishes. */
export async function checkDueManifests(store: ManifestStore, options: WorkerOptions): Promise<{ checked: number; published: boolean }> {
  const due = await store.due((options.now ?? Date.now)(), options.batch ?? 16, options.ipfsUrl !== undefined);
  for (const model of due) await store.record(model, await checkModel(store, model, options));
  return { checked: due.length, published: await store.publish() };
}

/** Runs passes every `pollMs` until stopped; a failing pass (database not ready yet) is logged and retried. */
export function startManifestWorker(store: ManifestStore, options: WorkerOptions): RunningWorker {
  const batch = options.batch ?? 16;
  return startPolling({
    name: "manifest worker",
    prepare: () => store.prepare(),
    pass: async () => (await checkDueManifests(store, options)).checked,
    batch,
    pollMs: options.pollMs,
    ...(options.log ? { log: options.log } : {}),
  });
}
