// The manifest worker's retries and verdicts, against a stand-in for the Kubo RPC (`/api/v0/cat` on
// loopback) that can fail a CID's first fetches or serve other bytes than the CID's, and a store in
// memory that picks due models as the SQL store does. The SQL store itself runs in indexer.test.ts.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Hex } from "viem";
import { buildManifest } from "@openledger/protocol";
import { computeCid } from "@openledger/sdk";
import type { KnownContribution } from "../src/api/manifests/check.ts";
import { checkDueManifests, retryDelayMs, type CheckRecord, type ManifestStore, type ModelToCheck, type WorkerOptions } from "../src/api/manifests/worker.ts";

const ALICE = "0x70997970c51812dc3a010c7d01b50e20d4b64900" as Hex;

/** Serves `content` by CID; answers 500 to the first `failures` fetches of a CID. */
function fakeIpfs() {
  const content = new Map<string, Uint8Array>();
  const failures = new Map<string, number>();
  const fetches = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const cid = new URL(req.url ?? "/", "http://x").searchParams.get("arg") ?? "";
    fetches.set(cid, (fetches.get(cid) ?? 0) + 1);
    const failing = failures.get(cid) ?? 0;
    const bytes = content.get(cid);
    if (req.method !== "POST" || failing > 0 || !bytes) {
      if (failing > 0) failures.set(cid, failing - 1);
      res.writeHead(500).end("block not found");
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream" }).end(bytes);
  });
  return { server, content, failures, fetches };
}

/** Picks models as the SQL store does: never checked, or unavailable and due (by time or a new payment). */
function memoryStore(models: ModelToCheck[], contributions: Map<Hex, KnownContribution>) {
  const records = new Map<bigint, CheckRecord & { paymentCount: number }>();
  const store: ManifestStore = {
    prepare: async () => {},
    due: async (nowMs, limit) =>
      models
        .filter((m) => {
          const r = records.get(m.modelId);
          if (!r) return true;
          return r.status === "Unavailable" && ((r.nextAttemptAt !== null && r.nextAttemptAt <= nowMs) || r.paymentCount !== m.paymentCount);
        })
        .map((m) => ({ ...m, attempts: records.get(m.modelId)?.attempts ?? 0 }))
        .slice(0, limit),
    contribution: async (id) => contributions.get(id),
    record: async (model, record) => {
      records.set(model.modelId, { ...record, paymentCount: model.paymentCount });
    },
    publish: async () => false,
  };
  return { store, records };
}

