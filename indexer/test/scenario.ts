// A run through every protocol operation, for the consistency test: Datanets with and without
// rewards and deposits, terms changes, pauses, funding and withdrawal, submissions (single and
// batch), commits, reveals, a validator that never reveals and is slashed, accepted, rejected and
// expired outcomes, a pool that runs dry under review (an approved file expires unfunded), resubmission of expired content (a new round of the same contribution id), a
// recommit of the same ids, validator rewards, claims, unstaking and withdrawal, models with lineage,
// bonds (one taken by a challenge, one released), fees and attribution claims, and governance changes.
import { encodePacked, keccak256, parseEther, type Hex } from "viem";
import { toOnchainCid } from "@openledger/sdk";
import { ATTRIBUTION_WEIGHTING, buildManifest, datasetRoot, leafProof, MANIFEST_VERSION, type DatasetManifest, type ManifestLeaf } from "@openledger/protocol";
import { DEVELOPMENT_PARAMETERS, Protocol, contributionId, fileRef, type TestChain } from "@openledger/testkit";

export interface ScenarioResult {
  datanetIds: number[];
  accepted: Hex[];
  rejected: Hex[];
  expiredThenResubmitted: Hex;
  /** Datanet 3's pool covered one of its two approved files: the first finalised is paid, the other expires unfunded. */
  paidBeforeThePoolRanDry: Hex;
  unfunded: Hex;
  validModelId: bigint;
  flaggedModelId: bigint;
  unavailableModelId: bigint;
  /** The manifest of the unavailable model, never added to IPFS by the scenario. */
  missingManifest: Uint8Array;
}

/** Adds bytes to IPFS and returns the on-chain CID parts. */
export type AddToIpfs = (bytes: Uint8Array) => Promise<string>;

const salt = (s: string) => keccak256(encodePacked(["string"], [s]));

