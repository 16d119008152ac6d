// A full fine-tune through the node with the real engine: its one-file artifact is whole weights
// (model.safetensors), and chat serves it as a model of its own beside the base.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { keccak256, toHex } from "viem";
import { IpfsNode, startIpfsServer, type IpfsServer } from "@openledger/ipfs-node";
import { toOnchainCid } from "@openledger/sdk";
import type { AcceptedContribution } from "../../src/dataset/indexer.ts";
import { startTrainerNode, type TrainerNode } from "../../src/node/index.ts";
import { kuboClient } from "../../src/node/protocol.ts";
import { sha256HexOf } from "../../src/node/spec.ts";
import { REAL_ENGINE, realBaseModel, waitFor } from "./helpers.ts";

let dir: string;
let ipfsNode: IpfsNode;
let ipfsServer: IpfsServer;
let node: TrainerNode;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "trainer-full-"));
  ipfsNode = await IpfsNode.open({ dataDir: path.join(dir, "ipfs") });
  ipfsServer = await startIpfsServer(ipfsNode, { port: 0 });
  const bytes = new Uint8Array(readFileSync(path.join(import.meta.dirname, "fixtures", "data", "alpaca.jsonl")));
  const c: AcceptedContribution = { contributionId: keccak256(toHex("full")), datanetId: 2, contributor: "0x0000000000000000000000000000000000000002", ...toOnchainCid(await kuboClient(ipfsServer.url).add(bytes)), format: 4, size: bytes.length };
  node = await startTrainerNode({
    dataDir: path.join(dir, "node"), port: 0, ipfsUrl: ipfsServer.url, engineModule: REAL_ENGINE, baseModelDir: await realBaseModel(path.join(dir, "base")),
    contributionSource: async (id) => (id === 2 ? [c] : []),
  });
});

afterAll(async () => {
  await node?.stop();
  await ipfsServer?.close();
  await ipfsNode?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("trains full weights and chats with them", async () => {
  const submitted = await fetch(`${node.url}/v1/jobs`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${node.operator.token}` },
    body: JSON.stringify({ datanetIds: [2], upToBlock: 1, method: "full", hyperparameters: { epochs: 10, batchSize: 2, maxSeqLen: 48, learningRate: 0.01, evalFraction: 0 } }),
  });
  expect(submitted.status).toBe(201);
  const { id } = (await submitted.json()) as { id: string };
  const job = await waitFor("the full fine-tune", async () => {
    const j = (await (await fetch(`${node.url}/v1/jobs/${id}`)).json()) as { state: string; error?: string; publication?: { artifact: { name: string; sha256: string } } };
    return ["succeeded", "failed", "cancelled"].includes(j.state) ? j : undefined;
  }, 200_000, 200);
  expect(job.error).toBeUndefined();
  expect(job.publication!.artifact.name).toBe("model.safetensors");
  const file = path.join(dir, "node", "jobs", id, "output", "model.safetensors");
  expect(existsSync(file)).toBe(true);
  expect(job.publication!.artifact.sha256).toBe(sha256HexOf(readFileSync(file)));

  const ask = async (model: string) => {
    const r = await fetch(`${node.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model, messages: [{ role: "user", content: "What is the capital of France?" }], max_tokens: 8, temperature: 0 }) });
    expect(r.status).toBe(200);
    return ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content;
  };
  const tuned = await ask(`job:${id}`);
  const base = await ask("base");
  expect(tuned).not.toBe(base);
});
