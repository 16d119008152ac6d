// End to end on a local stack: a real Hardhat node with the protocol deployed, the embedded IPFS
// node, the Ponder indexer, contributions accepted through commit–reveal, then the trainer node
// (real engine): a training job reads the accepted set from the indexer, trains, uploads its
// adapter and manifest, registers the model on chain; the indexer verifies the manifest's root;
// chat answers through the API with the adapter fetched from IPFS by its registered CID.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { keccak256, parseEther, toHex, type Hex } from "viem";
import { modelRegistryAbi } from "@openledger/protocol";
import { IpfsNode, startIpfsServer, type IpfsServer } from "@openledger/ipfs-node";
import { DEV_PRIVATE_KEYS } from "@openledger/protocol/deploy";
import { toOnchainCid } from "@openledger/sdk";
import { parseManifest } from "@openledger/protocol";
import { Protocol, startTestChain, type TestChain } from "@openledger/testkit";
import { query, startIndexer, type Indexer } from "@openledger/testkit";
import { startTrainerNode, type TrainerNode } from "../../src/node/index.ts";
import { kuboClient } from "../../src/node/protocol.ts";
import { canonicalJson, sha256HexOf } from "../../src/node/spec.ts";
import { readSse, REAL_ENGINE, realBaseModel, waitFor } from "./helpers.ts";

const DATA = path.join(import.meta.dirname, "fixtures", "data");
let dir: string;
let t: TestChain;
let ipfsNode: IpfsNode;
let ipfsServer: IpfsServer;
let indexer: Indexer;
let node: TrainerNode;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "trainer-e2e-"));
  t = await startTestChain();
  ipfsNode = await IpfsNode.open({ dataDir: path.join(dir, "ipfs") });
  ipfsServer = await startIpfsServer(ipfsNode, { port: 0 });
  indexer = await startIndexer({ rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, ipfsUrl: ipfsServer.url });
});

