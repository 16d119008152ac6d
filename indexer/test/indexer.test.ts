// The indexer against a real Hardhat node and a real `ponder start`, on PGlite and on PostgreSQL:
// every protocol operation is driven, then every table is checked against the chain's views; the
// API answers the queries a dApp makes; hostile queries are refused and the server keeps serving.
import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseEther } from "viem";
import { startIpfsNode, type RunningIpfsNode } from "@openledger/ipfs-node";
import { commitSubmission, contributionIdOf, submitFiles, toOnchainCid, type CidCodec, type Format } from "@openledger/sdk";
import { DEVELOPMENT_PARAMETERS, Protocol, contributionId, fileRef, startTestChain, type TestChain } from "@openledger/testkit";
import { checkConsistency } from "./consistency.ts";
import { graphql, query, startIndexer, waitForBlock, type Indexer } from "@openledger/testkit";
import { DATABASES, startPostgres, type Postgres } from "@openledger/testkit";
import { runScenario, type ScenarioResult } from "./scenario.ts";

/** The manifest worker checks models after they are indexed: waits until every model has a check. */
async function waitForManifestChecks(indexer: Indexer, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const data = await query<{ models: { items: { id: string; manifestCheckedAt: string | null }[] } }>(indexer, `{ models(limit: 1000) { items { id manifestCheckedAt } } }`);
    if (data.models.items.every((m) => m.manifestCheckedAt !== null)) return;
    if (Date.now() > deadline) throw new Error(`models without a manifest check after ${timeoutMs} ms: ${JSON.stringify(data.models.items)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.each(DATABASES)("indexer on %s", (database) => {
  let t: TestChain;
  let ipfs: RunningIpfsNode;
  let ipfsDir: string;
  let pg: Postgres | undefined;
  let indexer: Indexer;
  let result: ScenarioResult;

  beforeAll(async () => {
    t = await startTestChain();
    ipfsDir = mkdtempSync(path.join(tmpdir(), "indexer-ipfs-"));
    ipfs = await startIpfsNode({ dataDir: ipfsDir });
    if (database === "postgres") pg = await startPostgres();
    // The indexer follows the chain live while the scenario runs.
    indexer = await startIndexer({ rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, ipfsUrl: ipfs.url, ...(pg ? { databaseUrl: pg.url } : {}) });
    result = await runScenario(t, async (bytes) => (await ipfs.node.add(bytes)).cid.toString());
    await waitForBlock(indexer, await t.client.getBlockNumber({ cacheTime: 0 }));
    await waitForManifestChecks(indexer);
  });

  afterAll(async () => {
    await indexer?.stop();
    await pg?.stop();
    await ipfs?.stop();
    await t?.stop();
    if (ipfsDir) rmSync(ipfsDir, { recursive: true, force: true });
  });

  test("every table equals the chain's view after every protocol operation", async () => {
    const report = await checkConsistency(t, indexer);
    expect(report.mismatches).toEqual([]);
    expect(report.checked).toBeGreaterThan(300);
  });

  test("Datanets, contributions, leaderboard and models through GraphQL", async () => {
    const data = await query<{
      datanets: { items: { id: number; acceptedCount: number; rejectedCount: number; expiredCount: number; pendingCount: number; metadataCid: string }[] };
      contributions: { items: { id: string; status: string; cid: string; round: number }[]; totalCount: number };
      contributors: { items: { address: string; accepted: number; rejected: number; acceptanceRateBps: number | null }[] };
      models: { items: { id: string; manifestStatus: string; manifestIssues: string[]; depth: number; invalid: boolean; challengeFault: string | null; challengedContribution: string | null; bond: string; parent: { id: string } | null; datanets: { items: { datanetId: number }[] } }[] };
    }>(
      indexer,
      `query($d: Int!) {
        datanets(orderBy: "id") { items { id acceptedCount rejectedCount expiredCount pendingCount metadataCid } }
        contributions(where: { datanetId: $d }, orderBy: "sequence", orderDirection: "asc", limit: 100) { items { id status cid round } totalCount }
        contributors(orderBy: "score", orderDirection: "desc") { items { address accepted rejected acceptanceRateBps } }
        models(orderBy: "id", limit: 10) { items { id manifestStatus manifestIssues depth invalid challengeFault challengedContribution bond parent { id } datanets(limit: 10) { items { datanetId } } } }
      }`,
      { d: result.datanetIds[0] },
    );
    const d1 = data.datanets.items[0]!;
    // a1 a2 b1 accepted; a3 a4 b2 rejected; b3 expired once, then rejected in its second round.
    expect([d1.acceptedCount, d1.rejectedCount, d1.expiredCount, d1.pendingCount]).toEqual([3, 4, 1, 0]);
    expect(d1.metadataCid).toMatch(/^bafk/);
    expect(data.contributions.totalCount).toBe(7);
    expect(data.contributions.items.find((c) => c.id === result.expiredThenResubmitted)?.round).toBe(2);
    expect(data.contributions.items.every((c) => c.cid.startsWith("bafk"))).toBe(true);
    const top = data.contributors.items[0]!;
    expect(top.address).toBe(t.wallets[1]!.account.address.toLowerCase());
    expect([top.accepted, top.rejected, top.acceptanceRateBps]).toEqual([2, 2, 5000]);
    const models = data.models.items;
    expect(models.map((m) => m.manifestStatus)).toEqual(["Valid", "Flagged", "Unavailable"]);
    expect(models[1]!.manifestIssues.join("\n")).toMatch(/not-accepted/);
    expect(models[1]!.manifestIssues.join("\n")).toMatch(/wrong-contributor/);
    expect(models[1]!.manifestIssues[0]).toMatch(/^leaf 0x[0-9a-f]{64}: wrong-weight \(status Accepted, .*1000 bytes; the leaf weighs 10\)$/);
    // The flagged model was proven wrong on chain by its first bad leaf; the valid one's bond went back.
    expect(models.map((m) => [m.invalid, m.challengeFault])).toEqual([[false, null], [true, "WrongWeight"], [false, null]]);
    expect(models[1]!.challengedContribution).toBe(result.accepted[0]);
    expect(models.map((m) => BigInt(m.bond))).toEqual([0n, 0n, DEVELOPMENT_PARAMETERS.modelBond]);
    expect(models.map((m) => m.depth)).toEqual([0, 1, 2]);
    expect(models[2]!.parent?.id).toBe("2");
    expect(models[1]!.datanets.items.map((x) => x.datanetId).sort()).toEqual([1, 2]);
  });

  test("a pool that ran dry under review: the approved file it could not pay expires unfunded; what pending files could take", async () => {
    const data = await query<{
      datanet: { pool: string; pendingRewards: string; acceptedCount: number; expiredCount: number };
      contributions: { items: { id: string; status: string; unfunded: boolean }[] };
    }>(
      indexer,
      `query($d: Int!) {
        datanet(id: $d) { pool pendingRewards acceptedCount expiredCount }
        contributions(where: { datanetId: $d }, orderBy: "sequence", orderDirection: "asc") { items { id status unfunded } }
      }`,
      { d: result.datanetIds[2] },
    );
    // Funded again with 6 OPEN, which the pending third file could take in full.
    const six = parseEther("6").toString();
    expect(data.datanet).toEqual({ pool: six, pendingRewards: six, acceptedCount: 1, expiredCount: 1 });
    expect(data.contributions.items.map((c) => [c.id, c.status, c.unfunded])).toEqual([
      [result.paidBeforeThePoolRanDry, "Accepted", false],
      [result.unfunded, "Expired", true],
      [expect.any(String), "Pending", false],
    ]);
  });

  test("validators: slashes for unrevealed votes, a recommit of the same ids as a new round, agreement", async () => {
    const data = await query<{
      validators: { items: { address: string; slashes: number; agreedVotes: number; disagreedVotes: number; agreementRateBps: number | null }[] };
      commitments: { items: { id: string; round: number; state: string }[] };
    }>(indexer, `{ validators(orderBy: "address") { items { address slashes agreedVotes disagreedVotes agreementRateBps } } commitments(where: { round: 2 }) { items { id round state } } }`);
    const byAddress = new Map(data.validators.items.map((v) => [v.address, v]));
    const [v1, v2, v3] = [5, 6, 7].map((i) => byAddress.get(t.wallets[i]!.account.address.toLowerCase())!);
    expect([v1!.slashes, v2!.slashes, v3!.slashes]).toEqual([1, 0, 1]);
    expect(data.commitments.items).toEqual([expect.objectContaining({ round: 2, state: "Revealed" })]);
    // v1 voted with every outcome in Datanet 1 (a3: approved, rejected → disagreed) — counted, not guessed:
    expect(v1!.agreedVotes + v1!.disagreedVotes).toBeGreaterThan(0);
    expect(v1!.agreementRateBps).toBe(Math.floor((v1!.agreedVotes * 10_000) / (v1!.agreedVotes + v1!.disagreedVotes)));
  });

  test("the leaderboard ranks by accepted work and shows the acceptance rate beside it", async () => {
    const global = (await (await fetch(`${indexer.url}/leaderboard`)).json()) as { items: { rank: number; address: string; accepted: number; rejected: number; acceptanceRateBps: number }[] };
    // alice: 2 accepted of 4 decided; bob: 1 accepted (b1) of 2 decided; carol: c1 accepted, b3
    // rejected; dave: dry1 accepted (dry2 expired unfunded, which counts as neither).
    expect(global.items.map((r) => [r.rank, r.accepted])).toEqual([[1, 2], [2, 1], [3, 1], [4, 1]]);
    expect(global.items[0]!.acceptanceRateBps).toBe(5000);
    const perDatanet = (await (await fetch(`${indexer.url}/leaderboard?datanetId=2`)).json()) as { items: { address: string; rank: number }[] };
    expect(perDatanet.items).toHaveLength(1);
    expect(perDatanet.items[0]!.address).toBe(t.wallets[3]!.account.address.toLowerCase());
    const bad = await fetch(`${indexer.url}/leaderboard?limit=100000`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/limit must be an integer from 0 to 1000/);
  });

  test("a validator's work queue and a contributor's quota follow the chain", async () => {
    const p = new Protocol(t);
    const [owner, alice, v1] = [t.wallets[0]!, t.wallets[1]!, t.wallets[5]!];
    const before = (await (await fetch(`${indexer.url}/contributors/${alice.account.address}/quota?datanetId=1`)).json()) as { filesLeft: string; bytesLeft: string };
    const files = [fileRef("queue-1", 10_000), fileRef("queue-2", 20_000)];
    await p.approve(alice, p.addresses.Datanets, parseEther("10"));
    const receipt = await p.submitBatch(alice, 1, files);
    await waitForBlock(indexer, receipt.blockNumber);
    const queue = (await (await fetch(`${indexer.url}/validators/${v1.account.address}/queue`)).json()) as { toCommit: { contributionId: string }[]; toReveal: unknown[] };
    expect(queue.toCommit.map((c) => c.contributionId)).toEqual(files.map((f) => contributionId(1, f.digest)));
    const after = (await (await fetch(`${indexer.url}/contributors/${alice.account.address}/quota?datanetId=1`)).json()) as { filesLeft: string; bytesLeft: string; datanetFilesUsed: number };
    const q = (await t.client.readContract({ address: p.addresses.Datanets, abi: (await import("@openledger/protocol")).datanetsAbi, functionName: "quotaOf", args: [alice.account.address, 1] })) as { filesLeft: bigint; bytesLeft: bigint };
    expect([after.filesLeft, after.bytesLeft]).toEqual([q.filesLeft.toString(), q.bytesLeft.toString()]);
    expect(BigInt(before.filesLeft) - BigInt(after.filesLeft)).toBe(2n);
    const c = await p.commit(v1, 1, files.map((f) => f.digest), 0b11n, "0x" + "11".repeat(32) as `0x${string}`);
    const r2 = await p.advance(601);
    void r2;
    await waitForBlock(indexer, await p.blockNumber());
    const queue2 = (await (await fetch(`${indexer.url}/validators/${v1.account.address}/queue`)).json()) as { toCommit: unknown[]; toReveal: { commitment: string; window: string }[] };
    expect(queue2.toCommit).toEqual([]);
    expect(queue2.toReveal).toEqual([expect.objectContaining({ commitment: c.commitment, window: "open" })]);
    await p.reveal(v1, c);
    await p.advance(601);
    await p.finalize(owner, 1, files.map((f) => f.digest));
    await waitForBlock(indexer, await p.blockNumber());
    expect((await checkConsistency(t, indexer)).mismatches).toEqual([]);
  });

  test("a user's own submission shows in GraphQL within a second of its receipt", async () => {
    const p = new Protocol(t);
    const bob = t.wallets[2]!;
    await p.approve(bob, p.addresses.Datanets, parseEther("10"));
    const latencies: number[] = [];
    for (let i = 0; i < 5; i++) {
      const f = fileRef(`latency-${i}`, 100);
      const receipt = await p.submit(bob, 1, f);
      const start = performance.now();
      const id = contributionId(1, f.digest);
      for (let n = 0; n < 200; n++) {
        const data = await query<{ contribution: { id: string } | null }>(indexer, `query($id: String!) { contribution(id: $id) { id } }`, { id });
        if (data.contribution) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      latencies.push(performance.now() - start);
      void receipt;
    }
    expect(Math.max(...latencies)).toBeLessThan(1_000);
  });

  test("the manifest worker's record and leaves: attempts and last error, attribution already claimed", async () => {
    const record = (await (await fetch(`${indexer.url}/models/${result.unavailableModelId}/manifest`)).json()) as { status: string; attempts: number; nextAttemptAt: number | null; lastError: string };
    expect(record.status).toBe("Unavailable");
    expect(record.attempts).toBeGreaterThanOrEqual(1);
    expect(record.lastError).toMatch(/could not fetch manifest/);
    expect((await fetch(`${indexer.url}/models/999/manifest`)).status).toBe(404);
    expect((await fetch(`${indexer.url}/models/x1/manifest`)).status).toBe(400);
    // The scenario claims attribution for the valid model's first leaf, maybe while the worker copies
    // the leaves: the copy counts the claims already indexed, and each worker pass (every 250 ms)
    // repairs a claim that raced the copy. Asked again for up to 10 s.
    type Leaves = { manifestLeafs: { items: { contributionId: string; check: string; claimed: string }[] }; claims: { items: { amount: string }[] } };
    const ask = () =>
      query<Leaves>(
        indexer,
        `query($id: BigInt!) { manifestLeafs(where: { modelId: $id }) { items { contributionId check claimed } } claims(where: { kind: "attribution", modelId: $id }) { items { amount } } }`,
        { id: result.validModelId.toString() },
      );
    const first = result.accepted[0]!.toLowerCase();
    let data = await ask();
    for (let i = 0; i < 40 && data.manifestLeafs.items.find((l) => l.contributionId === first)?.claimed !== data.claims.items[0]?.amount; i++) {
      await new Promise((r) => setTimeout(r, 250));
      data = await ask();
    }
    expect(data.manifestLeafs.items.map((l) => l.check)).toEqual(["ok", "ok", "ok"]);
    expect(data.claims.items).toHaveLength(1);
    expect(data.manifestLeafs.items.find((l) => l.contributionId === result.accepted[0]!.toLowerCase())?.claimed).toBe(data.claims.items[0]!.amount);
  });

  test("an unavailable manifest is checked again at the model's next fee payment", async () => {
    const p = new Protocol(t);
    await ipfs.node.add(result.missingManifest);
    await p.payForModel(t.wallets[4]!, result.unavailableModelId, parseEther("1"));
    const deadline = Date.now() + 10_000;
    let status = "";
    while (Date.now() < deadline) {
      const data = await query<{ model: { manifestStatus: string; manifestLeafCount: number | null } }>(indexer, `query($id: BigInt!) { model(id: $id) { manifestStatus manifestLeafCount } }`, { id: result.unavailableModelId.toString() });
      status = data.model.manifestStatus;
      if (status === "Valid") {
        expect(data.model.manifestLeafCount).toBe(3);
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(status).toBe("Valid");
  });

  test("flags a contribution whose declared size is not what IPFS holds under its CID", async () => {
    const p = new Protocol(t);
    const d = await p.createDatanet(t.wallets[0]!, {});
    await p.fund(t.wallets[0]!, d, parseEther("100"));
    const liar = new TextEncoder().encode(`a file whose size is misdeclared (${database})\n`);
    const honest = new TextEncoder().encode(`a file declared as it is (${database})\n`);
    const lie = toOnchainCid((await ipfs.node.add(liar)).cid.toString());
    const truth = toOnchainCid((await ipfs.node.add(honest)).cid.toString());
    // The chain takes the declared size on trust: 1,000 bytes more than the file passes.
    await p.submit(t.wallets[2]!, d, { ...lie, format: 0, size: liar.length + 1_000 });
    await p.submit(t.wallets[2]!, d, { ...truth, format: 0, size: honest.length });
    type Row = { cid: string; size: number; storedSize: number | null; sizeCheck: string };
    const deadline = Date.now() + 30_000;
    let rows: Row[] = [];
    while (Date.now() < deadline) {
      rows = (await query<{ contributions: { items: Row[] } }>(indexer, `query($d: Int!) { contributions(where: { datanetId: $d }, orderBy: "sequence", limit: 10) { items { cid size storedSize sizeCheck } } }`, { d })).contributions.items;
      if (rows.length === 2 && rows.every((r) => r.sizeCheck !== "Unchecked")) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(rows).toEqual([
      { cid: expect.any(String), size: liar.length + 1_000, storedSize: liar.length, sizeCheck: "Mismatch" },
      { cid: expect.any(String), size: honest.length, storedSize: honest.length, sizeCheck: "Match" },
    ]);
    // The scenario's contributions name content no IPFS node holds: unavailable, not mismatched.
    const scenario = await query<{ contributions: { items: Row[] } }>(indexer, `{ contributions(where: { datanetId: 1 }, limit: 3) { items { cid size storedSize sizeCheck } } }`);
    expect(scenario.contributions.items.map((r) => [r.storedSize, r.sizeCheck])).toEqual(scenario.contributions.items.map(() => [null, "Unavailable"]));
  });

  test("a committed submission displaces a copy: the copy's round ends expired with its deposit back, the content is the committer's", async () => {
    const p = new Protocol(t);
    const deposit = parseEther("2");
    const d = await p.createDatanet(t.wallets[0]!, { limits: { deposit, reward: parseEther("1"), validatorReward: parseEther("1") } });
    await p.fund(t.wallets[0]!, d, parseEther("100"));
    const [owner, copier] = [t.wallets[2]!, t.wallets[5]!];
    const spec = fileRef(`copied from the mempool (${database})`, 500);
    const file = { ...spec, codec: spec.codec as CidCodec, format: spec.format as Format };
    const committed = await commitSubmission(owner, { contracts: t.deployment.contracts, datanetId: d, digests: [file.digest] });
    // The copy lands first (the mempool race itself is in sdk/test/mempool.test.ts), then the owner's.
    await p.submit(copier, d, spec);
    const sent = await submitFiles(owner, { contracts: t.deployment.contracts, datanetId: d, files: [file], commitment: committed.result });
    expect(sent.result.displaced).toHaveLength(1);
    await waitForBlock(indexer, sent.receipt.blockNumber);
    const id = contributionIdOf(d, file.digest).toLowerCase();
    const who = (w: typeof owner) => w.account.address.toLowerCase();
    type Answer = {
      contribution: { contributor: string; status: string; round: number; displaced: string | null; displacedTx: string | null };
      submissions: { items: { contributor: string; status: string; round: number; displacedBy: string | null }[] };
      account: { refunds: string };
      datanet: { pendingCount: number; expiredCount: number };
    };
    const data = await query<Answer>(
      indexer,
      `query($id: String!, $a: String!, $d: Int!) {
        contribution(id: $id) { contributor status round displaced displacedTx }
        submissions(where: { contributionId: $id }, orderBy: "round", limit: 5) { items { contributor status round displacedBy } }
        account(address: $a) { refunds }
        datanet(id: $d) { pendingCount expiredCount }
      }`,
      { id, a: who(copier), d },
    );
    expect(data.contribution).toEqual({ contributor: who(owner), status: "Pending", round: 2, displaced: who(copier), displacedTx: sent.hash });
    expect(data.submissions.items).toEqual([
      { contributor: who(copier), status: "Expired", round: 1, displacedBy: who(owner) },
      { contributor: who(owner), status: "Pending", round: 2, displacedBy: null },
    ]);
    expect(BigInt(data.account.refunds)).toBeGreaterThanOrEqual(deposit);
    expect(data.datanet).toEqual({ pendingCount: 1, expiredCount: 1 });
  });

  test("bad and hostile queries get a 400 with the reason, and the server keeps serving", async () => {
    const datanetsBefore = (await query<{ datanets: { totalCount: number } }>(indexer, `{ datanets { totalCount } }`)).datanets.totalCount;
    const cases: [string, RegExp][] = [
      [`{ datanets { items { nope } } }`, /Cannot query field .*nope/],
      [`{ datanets(`, /Syntax Error/],
      // Many aliases of a cheap lookup (under the cost limit, which refuses 40 counts first).
      [`{ ${Array.from({ length: 40 }, (_, i) => `a${i}: datanet(id: ${i + 1}) { id }`).join(" ")} }`, /aliases/i],
      [`{ datanets(limit: 1) { items { contributions(limit: 1) { items { datanet { contributions(limit: 1) { items { datanet { contributions(limit: 1) { items { datanet { contributions(limit: 1) { items { id } } } } } } } } } } } } } }`, /depth/i],
      [`{ datanets { items { ${"id ".repeat(3000)} } } }`, /token/i],
      [`{ contributions(limit: 5000) { items { id } } }`, /limit/i],
    ];
    for (const [q, reason] of cases) {
      const r = await graphql(indexer, q);
      expect(r.status, q.slice(0, 60)).toBe(400);
      expect(r.text).toMatch(reason);
    }
    // Its own connection: the server closes a connection whose body it refused to read.
    const hugeStatus = await new Promise<number>((resolve, reject) => {
      const body = JSON.stringify({ query: `{ datanets { totalCount } }`, pad: "x".repeat(200_000) });
      const req = request(`${indexer.url}/graphql`, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(hugeStatus).toBe(413);
    const notJson = await fetch(`${indexer.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" });
    expect(notJson.status).toBe(400);
    const sqlWrite = await fetch(`${indexer.url}/sql/db?sql=${encodeURIComponent(JSON.stringify({ json: { sql: "DELETE FROM datanet", params: [], typings: [] } }))}`);
    expect(sqlWrite.status).toBe(400);
    expect(await sqlWrite.text()).toMatch(/not supported/);
    const sqlGarbage = await fetch(`${indexer.url}/sql/db?sql=notjson`);
    expect(sqlGarbage.status).toBe(400);
    // Still serving.
    const ok = await query<{ datanets: { totalCount: number } }>(indexer, `{ datanets { totalCount } }`);
    expect(ok.datanets.totalCount).toBe(datanetsBefore);
    expect(datanetsBefore).toBeGreaterThanOrEqual(2);
    expect((await fetch(`${indexer.url}/health`)).status).toBe(200);
  });
});
