// The content worker: checks each contribution's declared size against what IPFS holds under its
// CID (./check.ts), outside the indexing handlers, so that a slow or missing IPFS never holds up
// indexing. A root that cannot be fetched is tried again with the manifest worker's backoff; the
// result is published to the contribution row (`storedSize`, `sizeCheck`).
import { retryDelayMs, type WorkerOptions } from "../manifests/worker.ts";
import { startPolling, type RunningWorker } from "../poll.ts";
import { checkContent } from "./check.ts";
import type { ContentRecord, ContentStore, ContentToCheck } from "./store.ts";

/** The manifest worker's options (timing, backoff), with an IPFS node required. */
export type ContentWorkerOptions = Omit<WorkerOptions, "ipfsUrl"> & { ipfsUrl: string };

export async function checkContentOf(item: ContentToCheck, options: ContentWorkerOptions): Promise<ContentRecord> {
  const nowMs = (options.now ?? Date.now)();
  const result = await checkContent({ ipfsUrl: options.ipfsUrl, timeoutMs: options.timeoutMs, digest: item.digest, codec: item.codec });
  const attempts = item.attempts + 1;
  const nextAttemptAt = result.status === "Unavailable" && attempts < options.retry.maxAttempts ? nowMs + retryDelayMs(attempts, options.retry) : null;
  return { ...result, attempts, nextAttemptAt, checkedAt: Math.floor(nowMs / 1000) };
}

/** One pass: checks every due contribution (up to `batch`, side by side in fours), records and publishes. */
export async function checkDueContents(store: ContentStore, options: ContentWorkerOptions): Promise<{ checked: number; published: boolean }> {
  const due = await store.due((options.now ?? Date.now)(), options.batch ?? 32);
  for (let i = 0; i < due.length; i += 4) {
    const part = due.slice(i, i + 4);
    const records = await Promise.all(part.map((item) => checkContentOf(item, options)));
    for (const [k, item] of part.entries()) await store.record(item, records[k]!);
  }
  return { checked: due.length, published: await store.publish() };
}

export function startContentWorker(store: ContentStore, options: ContentWorkerOptions): RunningWorker {
  return startPolling({
    name: "content worker",
    prepare: () => store.prepare(),
    pass: async () => (await checkDueContents(store, options)).checked,
    batch: options.batch ?? 32,
    pollMs: options.pollMs,
    ...(options.log ? { log: options.log } : {}),
  });
}
