// The validator's review workflow (the SDK's, shared by the CLI and the app) on a real Hardhat node:
// the vote secret is durable before the commit is sent and never removed; a refused commit leaves
// nothing; a retry reuses the salt; reveals are planned from the chain; records of another
// deployment are never revealed; validator rewards are credited once the contributions are final.
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther, type Hex } from "viem";
import { startTestStack, type TestStack } from "@openledger/testkit";
import {
  bytesSource,
  commitBallot,
  createMemoryVoteStore,
  creditValidatorRewards,
  dueForFinalization,
  finalizeContributions,
  getCommitment,
  Modality,
  openLedgerActions,
  pendingReview,
  planReveals,
  prepareBallot,
  ProtocolError,
  revealDue,
  toOnchainCid,
  type StoredVotes,
  type VoteStore,
} from "@openledger/sdk";
import { createFileVoteStore } from "@openledger/sdk/node";

const WINDOW = 600;
let stack: TestStack;
let datanetId: number;
let digests: Hex[];

beforeAll(async () => {
  stack = await startTestStack();
  const owner = stack.wallet(1).extend(openLedgerActions(stack.contracts));
  const metadata = await stack.ipfs.add(new TextEncoder().encode("{}"));
  // One validator reveals here: the workflow, not the protocol's three-validator default, is under test.
  datanetId = (await owner.createDatanet({ modality: Modality.Text, formats: [0], metadata, limits: { validatorReward: parseEther("3") }, rules: { commitWindow: WINDOW, revealWindow: WINDOW, minValidators: 1 } })).result.datanetId;
  await owner.fundDatanet({ datanetId, amount: parseEther("100") });
  for (const v of [3, 4]) await stack.wallet(v).extend(openLedgerActions(stack.contracts)).stake({ amount: parseEther("2000") });
  await stack.advance(3_601);
  const contributor = stack.wallet(2).extend(openLedgerActions(stack.contracts));
  const files = ["one", "two", "three"].map((w) => ({ name: `${w}.txt`, bytes: new TextEncoder().encode(`review workflow file ${w}\n`) }));
  const result = await contributor.contribute({ ipfs: stack.ipfs, datanetId, files: files.map((f) => bytesSource(f.name, f.bytes)) });
  digests = result.outcomes.map((o) => toOnchainCid(o.cid!).digest);
}, 240_000);

afterAll(async () => {
  await stack?.stop();
});

/** A store that notes, at each write, whether the chain already holds the commitment. */
function watched(store: VoteStore, log: string[]): VoteStore {
  return {
    ...store,
    location: store.location,
    async save(votes: StoredVotes) {
      const onchain = await getCommitment(stack.client, { contracts: stack.contracts, commitment: votes.commitment });
      log.push(`${votes.state} written, chain: ${onchain.state}`);
      await store.save(votes);
    },
  };
}