afterAll(async () => {
  await node?.stop();
  await indexer?.stop();
  await ipfsServer?.close();
  await ipfsNode?.stop();
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("trains on a Datanet's accepted data, registers the model with a root the indexer verifies, and chats with it", async () => {
  const p = new Protocol(t);
  const [owner, alice, bob, v1, v2] = [1, 2, 3, 4, 5].map((i) => t.wallets[i]!);
  const datanetId = await p.createDatanet(owner!, { formats: 0x3f });
  for (const v of [v1!, v2!]) await p.stake(v, parseEther("2000"));
  await p.advance(3_600); // stake activation delay

  // Contributions: three usable files, one pdf (accepted on chain, refused by the trainer), and one
  // file the validators reject (it must not be trained on).
  const ipfs = kuboClient(ipfsServer.url);
  const files: { name: string; format: number; who: typeof alice; approve: boolean }[] = [
    { name: "alpaca.jsonl", format: 4, who: alice, approve: true },
    { name: "notes.txt", format: 0, who: bob, approve: true },
    { name: "qa.csv", format: 5, who: alice, approve: true },
    { name: "paper.pdf", format: 2, who: bob, approve: true },
    { name: "sharegpt.jsonl", format: 4, who: bob, approve: false },
  ];
  const digests: Hex[] = [];
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(path.join(DATA, f.name)));
    const { digest, codec } = toOnchainCid(await ipfs.add(bytes));
    await p.submit(f.who!, datanetId, { digest, codec, format: f.format, size: bytes.length });
    digests.push(digest);
  }
  const votes = files.reduce((mask, f, i) => (f.approve ? mask | (1n << BigInt(i)) : mask), 0n);
  const commits = [];
  for (const [i, v] of [v1!, v2!].entries()) commits.push(await p.commit(v, datanetId, digests, votes, keccak256(toHex(`salt ${i}`))));
  await p.advance(600);
  for (const [i, v] of [v1!, v2!].entries()) await p.reveal(v, commits[i]!);
  await p.advance(600);
  await p.finalize(owner!, datanetId, digests);

  // The indexer sees the four accepted contributions.
  await waitFor("the indexer to list the accepted contributions", async () => {
    const data = await query<{ contributions: { items: unknown[] } }>(indexer, `{ contributions(where: { datanetId: ${datanetId}, status: Accepted }) { items { id } } }`);
    return data.contributions.items.length === 4 ? true : undefined;
  }, 120_000, 250);

  node = await startTrainerNode({
    dataDir: path.join(dir, "trainer"), port: 0, rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, ipfsUrl: ipfsServer.url,
    indexerUrl: indexer.url, trainerKey: DEV_PRIVATE_KEYS[0]!, engineModule: REAL_ENGINE, baseModelDir: await realBaseModel(path.join(dir, "base")),
  });
  // Jobs that could not be registered are refused at submission, against the chain.
  const imageDatanet = await p.createDatanet(owner!, { modality: 1, formats: 0x07c0 });
  const refuse = async (body: unknown) => {
    const r = await fetch(`${node.url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${node.operator.token}` }, body: JSON.stringify(body) });
    expect(r.status).toBe(400);
    return ((await r.json()) as { error: { message: string } }).error.message;
  };
  expect(await refuse({ datanetIds: [99] })).toBe(`datanetIds[0]: there is no Datanet 99 (the chain has ${imageDatanet})`);
  expect(await refuse({ datanetIds: [imageDatanet] })).toBe(`datanetIds[0]: Datanet ${imageDatanet} holds image data; this trainer trains text models`);
  expect(await refuse({ datanetIds: [datanetId], parentModelId: 5 })).toBe("parentModelId: there is no model 5 (the registry has 0)");
  const outsider = await startTrainerNode({ dataDir: path.join(dir, "outsider"), port: 0, rpcUrl: t.rpcUrl, deploymentFile: t.deploymentFile, ipfsUrl: ipfsServer.url, trainerKey: DEV_PRIVATE_KEYS[7]!, engineModule: REAL_ENGINE });
  const noRole = await fetch(`${outsider.url}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${outsider.operator.token}` }, body: JSON.stringify({ datanetIds: [datanetId] }) });
  expect(noRole.status).toBe(400);
  expect(((await noRole.json()) as { error: { message: string } }).error.message).toMatch(`the trainer account ${t.wallets[7]!.account.address} does not hold TRAINER_ROLE`);
  await outsider.stop();
  expect(await refuse({ datanetIds: [datanetId], upToBlock: 1e9 })).toMatch(/^upToBlock must be at most the chain head \d+, got 1000000000$/);

  const request = { datanetIds: [datanetId], method: "lora", hyperparameters: { epochs: 8, batchSize: 2, maxSeqLen: 64, evalFraction: 0, learningRate: 0.01 }, lora: { rank: 8, alpha: 16 } };
  // The estimate before the job: the same data, counted through the indexer and IPFS as the job will.
  const estimated = await fetch(`${node.url}/v1/jobs/estimate`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${node.operator.token}` }, body: JSON.stringify(request) });
  expect(estimated.status).toBe(200);
  const estimate = (await estimated.json()) as { steps: number; trainableParameters: number; seconds: number; memoryBytes: { total: number; weights: number }; dataset: { contributions: number; refused: number; examples: number; extrapolated: boolean } };
  expect(estimate.dataset).toMatchObject({ contributions: 4, refused: 1, extrapolated: false });
  expect(estimate.memoryBytes.total).toBeGreaterThan(estimate.memoryBytes.weights);
  expect(estimate.seconds).toBeGreaterThan(0);
  expect((await fetch(`${node.url}/v1/jobs/estimate`, { method: "POST", body: JSON.stringify(request) })).status).toBe(401);
  const submitted = await fetch(`${node.url}/v1/jobs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${node.operator.token}` },
    body: JSON.stringify(request),
  });
  expect(submitted.status).toBe(201);
  const job = (await submitted.json()) as { id: string; spec: { upToBlock: number } };
  expect(job.spec.upToBlock).toBe(Number(await t.client.getBlockNumber()));
  const events = await readSse(await fetch(`${node.url}/v1/jobs/${job.id}/events`));
  const end = JSON.parse(events.at(-1)!.data) as {
    state: string; error?: string;
    dataset: { contributionsUsed: number; contributionsRefused: number; root: Hex; totalWeight: string; refused: { reason: string }[] };
    publication: { modelId: string; artifact: { cid: string; sha256: Hex }; manifestCid: string; configHash: Hex };
  };
  expect(end.error).toBeUndefined();
  expect(end.state).toBe("succeeded");
  expect(events.some((e) => e.event === "progress")).toBe(true);
  // The estimate counted the job's steps exactly (the same examples, the same arithmetic).
  const lastProgress = JSON.parse(events.filter((e) => e.event === "progress").at(-1)!.data) as { totalSteps: number };
  expect(estimate.steps).toBe(lastProgress.totalSteps);
  expect(end.dataset.contributionsUsed).toBe(3);
  expect(end.dataset.contributionsRefused).toBe(1);
  expect(end.dataset.refused[0]!.reason).toMatch(/pdf/);

  // On chain: the model with the dataset root and artifact hash the job published.
  const modelId = BigInt(end.publication.modelId);
  const [trainer, parentId, method, datasetRoot, artifactSha256, totalWeight] = await t.client.readContract({ address: t.deployment.contracts.ModelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [modelId] });
  expect(trainer).toBe(t.wallets[0]!.account.address);
  expect([parentId, method]).toEqual([0n, 0]);
  expect(datasetRoot).toBe(end.dataset.root);
  expect(totalWeight).toBe(BigInt(end.dataset.totalWeight));
  expect(artifactSha256).toBe(sha256HexOf(readFileSync(path.join(dir, "trainer", "jobs", job.id, "output", "adapter_model.safetensors"))));
  const manifest = parseManifest(await ipfs.cat(end.publication.manifestCid));
  expect(manifest.root).toBe(datasetRoot);
  expect(manifest.leaves.map((l) => l.contributor).sort()).toEqual([alice!.account.address, alice!.account.address, bob!.account.address].sort());

  // The indexer fetched the manifest and found every leaf an accepted contribution of its contributor.
  const model = await waitFor("the indexer to check the manifest", async () => {
    const data = await query<{ model: { manifestStatus: string; manifestIssues: string[]; datasetRoot: string; artifactCid: string; configHash: Hex } | null }>(indexer, `{ model(id: "${modelId}") { manifestStatus manifestIssues datasetRoot artifactCid configHash } }`);
    return data.model && data.model.manifestStatus !== "Unchecked" ? data.model : undefined;
  }, 120_000, 250);
  expect(model.manifestIssues).toEqual([]);
  expect(model.manifestStatus).toBe("Valid");
  expect(model.artifactCid).toBe(end.publication.artifact.cid);
  // The registered config hash is the sha256 of the canonical JSON of the config the job wrote.
  const config = JSON.parse(readFileSync(path.join(dir, "trainer", "jobs", job.id, "output", "training_config.json"), "utf8")) as unknown;
  expect(model.configHash).toBe(sha256HexOf(canonicalJson(config)));
  expect(model.configHash).toBe(end.publication.configHash);

  // Chat through the API: the registered model, its adapter pulled from IPFS and verified.
  const models = (await (await fetch(`${node.url}/v1/models`)).json()) as { data: { id: string }[] };
  expect(models.data.map((m) => m.id)).toContain(`openledger:${modelId}`);
  const body = { model: `openledger:${modelId}`, messages: [{ role: "user", content: "What is the capital of France?" }], max_tokens: 8, temperature: 0 };
  const reply = await fetch(`${node.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(reply.status).toBe(200);
  const completion = (await reply.json()) as { choices: { message: { content: string }; finish_reason: string }[]; usage: { completion_tokens: number } };
  expect(completion.usage.completion_tokens).toBeGreaterThan(0);
  expect(node.chat.stats.downloads).toBe(1);
  const stream = await fetch(`${node.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, stream: true }) });
  const chunks = await readSse(stream);
  expect(chunks.at(-1)!.data).toBe("[DONE]");
  const streamed = chunks.slice(0, -1).map((c) => JSON.parse(c.data) as { choices: { delta: { content?: string } }[] }).map((c) => c.choices[0]!.delta.content ?? "").join("");
  expect(streamed).toBe(completion.choices[0]!.message.content); // temperature 0: the same answer
  expect(node.chat.stats.downloads).toBe(1); // served from the cache the second time
  const base = await fetch(`${node.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...body, model: "base" }) });
  expect(base.status).toBe(200);
  const baseCompletion = (await base.json()) as { choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
  expect(baseCompletion.usage.completion_tokens).toBeGreaterThan(0);
  // Greedy decoding: the adapter, not the base alone, produced the registered model's answer.
  expect(baseCompletion.choices[0]!.message.content).not.toBe(completion.choices[0]!.message.content);

  // A refinement of the model names it as its parent on chain.
  const refined = await fetch(`${node.url}/v1/jobs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${node.operator.token}` },
    body: JSON.stringify({ datanetIds: [datanetId], parentModelId: Number(modelId), hyperparameters: { epochs: 1, batchSize: 4, maxSeqLen: 32, evalFraction: 0 }, lora: { rank: 2, alpha: 4 } }),
  });
  const refinedJob = (await refined.json()) as { id: string };
  const refinedEnd = await waitFor("the refinement to end", async () => {
    const j = (await (await fetch(`${node.url}/v1/jobs/${refinedJob.id}`)).json()) as { state: string; error?: string; publication?: { modelId?: string } };
    return ["succeeded", "failed", "cancelled"].includes(j.state) ? j : undefined;
  }, 200_000, 200);
  expect(refinedEnd.error).toBeUndefined();
  const [, refinedParent] = await t.client.readContract({ address: t.deployment.contracts.ModelRegistry, abi: modelRegistryAbi, functionName: "getModel", args: [BigInt(refinedEnd.publication!.modelId!)] });
  expect(refinedParent).toBe(modelId);
});