describe("manifest worker", () => {
  const ipfs = fakeIpfs();
  let ipfsUrl: string;
  const accepted = `0x${"ab".repeat(32)}` as Hex;
  const contributions = new Map<Hex, KnownContribution>([[accepted, { status: "Accepted", contributor: ALICE, datanetId: 1, size: 5 }]]);
  const manifest = buildManifest({ datanetIds: [1], contributions: [{ contributionId: accepted, contributor: ALICE, size: 5, datanetId: 1 }] });
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  let cid: string;
  const model = (modelId: bigint, manifestCid: string): ModelToCheck => ({
    modelId,
    registration: `0x${modelId.toString(16).padStart(64, "0")}`,
    manifestCid,
    datasetRoot: manifest.root,
    totalWeight: BigInt(manifest.totalWeight),
    datanetIds: [1],
    paymentCount: 0,
    attempts: 0,
  });

  beforeAll(async () => {
    await new Promise<void>((resolve) => ipfs.server.listen(0, "127.0.0.1", resolve));
    ipfsUrl = `http://127.0.0.1:${(ipfs.server.address() as AddressInfo).port}`;
    cid = (await computeCid(bytes)).toString();
  });
  afterAll(() => new Promise<void>((resolve) => ipfs.server.close(() => resolve())));

  test("a manifest whose fetch fails at first is tried again with backoff and then verified", async () => {
    ipfs.content.set(cid, bytes);
    ipfs.failures.set(cid, 2);
    const { store, records } = memoryStore([model(1n, cid)], contributions);
    let now = 1_000_000;
    const options: WorkerOptions = { ipfsUrl, timeoutMs: 2_000, pollMs: 10, retry: { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 }, now: () => now };

    expect((await checkDueManifests(store, options)).checked).toBe(1);
    expect(records.get(1n)).toMatchObject({ status: "Unavailable", attempts: 1, nextAttemptAt: now + 1_000 });
    expect(records.get(1n)!.issues[0]).toMatch(/could not fetch manifest .*IPFS answered 500.*\(attempt 1; next attempt at /);

    now += 500; // not due yet
    expect((await checkDueManifests(store, options)).checked).toBe(0);
    now += 500;
    expect((await checkDueManifests(store, options)).checked).toBe(1);
    expect(records.get(1n)).toMatchObject({ status: "Unavailable", attempts: 2, nextAttemptAt: now + 2_000 });

    now += 2_000;
    await checkDueManifests(store, options);
    const record = records.get(1n)!;
    expect(record).toMatchObject({ status: "Valid", issues: [], attempts: 3, nextAttemptAt: null, lastError: null });
    expect(record.leaves).toEqual([{ contributionId: accepted, contributor: ALICE, weight: 5n, check: "ok" }]);
    expect(ipfs.fetches.get(cid)).toBe(3);
    // Final: never fetched again.
    now += 3_600_000;
    expect((await checkDueManifests(store, options)).checked).toBe(0);
  });

  test("bytes that are not the registered CID's mark the manifest flagged, with the reason, and are not retried", async () => {
    const registered = (await computeCid(new TextEncoder().encode("the manifest that was registered"))).toString();
    ipfs.content.set(registered, bytes);
    const { store, records } = memoryStore([model(2n, registered)], contributions);
    const options: WorkerOptions = { ipfsUrl, timeoutMs: 2_000, pollMs: 10, retry: { baseMs: 1_000, maxMs: 60_000, maxAttempts: 5 } };
    await checkDueManifests(store, options);
    const record = records.get(2n)!;
    expect(record.status).toBe("Flagged");
    expect(record.issues).toEqual([`the bytes served for ${registered} hash to ${cid}: they are not the registered manifest`]);
    expect(record.nextAttemptAt).toBeNull();
    expect((await checkDueManifests(store, options)).checked).toBe(0);
  });

  test("timed retries stop after the last attempt; a fee payment makes the manifest due again", async () => {
    const missing = (await computeCid(new TextEncoder().encode("never added"))).toString();
    const m = model(3n, missing);
    const { store, records } = memoryStore([m], contributions);
    let now = 0;
    const options: WorkerOptions = { ipfsUrl, timeoutMs: 2_000, pollMs: 10, retry: { baseMs: 100, maxMs: 250, maxAttempts: 3 }, now: () => now };
    for (let i = 0; i < 3; i++) {
      await checkDueManifests(store, options);
      now += 1_000;
    }
    expect(records.get(3n)).toMatchObject({ status: "Unavailable", attempts: 3, nextAttemptAt: null });
    expect(records.get(3n)!.issues[0]).toMatch(/no more timed attempts; a fee payment for the model tries again/);
    expect((await checkDueManifests(store, options)).checked).toBe(0);
    m.paymentCount = 1;
    expect((await checkDueManifests(store, options)).checked).toBe(1);
  });

  test("the delay between attempts doubles up to its bound", () => {
    const retry = { baseMs: 1_000, maxMs: 5_000, maxAttempts: 10 };
    expect([1, 2, 3, 4, 5, 9].map((n) => retryDelayMs(n, retry))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });

  test("without an IPFS node the manifest is recorded unchecked, with why", async () => {
    const { store, records } = memoryStore([model(4n, cid)], contributions);
    await checkDueManifests(store, { ipfsUrl: undefined, timeoutMs: 2_000, pollMs: 10, retry: { baseMs: 1_000, maxMs: 5_000, maxAttempts: 3 } });
    expect(records.get(4n)).toMatchObject({ status: "Unchecked", issues: ["no IPFS_URL configured; the manifest was not fetched"] });
  });
});