describe("the review workflow", () => {
  const home = mkdtempSync(path.join(os.tmpdir(), "openledger-votes-"));
  const files = createFileVoteStore(path.join(home, "votes"));

  it("lists the work, and refuses a commit the chain would refuse without writing anything", async () => {
    const items = await pendingReview(stack.client, { contracts: stack.contracts, datanetId, validator: stack.wallet(3).account.address });
    expect(items.map((i) => i.digest)).toEqual(digests);
    // Wallet 6 has no stake: the dry run refuses it, and the store stays empty.
    await expect(commitBallot(stack.wallet(6), { contracts: stack.contracts, datanetId, votes: [{ digest: digests[0]!, approve: true }], store: files })).rejects.toBeInstanceOf(ProtocolError);
    expect(await files.all()).toEqual([]);
  });

  it("writes the secret before the commit reaches the chain, in submission order", async () => {
    const log: string[] = [];
    const votes = [{ digest: digests[2]!, approve: false }, { digest: digests[0]!, approve: true }, { digest: digests[1]!, approve: true }];
    const sent = await commitBallot(stack.wallet(3), { contracts: stack.contracts, datanetId, votes, store: watched(files, log) });
    expect(log).toEqual(["sending written, chain: none", "committed written, chain: committed"]);
    expect(sent.votes.digests).toEqual(digests);
    expect(sent.votes.approvals).toEqual([true, true, false]);
    const [stored] = await files.all({ validator: stack.wallet(3).account.address });
    expect(stored).toEqual(sent.votes);
    // The same votes again: idempotent, nothing sent, the record untouched.
    const again = await commitBallot(stack.wallet(3), { contracts: stack.contracts, datanetId, votes, store: watched(files, log) });
    expect(again).toMatchObject({ alreadyCommitted: true, votes: { salt: stored!.salt, state: "committed" } });
    expect(again.hash).toBeUndefined();
    await expect(commitBallot(stack.wallet(3), { contracts: stack.contracts, datanetId, votes: votes.map((v) => ({ ...v, approve: !v.approve })), store: files })).rejects.toThrow(/already committed other votes/);
    expect(await files.get(stored!.chainId, stored!.commitment)).toEqual(stored);
  });

  it("retries an unsent commit with the stored salt, and refuses other votes while it may be in flight", async () => {
    const memory = createMemoryVoteStore();
    const validator = stack.wallet(4);
    const votes = [{ digest: digests[0]!, approve: true }];
    const earlier = await prepareBallot(validator, { contracts: stack.contracts, datanetId, validator: validator.account.address, votes });
    await memory.save(earlier);
    await expect(commitBallot(validator, { contracts: stack.contracts, datanetId, votes: [{ digest: digests[0]!, approve: false }], store: memory })).rejects.toThrow(/other votes may still be on its way/);
    const sent = await commitBallot(validator, { contracts: stack.contracts, datanetId, votes, store: memory });
    expect(sent.votes.salt).toBe(earlier.salt);
    expect(sent.alreadyCommitted).toBe(false);
    expect((await memory.all()).map((v) => v.state)).toEqual(["committed"]);
  });

  it("plans reveals from the chain and never reveals another deployment's records", async () => {
    const validator = stack.wallet(3);
    const [mine] = await files.all({ validator: validator.account.address });
    // The same commitment under another Datanets address (another deployment on this chain id).
    const stranger = { ...mine!, datanets: "0x000000000000000000000000000000000000dEaD" as const, commitment: mine!.commitment };
    const mixed = createMemoryVoteStore();
    await mixed.save(stranger);
    expect(await planReveals(validator, { contracts: stack.contracts, store: mixed, validator: validator.account.address })).toEqual([]);
    // The same deployment address on a restarted chain (same id, another genesis): reported, not revealed.
    const restarted = createMemoryVoteStore();
    await restarted.save({ ...mine!, genesis: `0x${"77".repeat(32)}` });
    const other = await revealDue(validator, { contracts: stack.contracts, store: restarted, datanetId });
    expect(other.map((r) => r.action)).toEqual(["other-chain"]);
    expect(other[0]!.outcome).toMatch(/another run of chain 31337/);

    const early = await revealDue(validator, { contracts: stack.contracts, store: files, datanetId });
    expect(early.map((r) => r.action)).toEqual(["wait"]);
    await stack.advance(WINDOW + 1);
    const revealed = await revealDue(validator, { contracts: stack.contracts, store: files, datanetId });
    expect(revealed.map((r) => r.action)).toEqual(["reveal"]);
    expect((await getCommitment(stack.client, { contracts: stack.contracts, commitment: mine!.commitment })).state).toBe("revealed");
    expect((await files.get(mine!.chainId, mine!.commitment))?.state).toBe("revealed");
    expect(await revealDue(validator, { contracts: stack.contracts, store: files, datanetId })).toEqual([]);
  });

  it("finalises what is due and credits validator rewards once every contribution is final", async () => {
    const validator = stack.wallet(3);
    expect(await creditValidatorRewards(validator, { contracts: stack.contracts, store: files, datanetId })).toEqual([
      expect.objectContaining({ outcome: "waiting: not every contribution is final" }),
    ]);
    await stack.advance(WINDOW + 1);
    const due = await dueForFinalization(stack.client, { contracts: stack.contracts, datanetId });
    expect(due).toEqual(digests);
    await finalizeContributions(stack.wallet(7), { contracts: stack.contracts, datanetId, digests: due });
    expect(await dueForFinalization(stack.client, { contracts: stack.contracts, datanetId })).toEqual([]);
    const credited = await creditValidatorRewards(validator, { contracts: stack.contracts, store: files, datanetId });
    expect(credited).toHaveLength(1);
    expect(credited[0]!.amount).toBeGreaterThan(0n);
  });
});

describe("a contributor who declares a false size", () => {
  // The chain takes the declared size on trust (quotas and the accepted-bytes rank use it); the
  // validator's download proves it and proposes rejection when it is wrong, either way.
  it("is caught by the validator's download check, whether it claims more or fewer bytes", async () => {
    const owner = stack.wallet(1).extend(openLedgerActions(stack.contracts));
    const metadata = await stack.ipfs.add(new TextEncoder().encode("{\"name\":\"sizes\"}"));
    const net = (await owner.createDatanet({ modality: Modality.Text, formats: [0], metadata })).result.datanetId;
    const cheat = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    const honest = new TextEncoder().encode("an honest file of forty-one bytes, here.\n");
    const inflated = new TextEncoder().encode("a file that claims to be much bigger\n");
    const shrunk = new TextEncoder().encode("a file that claims to be smaller than it is, to spare its quota\n");
    const refs = [];
    for (const [bytes, declared] of [[honest, honest.length], [inflated, 9_000], [shrunk, 10]] as const) {
      const cid = await stack.ipfs.add(bytes);
      refs.push({ ...toOnchainCid(cid), format: 0 as const, size: declared });
    }
    await cheat.submitFiles({ datanetId: net, files: refs });
    const [ok, more, fewer] = await Promise.all(refs.map((r) => owner.fetchContribution({ ipfs: stack.ipfs, datanetId: net, digest: r.digest })));
    expect(ok!.check).toEqual({ ok: true });
    expect(more!.check).toMatchObject({ ok: false, reason: expect.stringMatching(/declared 9000 bytes but the file has 37.*propose rejection/) });
    expect(fewer!.check).toMatchObject({ ok: false, reason: expect.stringMatching(/declared 10 bytes but the file is larger.*propose rejection/) });
    expect(fewer!.bytes.length).toBe(0);
  });
});
