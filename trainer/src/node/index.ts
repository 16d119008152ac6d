// startTrainerNode: the trainer node as a library (the local stack launcher starts it this way;
// `trainer serve` does the same from the command line).
import { existsSync } from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { acceptedContributions, waitForIndexer, type AcceptedContribution } from "../dataset/indexer.ts";
import { ChatService } from "./chat.ts";
import { resolveOptions, type TrainerNodeOptions } from "./config.ts";
import { loadEngine } from "./engine.ts";
import { Estimator } from "./estimate.ts";
import { JobManager } from "./jobs.ts";
import { ensureOperatorToken } from "./operator-token.ts";
import { deploymentFile } from "@openledger/protocol/node";
import { createPublicClient, http } from "viem";
import { addressOf, Chain, kuboClient, readDeployment } from "./protocol.ts";
import { createApiServer } from "./server.ts";

export type { TrainerNodeOptions } from "./config.ts";
import { ValidationError, type JobSpec } from "./spec.ts";
export { parseJobRequest, ValidationError, canonicalJson, type JobSpec } from "./spec.ts";
export type { JobRecord, JobState, JobEvent } from "./jobs.ts";

export interface TrainerNode {
  url: string;
  /** The operator token writes need, where it is stored (undefined when given by TRAINER_TOKEN), and whether this start created it. */
  operator: { token: string; file?: string; created: boolean };
  stop(): Promise<void>;
  jobs: JobManager;
  chat: ChatService;
}

export async function startTrainerNode(options: TrainerNodeOptions = {}): Promise<TrainerNode> {
  const o = resolveOptions(options);
  const operator = o.operatorToken === undefined ? ensureOperatorToken(o.dataDir) : { token: o.operatorToken, created: false };
  const engine = await loadEngine(o.engineModule);
  const baseModelDir = path.resolve(o.baseModelDir ?? engine.SHIPPED_BASE_MODEL_DIR);

  let chain: Chain | undefined;
  if (o.rpcUrl) {
    let file = o.deploymentFile;
    if (!file) {
      const chainId = await createPublicClient({ transport: http(o.rpcUrl) }).getChainId();
      file = deploymentFile(chainId);
    }
    if (!existsSync(file)) throw new Error(`no deployment file ${file}: deploy the protocol first (npm run deploy) or set TRAINER_DEPLOYMENT`);
    chain = new Chain(o.rpcUrl, readDeployment(file));
  }
  const ipfs = o.ipfsUrl ? kuboClient(o.ipfsUrl) : undefined;
  const indexerUrl = o.indexerUrl;

  const contributions = (datanetId: number, upToBlock: number): Promise<AcceptedContribution[]> => {
    if (o.contributionSource) return o.contributionSource(datanetId, upToBlock);
    if (indexerUrl) {
      if (!chain) return Promise.reject(new Error("the indexer is asked for contributions up to a block's timestamp: configure the chain RPC URL too"));
      return waitForIndexer(indexerUrl, upToBlock)
        .then(() => chain.blockTimestamp(upToBlock))
        .then((ts) => acceptedContributions(indexerUrl, datanetId, ts));
    }
    if (chain) return chain.acceptedContributions(datanetId, upToBlock);
    return Promise.reject(new Error("neither an indexer URL nor a chain RPC URL is configured: nowhere to read accepted contributions from"));
  };

  let chat: ChatService | undefined;
  const jobs = new JobManager({
    dataDir: o.dataDir,
    ...(ipfs ? { ipfs, ipfsUrl: o.ipfsUrl! } : {}), ...(chain ? { chain } : {}), ...(o.trainerKey ? { trainerKey: o.trainerKey } : {}),
    ...(o.engineModule ? { engineModule: o.engineModule } : {}),
    ...(o.cancelGraceMs === undefined ? {} : { cancelGraceMs: o.cancelGraceMs }),
    maxQueued: o.maxQueuedJobs,
    contributionsSource: o.contributionSource ? "the configured source" : indexerUrl ? `the indexer at ${indexerUrl}` : chain ? "the chain's events" : "no source",
    contributions,
    loadBase: (dir) => chat!.loadBase(dir),
  });
  chat = new ChatService({
    engine, defaultBaseDir: baseModelDir, cacheDir: path.join(o.dataDir, "adapters"), capacity: o.adapterCacheSize,
    ...(chain ? { chain } : {}), ...(ipfs ? { ipfs } : {}), jobs,
  });

  const estimator = new Estimator({ engine, contributions, loadBase: (dir) => chat!.loadBase(dir), ...(ipfs ? { ipfs } : {}) });
  const server = createApiServer({
    jobs, chat, estimator, defaultBaseModel: baseModelDir, operatorToken: operator.token,
    ...(engine.loraTargets ? { loraTargets: (config: Record<string, unknown>) => engine.loraTargets!(config) } : {}),
    ...(o.allowedOrigins ? { allowedOrigins: o.allowedOrigins } : {}),
    ...(chain ? {
      headBlock: () => chain.blockNumber(),
      checkJob: async (spec: JobSpec) => {
        for (const [i, id] of spec.datanetIds.entries()) {
          const modality = await chain.datanetModality(id);
          if (modality === undefined) throw new ValidationError(`datanetIds[${i}]: there is no Datanet ${id} (the chain has ${await chain.datanetCount()})`);
          if (modality !== 0) throw new ValidationError(`datanetIds[${i}]: Datanet ${id} holds ${modality === 1 ? "image" : "audio"} data; this trainer trains text models`);
        }
        if (spec.parentModelId !== undefined) {
          const count = await chain.modelCount();
          if (spec.parentModelId > count) throw new ValidationError(`parentModelId: there is no model ${spec.parentModelId} (the registry has ${count})`);
        }
        if (o.trainerKey && !(await chain.isTrainer(addressOf(o.trainerKey)))) {
          throw new ValidationError(`the trainer account ${addressOf(o.trainerKey)} does not hold TRAINER_ROLE on the ModelRegistry, so the model could not be registered; have governance grant it, or run the node without TRAINER_PRIVATE_KEY to train without registering`);
        }
        const head = await chain.blockNumber();
        if (spec.upToBlock !== undefined && spec.upToBlock > head) throw new ValidationError(`upToBlock must be at most the chain head ${head}, got ${spec.upToBlock}`);
      },
    } : {}),
    info: () => ({
      baseModel: chat.baseName(), baseModelDir, baseModelReady: existsSync(path.join(baseModelDir, "config.json")), dataDir: o.dataDir, chainId: chain?.deployment.chainId ?? null, ipfs: Boolean(ipfs), indexer: indexerUrl ?? null,
      trainer: o.trainerKey ? addressOf(o.trainerKey) : null, maxQueuedJobs: o.maxQueuedJobs,
    }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  jobs.start();
  return {
    url: `http://127.0.0.1:${port}`,
    operator,
    jobs, chat,
    async stop() {
      await jobs.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      chat.dispose();
    },
  };
}
