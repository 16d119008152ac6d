import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { getAddress, type Address, type Hex } from "viem";
import {
  challengeLeaf,
  cidFromOnchain,
  claimAttribution,
  findLeafFaults,
  LEAF_FAULT_TEXT,
  LeafFault,
  leafFaultName,
  getClaimableAttribution,
  getModel,
  listModels,
  isBytes32,
  METHOD_NAMES,
  parseManifest,
  payForModel,
  ProtocolError,
  registerModel,
  releaseBond,
  sha256Hex,
  type DatasetManifest,
} from "@openledger/sdk";
import { amount, int, UsageError, when } from "../args.ts";
import { type Context } from "../context.ts";
import { open, printFields, printJson, printTable } from "../output.ts";
import type { Cli } from "../cli.ts";
import type { ModelRecord } from "@openledger/indexer/records";
import { fromIndexerOrChain, indexerRows } from "../indexer.ts";

interface ModelRow {
  id: bigint;
  trainer: Address;
  baseModel: string;
  method: string;
  datanets: string;
  artifact: string;
  /** 0 for a model without a parent. */
  parent: bigint;
}

/** Every registered model as the indexer has it. */
async function indexedModels(url: string): Promise<ModelRow[]> {
  const keys = ["id", "trainer", "baseModel", "method", "datanetIds", "artifactCid", "parentId"] as const;
  const rows = await indexerRows<Pick<ModelRecord, (typeof keys)[number]>>(url, "models", keys.join(" "));
  return rows.map((m) => ({ id: BigInt(m.id), trainer: getAddress(m.trainer), baseModel: m.baseModel, method: METHOD_NAMES[m.method]!, datanets: m.datanetIds.join(","), artifact: m.artifactCid, parent: BigInt(m.parentId ?? 0) }));
}

/** Every registered model, from the registry's events since the deployment. */
function registered(ctx: Context) {
  return listModels(ctx.client, { contracts: ctx.contracts, fromBlock: BigInt(ctx.deployment.startBlock ?? 0) });
}

export function registerModels(program: Command, cli: Cli): void {
  const models = program.command("models").description("register, list, pay for models and claim attribution");
  listCommand(models, cli);
  showCommand(models, cli);
  registerCommand(models, cli);
  payCommand(models, cli);
  claimCommand(models, cli);
  checkCommand(models, cli);
  challengeCommand(models, cli);
  releaseBondCommand(models, cli);
}

/** A model's registered manifest, fetched from IPFS and parsed. */
async function manifestOf(ctx: Context, modelId: bigint): Promise<DatasetManifest> {
  const spec = (await registered(ctx)).find((m) => m.id === modelId)?.spec;
  if (!spec) throw new ProtocolError("ModelNotFound", [modelId]);
  return parseManifest(await ctx.ipfs.get(cidFromOnchain(spec.manifestDigest, spec.manifestCodec), { maxBytes: 64 * 1024 * 1024 }));
}


function listCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("list")
    .description("every registered model")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const rows: ModelRow[] = await fromIndexerOrChain(ctx, indexedModels, async () =>
        (await registered(ctx)).map((m) => ({
          id: m.id,
          trainer: m.trainer,
          baseModel: m.spec.baseModel,
          method: METHOD_NAMES[m.spec.method]!,
          datanets: m.spec.datanetIds.join(","),
          artifact: cidFromOnchain(m.spec.artifactDigest, m.spec.artifactCodec).toString(),
          parent: BigInt(m.spec.parentId),
        })),
      );
      if (json(cmd)) return printJson(rows);
      printTable(rows.map((r) => [r.id, r.baseModel, r.method, r.datanets, r.parent || "", r.artifact]), ["id", "base model", "method", "datanets", "parent", "artifact"]);
    });
}

function showCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("show <model>")
    .description("a model's registration and fees")
    .action(async (idText: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const id = BigInt(int(idText, "the model id", 1));
      const [info, all] = await Promise.all([getModel(ctx.client, { contracts: ctx.contracts, modelId: id }), registered(ctx)]);
      const spec = all.find((m) => m.id === id)?.spec;
      const out = {
        id,
        trainer: info.trainer,
        "base model": spec?.baseModel,
        method: METHOD_NAMES[info.method],
        datanets: spec?.datanetIds.join(", "),
        parent: info.parentId || "none",
        artifact: spec ? cidFromOnchain(spec.artifactDigest, spec.artifactCodec).toString() : "",
        "artifact sha256": info.artifactSha256,
        manifest: spec ? cidFromOnchain(spec.manifestDigest, spec.manifestCodec).toString() : "",
        "dataset root": info.datasetRoot,
        "total weight": info.totalWeight,
        "contributor fees": open(info.contributorFees),
        "attribution paid": open(info.attributionPaid),
        status: info.invalid ? "invalid: a challenge proved a leaf wrong; it takes no fees" : `payments open from ${when(info.challengeEndsAt)}`,
        bond: info.invalid ? "forfeited: half to the challenger, half to the treasury" : info.bond > 0n ? `${open(info.bond)} at stake until ${when(info.challengeEndsAt)}` : "released",
      };
      if (json(cmd)) return printJson({ ...info, spec });
      printFields(out);
    });
}

function registerCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("register")
    .description("upload an artifact and its dataset manifest to IPFS and register the model (TRAINER_ROLE)")
    .requiredOption("--artifact <file>", "the adapter or weights file")
    .requiredOption("--manifest <file>", "the dataset manifest (JSON, see sdk/README.md#manifests)")
    .requiredOption("--base-model <name>", "the base model's name")
    .requiredOption("--base-weights-sha256 <hex>", "sha256 of the base model's weights")
    .option("--method <method>", "lora, qlora or full", "lora")
    .requiredOption("--config <file>", "the full training configuration (its sha256 is registered)")
    .option("--parent <id>", "the model this one refines", "0")
    .action(async (o: Record<string, string>, cmd: Command) => {
      const method = (METHOD_NAMES as readonly string[]).indexOf(o.method!);
      if (method < 0) throw new UsageError(`--method must be lora, qlora or full, got "${o.method}"`);
      if (!isBytes32(o.baseWeightsSha256!)) throw new UsageError("--base-weights-sha256 must be 0x and 64 hex digits");
      const manifestBytes = new Uint8Array(readFileSync(o.manifest!));
      const manifest = parseManifest(manifestBytes);
      const artifact = new Uint8Array(readFileSync(o.artifact!));
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const artifactCid = await ctx.ipfs.add(artifact);
      const manifestCid = await ctx.ipfs.add(manifestBytes);
      const sent = await registerModel(wallet, {
        contracts: ctx.contracts,
        baseModel: o.baseModel!,
        baseWeightsHash: o.baseWeightsSha256 as Hex,
        method: method as 0 | 1 | 2,
        configHash: await sha256Hex(new Uint8Array(readFileSync(o.config!))),
        artifactCid,
        artifactSha256: await sha256Hex(artifact),
        datanetIds: manifest.datanetIds,
        datasetRoot: manifest.root,
        totalWeight: BigInt(manifest.totalWeight),
        manifestCid,
        parentId: BigInt(int(o.parent!, "--parent")),
      });
      const { modelId, bond, challengeEndsAt } = sent.result;
      if (json(cmd)) return printJson({ modelId, artifactCid: artifactCid.toString(), manifestCid: manifestCid.toString(), bond, challengeEndsAt, transaction: sent.hash });
      console.log(`Registered model ${modelId}: artifact ${artifactCid}, manifest ${manifestCid} (tx ${sent.hash})`);
      console.log(`Bond ${open(bond)} at stake; payments open at ${when(challengeEndsAt)}, when the challenge window closes.`);
    });
}

function payCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("pay <model> <amount>")
    .description("pay OPEN for a model; the contributors' share flows to the data that trained it")
    .action(async (idText: string, value: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await payForModel(await ctx.wallet(), { contracts: ctx.contracts, modelId: BigInt(int(idText, "the model id", 1)), amount: amount(value) });
      if (json(cmd)) return printJson({ ...sent.result, transaction: sent.hash });
      console.log(`Paid ${value} OPEN: trainer ${open(sent.result.trainerShare)}, protocol ${open(sent.result.protocolShare)}, contributors ${open(sent.result.contributorsShare)} (tx ${sent.hash})`);
    });
}

function claimCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("claim <model>")
    .description("claim attribution for your contributions in a model's dataset (the manifest comes from IPFS)")
    .option("--contribution <id>", "only this contribution id")
    .action(async (idText: string, o: { contribution?: Hex }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const modelId = BigInt(int(idText, "the model id", 1));
      const manifest = await manifestOf(ctx, modelId);
      const mine = manifest.leaves.filter((l) =>
        o.contribution ? l.contributionId.toLowerCase() === o.contribution.toLowerCase() : l.contributor.toLowerCase() === wallet.account.address.toLowerCase(),
      );
      const out: { contributionId: Hex; amount: bigint; paidTo: Address | null; transaction: Hex | null }[] = [];
      for (const leaf of mine) {
        const claimable = await getClaimableAttribution(ctx.client, { contracts: ctx.contracts, modelId, manifest, contributionId: leaf.contributionId });
        if (claimable === 0n) {
          out.push({ contributionId: leaf.contributionId, amount: 0n, paidTo: null, transaction: null });
          continue;
        }
        const sent = await claimAttribution(wallet, { contracts: ctx.contracts, modelId, manifest, contributionId: leaf.contributionId });
        out.push({ contributionId: leaf.contributionId, amount: sent.result.amount, paidTo: sent.result.contributor, transaction: sent.hash });
      }
      if (json(cmd)) return printJson(out);
      if (out.length === 0) console.log(`No leaf of model ${modelId} names ${o.contribution ?? wallet.account.address}.`);
      else printTable(out.map((r) => [r.contributionId, r.paidTo ? `paid ${open(r.amount)} to ${r.paidTo}` : "nothing new"]), ["contribution", "outcome"]);
    });
}

function checkCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("check <model>")
    .description("judge every leaf of a model's manifest by the attribution rule, as the registry would")
    .action(async (idText: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const modelId = BigInt(int(idText, "the model id", 1));
      const manifest = await manifestOf(ctx, modelId);
      const verdicts = await findLeafFaults(ctx.client, { contracts: ctx.contracts, modelId, manifest, fromBlock: BigInt(ctx.deployment.startBlock ?? 0) });
      const rows = verdicts.map((v) => ({ contributionId: v.leaf.contributionId, contributor: v.leaf.contributor, weight: v.leaf.weight, fault: leafFaultName(v.fault), reason: v.reason }));
      if (json(cmd)) return printJson(rows);
      printTable(rows.map((r) => [r.contributionId, r.weight, r.reason]), ["contribution", "weight", "verdict"]);
      const bad = verdicts.filter((v) => v.fault !== LeafFault.None).length;
      console.log(bad === 0 ? `Every leaf of model ${modelId} keeps the rule.` : `${bad} of ${verdicts.length} leaves break the rule: \`openledger models challenge ${modelId}\` proves the first.`);
    });
}

function challengeCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("challenge <model>")
    .description("prove a leaf of a model's manifest wrong inside its challenge window and take half the trainer's bond")
    .option("--contribution <id>", "the leaf to prove wrong (default: the first that breaks the rule)")
    .action(async (idText: string, o: { contribution?: Hex }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const modelId = BigInt(int(idText, "the model id", 1));
      if (o.contribution !== undefined && !isBytes32(o.contribution)) throw new UsageError("--contribution must be 0x and 64 hex digits");
      const manifest = await manifestOf(ctx, modelId);
      const sent = await challengeLeaf(await ctx.wallet(), {
        contracts: ctx.contracts,
        modelId,
        manifest,
        fromBlock: BigInt(ctx.deployment.startBlock ?? 0),
        ...(o.contribution ? { contributionId: o.contribution } : {}),
      });
      if (json(cmd)) return printJson({ ...sent.result, fault: leafFaultName(sent.result.fault), transaction: sent.hash });
      const { contributionId, fault, reward, forfeited } = sent.result;
      console.log(`Model ${modelId} is invalid: leaf ${contributionId} ${LEAF_FAULT_TEXT[fault]}. Paid to you: ${open(reward)}, half the trainer's bond (the treasury takes ${open(forfeited)}) (tx ${sent.hash})`);
    });
}

function releaseBondCommand(models: Command, { ctxOf, json }: Cli): void {
  models
    .command("release-bond <model>")
    .description("return a model's bond to its trainer once its challenge window closed unchallenged (anyone may send it)")
    .action(async (idText: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await releaseBond(await ctx.wallet(), { contracts: ctx.contracts, modelId: BigInt(int(idText, "the model id", 1)) });
      if (json(cmd)) return printJson({ ...sent.result, transaction: sent.hash });
      console.log(`Released ${open(sent.result.bond)} to trainer ${sent.result.trainer} (tx ${sent.hash})`);
    });
}
