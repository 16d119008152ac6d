// The training worker: a child process that trains one job, so that the node's API stays
// responsive while the engine computes and a cancel or a crash cannot take the node down.
//
// It reads the job folder (spec.json, dataset/examples.jsonl), trains into output/ with
// checkpoints in checkpoints/ (a restart resumes from the last one), writes output/result.json,
// and reports progress to the parent over IPC. If the parent dies, the worker exits at once, so
// that a restarted node is the only writer of the job folder.
import { existsSync, readFileSync, writeFileSync, renameSync } from "node:fs";
import path from "node:path";
import { buildDataset, DatasetError, summarizeDataset, type ContributionReport, type DatasetSummary } from "../dataset/build.ts";
import type { AcceptedContribution } from "../dataset/indexer.ts";
import { loadEngine, type BaseModel, type StepProgress, type TrainingExample } from "./engine.ts";
import { kuboClient } from "./protocol.ts";
import type { JobSpec } from "./spec.ts";

export type WorkerRequest = { type: "start"; jobDir: string; engineModule?: string; ipfsUrl?: string } | { type: "cancel" };

/** What the node hands the worker to build a dataset from (dataset/accepted.json). */
export interface AcceptedSet {
  contributions: AcceptedContribution[];
  /** Contributions the chain's own record contradicts, by id, with the reason. */
  objections: Record<string, string>;
}

export type WorkerMessage =
  | { type: "dataset"; summary: DatasetSummary; built: boolean }
  | { type: "progress"; progress: StepProgress }
  | { type: "done"; result: WorkerResult }
  | { type: "cancelled" }
  | { type: "error"; message: string };

export interface WorkerResult {
  files: { name: string; sha256: string; bytes: number }[];
  finalLoss: number;
  evalLoss?: number;
  steps: number;
}

function send(message: WorkerMessage): void {
  process.send?.(message);
}

function readExamples(file: string): TrainingExample[] {
  return readFileSync(file, "utf8").split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l) as TrainingExample);
}

function writeAtomic(file: string, text: string): void {
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

/**
 * Builds the dataset from dataset/accepted.json unless an earlier run did: fetch, verify,
 * convert, weigh. The manifest is written last, so its presence means the dataset is complete.
 */
async function ensureDataset(jobDir: string, spec: JobSpec, base: BaseModel, ipfsUrl: string | undefined, signal: AbortSignal): Promise<void> {
  const dir = path.join(jobDir, "dataset");
  const manifestFile = path.join(dir, "manifest.json");
  let built = false;
  if (!existsSync(manifestFile)) {
    if (!ipfsUrl) throw new Error("no IPFS node is configured to fetch the contributions from");
    const accepted = JSON.parse(readFileSync(path.join(dir, "accepted.json"), "utf8")) as AcceptedSet;
    const ipfs = kuboClient(ipfsUrl);
    let dataset;
    try {
      dataset = await buildDataset({
        contributions: accepted.contributions, tokenizer: base.tokenizer, datanetIds: spec.datanetIds, block: spec.upToBlock!, maxSeqLen: spec.training.maxSeqLen,
        fetchBytes: (cid) => { if (signal.aborted) throw new Error("cancelled"); return ipfs.cat(cid); },
        checkAccepted: async (c) => accepted.objections[c.contributionId.toLowerCase()],
      });
    } catch (error) {
      if (error instanceof DatasetError) writeAtomic(path.join(dir, "report.json"), JSON.stringify(error.report, null, 2));
      throw error;
    }
    writeAtomic(path.join(dir, "examples.jsonl"), dataset.examples.map((e) => JSON.stringify(e)).join("\n") + "\n");
    writeAtomic(path.join(dir, "report.json"), JSON.stringify(dataset.report, null, 2));
    writeAtomic(manifestFile, JSON.stringify(dataset.manifest, null, 2));
    built = true;
  }
  const report = JSON.parse(readFileSync(path.join(dir, "report.json"), "utf8")) as ContributionReport[];
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Parameters<typeof summarizeDataset>[0]["manifest"];
  const examples = report.reduce((n, r) => n + r.examples, 0);
  send({ type: "dataset", summary: summarizeDataset({ examples, report, manifest }, spec.upToBlock!), built });
}

async function run(jobDir: string, engineModule: string | undefined, ipfsUrl: string | undefined, signal: AbortSignal): Promise<void> {
  const spec = JSON.parse(readFileSync(path.join(jobDir, "spec.json"), "utf8")) as JobSpec;
  const engine = await loadEngine(engineModule);
  const base = await engine.loadBaseModel(spec.baseModel);
  try {
    await ensureDataset(jobDir, spec, base, ipfsUrl, signal);
    if (signal.aborted) throw new Error("cancelled");
    const examples = readExamples(path.join(jobDir, "dataset", "examples.jsonl"));
    const result = await engine.train(base, examples, spec.training, {
      outputDir: path.join(jobDir, "output"),
      checkpointDir: path.join(jobDir, "checkpoints"),
      checkpointEvery: spec.checkpointEvery,
      signal,
      onProgress: (progress) => {
        exitIfOrphaned();
        send({ type: "progress", progress });
      },
    });
    const summary: WorkerResult = {
      files: result.files, finalLoss: result.finalLoss, steps: result.log.length,
      ...(result.evalLoss === undefined ? {} : { evalLoss: result.evalLoss }),
    };
    const file = path.join(jobDir, "output", "result.json");
    writeFileSync(`${file}.tmp`, JSON.stringify(summary, null, 2));
    renameSync(`${file}.tmp`, file);
    send({ type: "done", result: summary });
  } finally {
    base.dispose();
  }
}

const controller = new AbortController();
const parentPid = process.ppid;
/**
 * Training computes without yielding to the event loop for long stretches, so the IPC
 * `disconnect` event can arrive late; the parent's pid is checked at every step as well (a dead
 * parent's children are re-parented).
 */
function exitIfOrphaned(): void {
  if (process.ppid !== parentPid) process.exit(70);
}
process.on("disconnect", () => process.exit(70));
writeFileSync(path.join(process.env.TRAINER_JOB_DIR ?? ".", "worker.pid"), String(process.pid));
process.on("message", (raw) => {
  const message = raw as WorkerRequest;
  if (message.type === "cancel") controller.abort();
  if (message.type === "start") {
    run(message.jobDir, message.engineModule, message.ipfsUrl, controller.signal).then(
      () => process.exit(0),
      (error: Error) => {
        if (controller.signal.aborted) send({ type: "cancelled" });
        else {
          process.stderr.write(`${error?.stack ?? String(error)}\n`); // the full trace goes to worker.log
          send({ type: "error", message: error?.message ?? String(error) });
        }
        // Let the IPC message flush before exiting.
        setTimeout(() => process.exit(controller.signal.aborted ? 0 : 1), 50);
      },
    );
  }
});
