// The full life of contributions of every modality and format, through the SDK, on a real Hardhat
// node and the embedded IPFS node: create and fund Datanets, stake, contribute, commit, reveal,
// finalise, claim; then register a model on the accepted data, pay for it and claim attribution.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther, type Hex } from "viem";
import {
  buildManifest,
  bytesSource,
  ContributionStatus,
  FORMAT_NAMES,
  MODALITY_FORMATS,
  Modality,
  LeafFault,
  TrainingMethod,
  computeCid,
  formatName,
  openLedgerActions,
  parseFormat,
  sha256Hex,
  type ContributeResult,
  type FormatName,
} from "../src/index.ts";
import { sampleFile } from "../src/samples.ts";
import { DEVELOPMENT_PARAMETERS, startTestStack, type TestStack } from "@openledger/testkit";

const REWARD = parseEther("10");
const VALIDATOR_REWARD = parseEther("3");
const WINDOW = 600;

let stack: TestStack;
/** What each validator keeps between commit and reveal, by `${validator}-${modality}`. */
const kept = new Map<string, { digests: Hex[]; approvals: boolean[]; salt: Hex }>();

beforeAll(async () => {
  stack = await startTestStack();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

describe("a contribution's life for each modality, through the SDK", () => {
  const datanetIds: Record<number, number> = {};
  const results: Record<number, ContributeResult> = {};
  /** The one contribution per modality the validators reject. */
  const rejectedName: Record<number, string> = {};

  it("creates and funds a Datanet of each modality", async () => {
    const owner = stack.wallet(1).extend(openLedgerActions(stack.contracts));
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const metadata = await stack.ipfs.add(new TextEncoder().encode(JSON.stringify({ name: `modality ${modality}` })));
      const created = await owner.createDatanet({
        modality,
        formats: MODALITY_FORMATS[modality],
        metadata,
        limits: { reward: REWARD, validatorReward: VALIDATOR_REWARD },
        rules: { commitWindow: WINDOW, revealWindow: WINDOW },
      });
      datanetIds[modality] = created.result.datanetId;
      const funded = await owner.fundDatanet({ datanetId: created.result.datanetId, amount: parseEther("1000") });
      expect(funded.result.pool).toBe(parseEther("1000"));
      const d = await owner.getDatanet({ datanetId: created.result.datanetId });
      expect(d.modality).toBe(modality);
      expect(d.metadataCid.toString()).toBe(metadata.toString());
      expect(d.rules.commitWindow).toBe(WINDOW);
    }
    expect(Object.values(datanetIds)).toEqual([1, 2, 3]);
  });

  it("stakes three validators, whose stake votes after the activation delay", async () => {
    for (const v of [3, 4, 5]) {
      const validator = stack.wallet(v).extend(openLedgerActions(stack.contracts));
      await validator.stake({ amount: parseEther("2000") });
      const p = await validator.getStakePosition({ validator: validator.account.address });
      expect(p.activating).toBe(parseEther("2000"));
      expect(p.eligible).toBe(0n);
    }
    await stack.advance(3_601);
    const p = await stack.wallet(3).extend(openLedgerActions(stack.contracts)).getStakePosition({ validator: stack.wallet(3).account.address });
    expect(p.eligible).toBe(parseEther("2000"));
  });

  it("contributes a real file of every format, uploaded before it is submitted", async () => {
    const contributor = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const files = MODALITY_FORMATS[modality].map((f) => ({ name: `sample.${formatName(f)}`, bytes: sampleFile(formatName(f), 10 + f) }));
      const stages: string[] = [];
      const result = await contributor.contribute({ ipfs: stack.ipfs, datanetId: datanetIds[modality]!, files: files.map((f) => bytesSource(f.name, f.bytes)), onProgress: (p) => stages.push(p.stage) });
      results[modality] = result;
      expect(result.outcomes.map((o) => o.status)).toEqual(files.map(() => "submitted"));
      expect(stages.indexOf("uploaded")).toBeLessThan(stages.indexOf("submitting"));
      for (const [i, outcome] of result.outcomes.entries()) {
        expect(outcome.format).toBe(formatName(MODALITY_FORMATS[modality][i]!));
        expect(outcome.cid).toBe((await computeCid(files[i]!.bytes)).toString());
        expect(await stack.ipfs.has(outcome.cid!)).toBe(true);
        const c = await contributor.getContribution({ contributionId: outcome.contributionId! });
        expect(c.status).toBe(ContributionStatus.Pending);
        expect(c.contributor).toBe(contributor.account.address);
        expect(c.size).toBe(files[i]!.bytes.length);
      }
      rejectedName[modality] = files[files.length - 1]!.name;
    }
    const q = await contributor.getQuota({ account: contributor.account.address, datanetId: datanetIds[Modality.Text]! });
    expect(q.protocolFilesUsed).toBe(FORMAT_NAMES.length);
  });

  it("validators download and verify each contribution, then commit sealed votes", async () => {
    for (const v of [3, 4, 5]) {
      const validator = stack.wallet(v).extend(openLedgerActions(stack.contracts));
      for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
        const outcomes = results[modality]!.outcomes;
        const digests: Hex[] = [];
        for (const o of outcomes) {
          const { digest } = (await import("../src/cid.ts")).toOnchainCid(o.cid!);
          const fetched = await validator.fetchContribution({ ipfs: stack.ipfs, datanetId: datanetIds[modality]!, digest });
          expect(fetched.check).toEqual({ ok: true });
          expect(fetched.cid.toString()).toBe(o.cid);
          digests.push(digest);
        }
        // Validators 3 and 4 reject the last file; validator 5 approves everything.
        const approvals = outcomes.map((o) => v === 5 || o.name !== rejectedName[modality]);
        const committed = await validator.commitVotes({ datanetId: datanetIds[modality]!, digests, approvals });
        expect(committed.result.weight).toBe(parseEther("2000").toString());
        const onchain = await validator.getCommitment({ commitment: committed.result.commitment });
        expect(onchain.state).toBe("committed");
        // Keep what the reveal needs, as the CLI's vote store does.
        kept.set(`${v}-${modality}`, committed.result);
      }
    }
  });

  it("reveals in the reveal window, finalises, and credits rewards for accepted work only", async () => {
    await stack.advance(WINDOW + 1);
    for (const v of [3, 4, 5]) {
      const validator = stack.wallet(v).extend(openLedgerActions(stack.contracts));
      for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
        const votes = kept.get(`${v}-${modality}`)!;
        await validator.revealVotes({ datanetId: datanetIds[modality]!, digests: votes.digests, approvals: votes.approvals, salt: votes.salt });
      }
    }
    await stack.advance(WINDOW + 1);
    const anyone = stack.wallet(7).extend(openLedgerActions(stack.contracts));
    let accepted = 0;
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const votes = kept.get(`3-${modality}`)!;
      const finalized = await anyone.finalizeContributions({ datanetId: datanetIds[modality]!, digests: votes.digests });
      const names = results[modality]!.outcomes.map((o) => o.name);
      expect(finalized.result.map((f) => f.status)).toEqual(names.map((n) => (n === rejectedName[modality] ? "rejected" : "accepted")));
      accepted += names.length - 1;
    }
    const contributor = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    const account = await contributor.getAccount({ account: contributor.account.address });
    expect(account.acceptedCount).toBe(accepted);
    expect(account.claimable).toBe(REWARD * BigInt(accepted));
    const before = await contributor.getOpenBalance({ account: contributor.account.address });
    const claimed = await contributor.claimRewards();
    expect(claimed.result.amount).toBe(REWARD * BigInt(accepted));
    expect(await contributor.getOpenBalance({ account: contributor.account.address })).toBe(before + REWARD * BigInt(accepted));
  });

  it("pays validators who voted with the outcome, pro rata", async () => {
    // On accepted files all three matched. On the rejected one validators 3 and 4 matched, but
    // these Datanets ask no deposit, and a rejection pays validators only out of the forfeited
    // deposit: nothing.
    const expected: Record<number, bigint> = { 3: 0n, 4: 0n, 5: 0n };
    for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
      const n = BigInt(results[modality]!.outcomes.length - 1);
      for (const v of [3, 4, 5]) expected[v]! += (VALIDATOR_REWARD * n) / 3n;
    }
    for (const v of [3, 4, 5]) {
      const validator = stack.wallet(v).extend(openLedgerActions(stack.contracts));
      let total = 0n;
      for (const modality of [Modality.Text, Modality.Image, Modality.Audio]) {
        const votes = kept.get(`${v}-${modality}`)!;
        total += (await validator.claimValidatorRewards({ datanetId: datanetIds[modality]!, digests: votes.digests })).result.amount;
      }
      // Pro-rata division rounds down per contribution: allow a few wei of dust.
      expect(expected[v]! - total).toBeGreaterThanOrEqual(0n);
      expect(expected[v]! - total).toBeLessThan(100n);
    }
  });

  it("registers a model on the accepted text data, takes a fee and pays attribution by Merkle proof", async () => {
    const trainer = stack.wallet(1).extend(openLedgerActions(stack.contracts));
    const textOutcomes = results[Modality.Text]!.outcomes.filter((o) => o.name !== rejectedName[Modality.Text]);
    const manifest = buildManifest({
      datanetIds: [datanetIds[Modality.Text]!],
      contributions: textOutcomes.map((o) => ({ contributionId: o.contributionId!, contributor: stack.wallet(2).account.address, size: o.size, datanetId: datanetIds[Modality.Text]! })),
    });
    const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
    const artifact = new TextEncoder().encode("adapter weights stand-in for the registry test");
    const registered = await trainer.registerModel({
      baseModel: "openledger/tiny-base",
      baseWeightsHash: await sha256Hex(new TextEncoder().encode("base")),
      method: TrainingMethod.LoRA,
      configHash: await sha256Hex(new TextEncoder().encode("{}")),
      artifactCid: await stack.ipfs.add(artifact),
      artifactSha256: await sha256Hex(artifact),
      datanetIds: manifest.datanetIds,
      datasetRoot: manifest.root,
      totalWeight: BigInt(manifest.totalWeight),
      manifestCid: await stack.ipfs.add(manifestBytes),
    });
    const modelId = registered.result.modelId;
    expect(modelId).toBe(1n);
    const model = await trainer.getModel({ modelId });
    expect(model.datasetRoot).toBe(manifest.root);

    expect(registered.result.bond).toBe(DEVELOPMENT_PARAMETERS.modelBond);
    expect(model.challengeEndsAt).toBe(registered.result.challengeEndsAt);
    // Every leaf keeps the rule, as the registry judges it; a challenge finds nothing to prove.
    const verdicts = await trainer.findLeafFaults({ modelId, manifest });
    expect(verdicts.map((v) => v.fault)).toEqual(manifest.leaves.map(() => LeafFault.None));
    await expect(trainer.challengeLeaf({ modelId, manifest })).rejects.toThrow(/every leaf of model 1's manifest keeps the attribution rule/);

    // Payments open when the challenge window closes.
    const payer = stack.wallet(6).extend(openLedgerActions(stack.contracts));
    await expect(payer.payForModel({ modelId, amount: parseEther("100") })).rejects.toThrow(/model 1 can be challenged until .*payments open when its challenge window closes/);
    await stack.advance(DEVELOPMENT_PARAMETERS.challengeWindow);
    const trainerBefore = await trainer.getOpenBalance({ account: trainer.account.address });
    expect((await payer.releaseBond({ modelId })).result.bond).toBe(DEVELOPMENT_PARAMETERS.modelBond);
    expect(await trainer.getOpenBalance({ account: trainer.account.address })).toBe(trainerBefore + DEVELOPMENT_PARAMETERS.modelBond);
    const paid = await payer.payForModel({ modelId, amount: parseEther("100") });
    expect(paid.result.contributorsShare).toBe(parseEther("20"));

    const contributor = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    let total = 0n;
    for (const leaf of manifest.leaves) {
      const claimable = await contributor.getClaimableAttribution({ modelId, manifest, contributionId: leaf.contributionId });
      const claimed = await contributor.claimAttribution({ modelId, manifest, contributionId: leaf.contributionId });
      expect(claimed.result.amount).toBe(claimable);
      total += claimed.result.amount;
    }
    expect(parseEther("20") - total).toBeLessThan(BigInt(manifest.leaves.length));
    // The same leaf is never paid twice.
    await expect(contributor.claimAttribution({ modelId, manifest, contributionId: manifest.leaves[0]!.contributionId })).rejects.toMatchObject({
      errorName: "NothingToClaim",
    });
  });

  it("names every format by its bytes, whatever the file is called", () => {
    for (const name of FORMAT_NAMES) expect(formatName(parseFormat(name)!)).toBe(name as FormatName);
  });
});