export async function runScenario(t: TestChain, addToIpfs: AddToIpfs | undefined): Promise<ScenarioResult> {
  const p = new Protocol(t);
  const [owner, alice, bob, carol, dave, v1, v2, v3] = t.wallets as [typeof t.wallets[0], ...typeof t.wallets];
  const W = { owner: owner!, alice: alice!, bob: bob!, carol: carol!, dave: dave!, v1: v1!, v2: v2!, v3: v3! };

  // Validators stake first: stake votes only after the activation delay (1 h on the dev deployment).
  await p.stake(W.v1, parseEther("2000"));
  await p.stake(W.v2, parseEther("2000"));
  await p.stake(W.v3, parseEther("1500"));
  await p.advance(3_601);

  // Datanet 1: text, rewards and a deposit. Datanet 2: image, no rewards.
  const d1 = await p.createDatanet(W.owner, {
    limits: { deposit: parseEther("1"), reward: parseEther("10"), validatorReward: parseEther("3") },
    rules: { commitWindow: 600, revealWindow: 600 },
  });
  const d2 = await p.createDatanet(W.carol, { modality: 1, formats: (1 << 6) | (1 << 7), rules: { commitWindow: 600, revealWindow: 600, thresholdBps: 5001 } });
  await p.fund(W.owner, d1, parseEther("500"));
  await p.fund(W.dave, d1, parseEther("100"));
  await p.setMetadata(W.carol, d2, "image metadata v2");
  await p.setDatanetPaused(W.carol, d2, true);
  await p.setDatanetPaused(W.carol, d2, false);
  // Two-step ownership: carol offers d2 to dave, who takes it (the indexer follows the owner).
  await p.transferDatanetOwnership(W.carol, d2, W.dave.account.address);
  await p.acceptDatanetOwnership(W.dave, d2);
  // And an offer left pending: the indexer shows who it is offered to.
  await p.transferDatanetOwnership(W.owner, d1, W.carol.account.address);

  for (const w of [W.alice, W.bob]) await p.approve(w, p.addresses.Datanets, parseEther("100"));
  const a = [fileRef("a1", 1_000), fileRef("a2", 2_000), fileRef("a3", 3_000), fileRef("a4", 4_000, 4)];
  const b = [fileRef("b1", 5_000, 5), fileRef("b2", 6_000)];
  const b3 = fileRef("b3", 7_000);
  await p.submitBatch(W.alice, d1, a);
  await p.submit(W.bob, d1, b[0]!);
  await p.submit(W.bob, d1, b[1]!);
  // New terms: later submissions are paid the new reward when accepted.
  await p.updateLimits(W.owner, d1, { maxFileSize: 0, dailyBytes: 0, dailyFiles: 0, deposit: parseEther("2"), reward: parseEther("12"), validatorReward: parseEther("2") });
  await p.submit(W.bob, d1, b3);
  const c = [fileRef("c1", 900, 6), fileRef("c2", 800, 7)];
  await p.submitBatch(W.carol, d2, c);

  // Commits: v1 and v2 cover the first six of Datanet 1 (b3 gets no votes and expires); v3 commits
  // to a1, a2 and never reveals.
  const d1Digests = [...a, ...b].map((f) => f.digest);
  // bit i approves d1Digests[i]: v1 approves a1 a2 a3 b1, v2 approves a1 a2 b1 (a3 splits 50/50 → rejected).
  const v1c = await p.commit(W.v1, d1, d1Digests, 0b010111n, salt("v1"));
  const v2c = await p.commit(W.v2, d1, d1Digests, 0b010011n, salt("v2"));
  const v3c = await p.commit(W.v3, d1, d1Digests.slice(0, 2), 0b11n, salt("v3"));
  const d2c = await p.commit(W.v1, d2, c.map((f) => f.digest), 0b01n, salt("v1d2"));
  // v1 also commits to b3 and never reveals: b3 expires; the recommit below reuses this key.
  await p.commit(W.v1, d1, [b3.digest], 0n, salt("v1b3-first"));

  await p.advance(601);
  await p.reveal(W.v1, v1c);
  await p.reveal(W.v2, v2c);
  await p.reveal(W.v1, d2c);
  await p.advance(601);
  await p.finalize(W.dave, d1, [...d1Digests, b3.digest]);
  await p.finalize(W.dave, d2, c.map((f) => f.digest));
  await p.claimValidatorRewards(W.v1, d1, d1Digests);
  await p.claimValidatorRewards(W.v2, d1, d1Digests);
  await p.claimValidatorRewards(W.v1, d2, c.map((f) => f.digest));
  await p.claim(W.alice);
  await p.claim(W.v1, W.dave.account.address);

  // v3 never revealed: anyone slashes it once every reveal window is certainly over.
  await p.advance(7_200);
  await p.slashUnrevealed(W.dave, v3c.commitment);

  // Expired content comes back: the same contribution id, a new round, another contributor.
  await p.approve(W.carol, p.addresses.Datanets, parseEther("10"));
  await p.submit(W.carol, d1, b3);
  // v2 commits to the new round; v1 recommits the same single id it left unrevealed in the expired
  // round: the same commitment key, and the contract slashes the earlier commitment first.
  const v2b3 = await p.commit(W.v2, d1, [b3.digest], 0n, salt("v2b3"));
  const v1b3 = await p.commit(W.v1, d1, [b3.digest], 0n, salt("v1b3"));
  await p.advance(601);
  await p.reveal(W.v2, v2b3);
  await p.reveal(W.v1, v1b3);
  await p.advance(601);
  await p.finalize(W.owner, d1, [b3.digest]);

  // Pool withdrawal needs a pause, and waits a review's length after it (commit + 2 reveal windows).
  await p.setDatanetPaused(W.owner, d1, true);
  await p.advance(600 + 2 * 600);
  await p.withdrawPool(W.owner, d1, parseEther("50"), W.owner.account.address);
  await p.setDatanetPaused(W.owner, d1, false);

  // A pool that runs dry under review (nothing is reserved at submission): Datanet 3 holds one
  // file's rewards; two files are submitted and approved; the first finalised is paid, the second
  // expires unfunded. Funded again, a third file is left pending (what it could take is indexed), and
  // the Datanet paused.
  const d3 = await p.createDatanet(W.dave, { limits: { reward: parseEther("5"), validatorReward: parseEther("1") } });
  await p.fund(W.dave, d3, parseEther("6"));
  const dry = [fileRef("dry1", 100), fileRef("dry2", 200)];
  for (const f of dry) await p.submit(W.dave, d3, f);
  const d3c = await p.commit(W.v1, d3, dry.map((f) => f.digest), 0b11n, salt("v1d3"));
  await p.advance(601);
  await p.reveal(W.v1, d3c);
  await p.advance(601);
  await p.finalize(W.owner, d3, dry.map((f) => f.digest));
  await p.fund(W.dave, d3, parseEther("6"));
  await p.submit(W.dave, d3, fileRef("dry3", 300));
  // Left paused: the indexer gives the time its pool opens to a withdrawal, as the chain does.
  await p.setDatanetPaused(W.dave, d3, true);

  // Stake changes: top-up, partial unstake, withdrawal after the unbonding period.
  await p.stake(W.v1, parseEther("100"));
  await p.unstake(W.v2, parseEther("500"));
  await p.advance(3 * 3_600 + 1);
  await p.withdrawStake(W.v2);
  await p.unstake(W.v3, parseEther("100"));

  // Models. The valid one lists accepted leaves; the flagged one names a rejected contribution; the
  // third's manifest was never added to IPFS.
  const id = (f: { digest: Hex }, d = d1) => contributionId(d, f.digest);
  const accepted = [id(a[0]!), id(a[1]!), id(b[0]!)];
  const sizeOf = (f: { size: number }) => f.size;
  const validManifest = buildManifest({
    datanetIds: [d1],
    contributions: [
      { contributionId: accepted[0]!, contributor: W.alice.account.address, size: sizeOf(a[0]!), datanetId: d1 },
      { contributionId: accepted[1]!, contributor: W.alice.account.address, size: sizeOf(a[1]!), datanetId: d1 },
      { contributionId: accepted[2]!, contributor: W.bob.account.address, size: sizeOf(b[0]!), datanetId: d1 },
    ],
  });
  // Built by hand, as a dishonest trainer would (the SDK's builder refuses it): alice's accepted file
  // weighed at 10 instead of its size, a rejected file, and carol's file named as bob's.
  const flaggedLeaves: ManifestLeaf[] = [
    { contributionId: accepted[0]!, contributor: W.alice.account.address, weight: "10" },
    { contributionId: id(a[2]!), contributor: W.alice.account.address, weight: String(sizeOf(a[2]!)) },
    { contributionId: id(c[0]!, d2), contributor: W.bob.account.address, weight: String(sizeOf(c[0]!)) },
  ];
  const flaggedTree = datasetRoot(flaggedLeaves);
  const flaggedManifest: DatasetManifest = {
    version: MANIFEST_VERSION,
    datanetIds: [d1, d2],
    weighting: ATTRIBUTION_WEIGHTING,
    leaves: flaggedLeaves,
    root: flaggedTree.root,
    totalWeight: flaggedTree.totalWeight.toString(),
  };
  const register = async (manifest: DatasetManifest, name: string, add: boolean, parentId?: bigint) => {
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const cid = add && addToIpfs ? await addToIpfs(bytes) : (await import("@openledger/sdk")).computeCid(bytes).then((x) => x.toString());
    const onchain = toOnchainCid(await cid);
    await p.registerModel(W.owner, {
      baseModel: name,
      datanetIds: manifest.datanetIds,
      datasetRoot: manifest.root,
      totalWeight: BigInt(manifest.totalWeight),
      manifestDigest: onchain.digest,
      manifestCodec: onchain.codec,
      ...(parentId ? { parentId } : {}),
    });
  };
  await register(validManifest, "tiny-base", true);
  await register(flaggedManifest, "tiny-child", true, 1n);
  const missingManifest = { ...validManifest, block: 1 }; // other bytes, so another CID
  await register(missingManifest, "tiny-missing", false, 2n);
  // A watcher proves the flagged model's first bad leaf wrong inside its window and takes its bond;
  // the others' windows pass unchallenged and the valid model's bond goes back to its trainer.
  await p.challengeLeaf(W.carol, 2n, flaggedManifest);
  await p.advance(DEVELOPMENT_PARAMETERS.challengeWindow);
  await p.releaseBond(W.dave, 1n);
  await p.payForModel(W.dave, 1n, parseEther("60"));
  await p.payForModel(W.carol, 1n, parseEther("40"));
  const proof = leafProof(validManifest, accepted[0]!);
  await p.claimAttribution(W.dave, 1n, accepted[0]!, W.alice.account.address, BigInt(proof.leaf.weight), proof.proof);

  // Governance.
  await p.setProtocolLimits(W.owner, 10 * 1024 * 1024, 8 * 1024 * 1024, 15, 200);

  return {
    datanetIds: [d1, d2, d3],
    accepted,
    rejected: [id(a[2]!), id(a[3]!), id(b[1]!)],
    expiredThenResubmitted: id(b3),
    paidBeforeThePoolRanDry: id(dry[0]!, d3),
    unfunded: id(dry[1]!, d3),
    validModelId: 1n,
    flaggedModelId: 2n,
    unavailableModelId: 3n,
    missingManifest: new TextEncoder().encode(JSON.stringify(missingManifest)),
  };
}
