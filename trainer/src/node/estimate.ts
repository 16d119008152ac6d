// A job's estimate before it starts (`POST /v1/jobs/estimate`, the same body as `POST /v1/jobs`):
// the node counts the data the job would train on, through the dataset code the job itself runs
// (accepted contributions fetched, verified, converted and tokenised), and the engine measures one
// step of the job's settings on rows of the data's average length. One estimate runs at a time; the
// same request at the same block is answered from a small cache.
//
// Bounded: past ESTIMATE_SAMPLE_BYTES of accepted files, only that much is read (whole files, in
// the dataset's own order) and the examples and tokens are scaled by bytes; the answer says so.
import { buildDataset, datasetOrder, DatasetError } from "../dataset/build.ts";
import type { AcceptedContribution } from "../dataset/indexer.ts";
import type { JobEstimate } from "./api-types.ts";
import type { BaseModel, Engine } from "./engine.ts";
import type { IpfsClient } from "./protocol.ts";
import { canonicalJson, ValidationError, type JobSpec } from "./spec.ts";

export type { JobEstimate };

/** Accepted bytes read for an estimate; beyond them the counts are extrapolated. */
export const ESTIMATE_SAMPLE_BYTES = 4 * 1024 * 1024;
const CACHED = 32;

export class EstimateUnavailable extends Error {
  override name = "EstimateUnavailable";
}

export interface EstimatorDeps {
  engine: Pick<Engine, "estimate">;
  contributions(datanetId: number, upToBlock: number): Promise<AcceptedContribution[]>;
  loadBase(dir: string): Promise<BaseModel>;
  ipfs?: IpfsClient;
  sampleBytes?: number;
}

export class Estimator {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly cache = new Map<string, JobEstimate>();

  private readonly deps: EstimatorDeps;

  constructor(deps: EstimatorDeps) {
    this.deps = deps;
  }

  estimate(spec: JobSpec & { upToBlock: number }): Promise<JobEstimate> {
    const key = canonicalJson({ ...spec, checkpointEvery: 0 });
    const hit = this.cache.get(key);
    if (hit) return Promise.resolve(hit);
    const next = this.queue.then(() => this.cache.get(key) ?? this.compute(spec));
    this.queue = next.catch(() => undefined);
    return next.then((e) => {
      this.cache.delete(key);
      this.cache.set(key, e);
      if (this.cache.size > CACHED) this.cache.delete(this.cache.keys().next().value!);
      return e;
    });
  }

  private async compute(spec: JobSpec & { upToBlock: number }): Promise<JobEstimate> {
    const { engine, ipfs } = this.deps;
    if (!engine.estimate) throw new EstimateUnavailable("this node's training engine gives no estimate");
    if (!ipfs) throw new EstimateUnavailable("no IPFS node is configured to read the contributions from");
    const listed = (await Promise.all(spec.datanetIds.map((id) => this.deps.contributions(id, spec.upToBlock)))).flat();
    const bytes = listed.reduce((n, c) => n + c.size, 0);
    // The dataset's own order (by Datanet, then id), so that the part read is the part trained first.
    const ordered = [...listed].sort(datasetOrder);
    const budget = this.deps.sampleBytes ?? ESTIMATE_SAMPLE_BYTES;
    const read: AcceptedContribution[] = [];
    let readBytes = 0;
    for (const c of ordered) {
      if (read.length > 0 && readBytes + c.size > budget) break;
      read.push(c);
      readBytes += c.size;
    }
    const base = await this.deps.loadBase(spec.baseModel);
    let built;
    try {
      built = await buildDataset({ contributions: read, fetchBytes: (cid) => ipfs.cat(cid), tokenizer: base.tokenizer, datanetIds: spec.datanetIds, block: spec.upToBlock, maxSeqLen: spec.training.maxSeqLen });
    } catch (error) {
      if (error instanceof DatasetError) throw new ValidationError(`nothing to train on at block ${spec.upToBlock}: ${error.message.replace(/^the dataset is empty: /, "")}`);
      throw error;
    }
    const readTokens = built.report.reduce((n, r) => n + r.tokens, 0);
    const scale = readBytes > 0 ? bytes / readBytes : 1;
    const extrapolated = read.length < ordered.length;
    const examples = extrapolated ? Math.round(built.examples.length * scale) : built.examples.length;
    const tokens = extrapolated ? Math.round(readTokens * scale) : readTokens;
    const estimate = await engine.estimate(base, spec.training, { examples, tokens });
    return {
      ...estimate,
      upToBlock: spec.upToBlock,
      dataset: { contributions: listed.length, bytes, read: read.length, readBytes, refused: built.report.filter((r) => r.status === "refused").length, examples, tokens, extrapolated },
    };
  }
}
