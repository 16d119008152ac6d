import { afterAll, beforeAll, expect, test } from "vitest";
import { Protocol, fileRef, startTestChain, type TestChain } from "./chain.ts";
import { query, startIndexer, waitForBlock, type Indexer } from "./ponder.ts";

let t: TestChain;
let indexer: Indexer;
beforeAll(async () => {
  t = await startTestChain();
});
afterAll(async () => {
  await indexer?.stop();
  await t?.stop();
});

test("smoke", async () => {
  const p = new Protocol(t);
  const [owner, alice] = [t.wallets[0]!, t.wallets[1]!];
  const id = await p.createDatanet(owner);
  await p.submitBatch(alice, id, [fileRef("a"), fileRef("b")]);
  const t0 = Date.now();
  indexer = await startIndexer({ rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile });
  console.log("started in", Date.now() - t0);
  await waitForBlock(indexer, await p.blockNumber());
  console.log("indexed in", Date.now() - t0);
  const data = await query(indexer, `{ datanets { items { id submissions pendingCount contributors { items { address submitted } } } } }`);
  console.log(JSON.stringify(data));
  expect(data).toBeTruthy();
});
