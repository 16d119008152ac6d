// Reorg: the indexer follows the dev chain live; a snapshot is taken, a few blocks are built on it
// (submissions, a commit, funding), the chain is reverted to the snapshot and a different, longer
// fork is built (other contributors, other content). The indexer must end equal to the chain: the
// rows of the abandoned fork gone, those of the new one present.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { parseEther } from "viem";
import { Protocol, contributionId, fileRef, startTestChain, type TestChain } from "@openledger/testkit";
import { checkConsistency, dumpTables, waitForConsistency } from "./consistency.ts";
import { query, startIndexer, waitForBlock, type Indexer } from "@openledger/testkit";
import { DATABASES, startPostgres, type Postgres } from "@openledger/testkit";

describe.each(DATABASES)("reorg on %s", (database) => {
  let t: TestChain;
  let pg: Postgres | undefined;
  let indexer: Indexer;

  beforeAll(async () => {
    t = await startTestChain();
    if (database === "postgres") pg = await startPostgres();
    indexer = await startIndexer({ rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, ...(pg ? { databaseUrl: pg.url } : {}) });
  });

  afterAll(async () => {
    await indexer?.stop();
    await pg?.stop();
    await t?.stop();
  });

  test("revert a few blocks, build a different fork, and the indexer ends equal to the chain", async () => {
    const p = new Protocol(t);
    const [owner, alice, bob, carol, v1] = [t.wallets[0]!, t.wallets[1]!, t.wallets[2]!, t.wallets[3]!, t.wallets[5]!];
    await p.stake(v1, parseEther("2000"));
    await p.advance(3_601);
    const d = await p.createDatanet(owner, { limits: { reward: parseEther("1") } });
    await p.fund(owner, d, parseEther("100"));
    await p.submit(alice, d, fileRef("shared-1"));
    await waitForBlock(indexer, await p.blockNumber());
    expect((await waitForConsistency(t, indexer)).mismatches).toEqual([]);

    const snapshot = await p.snapshot();
    const forkA = [fileRef("fork-a-1"), fileRef("fork-a-2")];
    await p.submitBatch(bob, d, forkA);
    await p.commit(v1, d, [fileRef("shared-1").digest, ...forkA.map((f) => f.digest)], 0b111n, `0x${"aa".repeat(32)}`);
    await p.fund(bob, d, parseEther("5"));
    const headA = await p.blockNumber();
    expect((await waitForConsistency(t, indexer)).mismatches).toEqual([]);
    const beforeRevert = await query<{ contributions: { totalCount: number } }>(indexer, `{ contributions { totalCount } }`);
    expect(beforeRevert.contributions.totalCount).toBe(3);

    await p.revert(snapshot);
    const forkB = [fileRef("fork-b-1"), fileRef("fork-b-2"), fileRef("fork-b-3")];
    await p.submitBatch(carol, d, forkB);
    await p.submit(alice, d, fileRef("fork-b-alice"));
    await p.commit(v1, d, [fileRef("shared-1").digest, ...forkB.map((f) => f.digest)], 0b0101n, `0x${"bb".repeat(32)}`);
    // The new fork must outgrow the old one for the indexer to switch to it.
    while ((await p.blockNumber()) <= headA + 2n) await p.mine(1);
    const report = await waitForConsistency(t, indexer, 60_000);
    expect(report.mismatches).toEqual([]);

    const tables = await dumpTables(indexer);
    const ids = (tables.contribution as { id: string }[]).map((r) => r.id).sort();
    const expected = [fileRef("shared-1"), ...forkB, fileRef("fork-b-alice")].map((f) => contributionId(d, f.digest)).sort();
    expect(ids).toEqual(expected);
    expect((tables.contributor as { address: string }[]).map((r) => r.address).sort()).toEqual([alice, carol].map((w) => w.account.address.toLowerCase()).sort());
    const viaGraphql = await query<{ poolEvents: { totalCount: number } }>(indexer, `{ poolEvents { totalCount } }`);
    expect(viaGraphql.poolEvents.totalCount).toBe(1);
    expect((tables.poolEvent as unknown[]).length).toBe(1);
    expect(indexer.log()).toMatch(/reorg/i);
    expect((await checkConsistency(t, indexer)).mismatches).toEqual([]);
  });
});
