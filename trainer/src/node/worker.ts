// The training worker: a child process that trains one job, so that the node's API stays
// responsive while the engine computes and a cancel or a crash cannot take the node down.
//
// It reads the job folder (spec.json, dataset/examples.jsonl), trains into output/ with
// checkpoints in checkpoints/ (a restart resumes from the last one), writes output/result.json,
// and reports progress to the parent over IPC. If the parent dies, the worker exits at once, so
// that a restarted node is the only writer of the job folder.
import { readFileSync, writeFileSync, renameSync } from "node:fs";
import path from "node:path";
import { loadEngine, type StepProgress, type TrainingExample } from "./engine.ts";
import type { JobSpec } from "./spec.ts";

export type WorkerRequest = { type: "start"; jobDir: string; engineModule?: string } | { type: "cancel" };
export type WorkerMessage =
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

async function run(jobDir: string, engineModule: string | undefined, signal: AbortSignal): Promise<void> {
  const spec = JSON.parse(readFileSync(path.join(jobDir, "spec.json"), "utf8")) as JobSpec;
  const examples = readExamples(path.join(jobDir, "dataset", "examples.jsonl"));
  const engine = await loadEngine(engineModule);
  const base = await engine.loadBaseModel(spec.baseModel);
  try {
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
    run(message.jobDir, message.engineModule, controller.signal).then(
      () => process.exit(0),
      (error: Error) => {
        if (controller.signal.aborted) send({ type: "cancelled" });
        else send({ type: "error", message: error?.stack ?? String(error) });
        // Let the IPC message flush before exiting.
        setTimeout(() => process.exit(controller.signal.aborted ? 0 : 1), 50);
      },
    );
  }
});
