// Issue 12, finding 5, from the attacker's side on a real Hardhat node with its mempool: a watcher
// reads a contributor's pending submission, decodes the files from its calldata and sends the same
// content first with a higher tip. Without a commitment the copy takes the credit; with one
// (`commitSubmission`, then `submitFiles({ commitment })`, or `contribute({ protect: true })`) the
// contributor's transaction displaces the copy in the same block.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther, parseGwei, type Hex } from "viem";
import { datanetsAbi } from "@openledger/protocol";
import { bytesSource, computeCid, contributionIdOf, openLedgerActions, toOnchainCid, Format, type FileRef } from "../src/index.ts";
import { datanetsCallsOf, startTestStack, type TestStack } from "@openledger/testkit";

const DEPOSIT = parseEther("2");
let stack: TestStack;
let datanetId: number;

beforeAll(async () => {
  stack = await startTestStack();
  datanetId = await stack.textDatanet({ name: "mempool", deposit: DEPOSIT, fund: parseEther("1000") });
  await stack.wallet(6).extend(openLedgerActions(stack.contracts)).ensureAllowance({ spender: stack.contracts.Datanets, amount: parseEther("1000") });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const rpc = (method: string, params: unknown[] = []) => stack.client.request({ method: method as never, params: params as never });

async function fileRef(text: string): Promise<FileRef> {
  const bytes = new TextEncoder().encode(text);
  const { digest, codec } = toOnchainCid(await computeCid(bytes));
  return { digest, codec, format: Format.Txt, size: bytes.length };
}

/**
 * The watcher: waits for the victim's transaction in the pending block, decodes the files it
 * carries, and sends them itself with a higher tip, so that it is ordered first.
 */
async function copyFromMempool(victim: Hex): Promise<Hex> {
  const watcher = stack.wallet(6);
  for (let tries = 0; tries < 100; tries++) {
    const pending = await stack.client.getBlock({ blockTag: "pending", includeTransactions: true });
    const tx = pending.transactions.find((t) => t.from.toLowerCase() === victim.toLowerCase());
    if (tx) {
      // A deposit paid by permit sends `multicall([permitDeposit, submit…])`: the watcher unwraps it.
      const calls = datanetsCallsOf(tx.input);
      const call = calls.find((c) => c.functionName.startsWith("submit")) ?? calls[0]!;
      if (call.functionName !== "submit" && call.functionName !== "submitBatch" && call.functionName !== "submitCommitted") throw new Error(`not a submission: ${call.functionName}`);
      const files = call.functionName === "submit" ? [call.args[1]] : call.args[1];
      const fees = { maxPriorityFeePerGas: tx.maxPriorityFeePerGas! * 10n + parseGwei("1"), maxFeePerGas: tx.maxFeePerGas! * 10n + parseGwei("2") };
      return watcher.writeContract({ address: stack.contracts.Datanets, abi: datanetsAbi, functionName: "submitBatch", args: [datanetId, files, call.args[2]], gas: 1_000_000n, ...fees });
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error("the victim's transaction never reached the mempool");
}

/** Runs `send` with the chain mining only on demand, lets the watcher copy it, then mines one block. */
async function raceInOneBlock<T>(victim: Hex, send: () => Promise<T>): Promise<{ sent: T; copy: Hex }> {
  await rpc("evm_setAutomine", [false]);
  try {
    const sending = send();
    const copy = await copyFromMempool(victim);
    await rpc("evm_mine");
    return { sent: await sending, copy };
  } finally {
    await rpc("evm_setAutomine", [true]);
  }
}

describe("a watcher of the mempool copies a pending submission", () => {
  it("takes the credit of a submission sent without a commitment", async () => {
    const alice = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    const file = await fileRef("a plain submission, copied from the mempool");
    await alice.ensureAllowance({ spender: stack.contracts.Datanets, amount: DEPOSIT });
    const { sent, copy } = await raceInOneBlock(alice.account.address, () =>
      alice.submitFiles({ datanetId, files: [file] }).catch((error: unknown) => error),
    );
    expect(String(sent)).toMatch(/DuplicateContent|already in Datanet/);
    const copied = await stack.client.getTransactionReceipt({ hash: copy });
    expect(copied.status).toBe("success");
    const c = await alice.getContribution({ datanetId, digest: file.digest });
    expect(c.contributor).toBe(stack.wallet(6).account.address);
  });

  it("is displaced by a committed submission in the same block: the content stays the contributor's", async () => {
    const alice = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    const watcher = stack.wallet(6).extend(openLedgerActions(stack.contracts));
    const file = await fileRef("a committed submission, copied from the mempool");
    const committed = await alice.commitSubmission({ datanetId, digests: [file.digest] });
    expect(committed.result.committedAt).toBeGreaterThan(0);
    await alice.ensureAllowance({ spender: stack.contracts.Datanets, amount: DEPOSIT });
    const creditsBefore = (await watcher.getAccount({ account: watcher.account.address })).claimable;

    const { sent, copy } = await raceInOneBlock(alice.account.address, () =>
      alice.submitFiles({ datanetId, files: [file], commitment: committed.result }),
    );
    const copied = await stack.client.getTransactionReceipt({ hash: copy });
    expect(copied.status).toBe("success");
    expect(copied.blockNumber).toBe(sent.receipt.blockNumber);
    expect(copied.transactionIndex).toBeLessThan(sent.receipt.transactionIndex);

    const id = contributionIdOf(datanetId, file.digest);
    expect(sent.result.displaced).toEqual([{ contributionId: id, displaced: watcher.account.address, refund: DEPOSIT }]);
    const c = await alice.getContribution({ contributionId: id });
    expect(c.contributor).toBe(alice.account.address);
    expect(await alice.getClaim({ contributionId: id })).toMatchObject({ displaced: true });
    expect((await watcher.getAccount({ account: watcher.account.address })).claimable - creditsBefore).toBe(DEPOSIT);
  });

  it("contribute({ protect: true }) commits, uploads and sends under the commitment", async () => {
    const alice = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    const stages: string[] = [];
    const result = await alice.contribute({
      ipfs: stack.ipfs,
      datanetId,
      files: [bytesSource("protected.txt", new TextEncoder().encode("a protected contribution\n"))],
      protect: true,
      onProgress: (p) => stages.push(p.stage),
    });
    expect(result.protected).toBe(true);
    expect(result.transactions).toHaveLength(2);
    expect(stages.indexOf("committed")).toBeLessThan(stages.indexOf("uploading"));
    const [outcome] = result.outcomes;
    expect(outcome).toMatchObject({ status: "submitted" });
    expect((await alice.getClaim({ contributionId: outcome!.contributionId! })).commitmentAge).toBeGreaterThan(0);
    // The commitment is used up: nothing is left to replay.
    expect(result.displaced).toEqual([]);
  });
});
