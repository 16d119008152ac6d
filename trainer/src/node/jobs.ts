// Jobs: a folder per job on disk, one job at a time; its dataset is built and trained in a child process.
//
//   <dataDir>/jobs/<id>/spec.json        the validated request (never changes)
//                       state.json       state, progress, dataset summary, result, publication
//                       events.ndjson    every state change and progress step, in order
//                       dataset/         accepted.json (the set listed and checked by the node), examples.jsonl,
//                                        report.json (one entry per contribution), manifest.json (written last)
//                       checkpoints/     the engine's checkpoints (a restart resumes from the last)
//                       output/          the artifact, adapter_config.json, training_log.json, result.json
//                       worker.log       the training process's stdout and stderr
//
// States: queued → preparing → training → publishing → succeeded, or failed / cancelled.
// Every stage can be re-entered after a crash: the accepted set is listed once, the dataset is
// rebuilt unless its manifest was written, training resumes from its checkpoint, publishing waits on a transaction it already
// sent instead of sending it twice.
import { fork, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import { appendFileSync, existsSync, mkdirSync, openSync, closeSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Hex } from "viem";
import { computeCid } from "@openledger/sdk";
import { WEIGHTING, type ContributionReport, type DatasetSummary } from "../dataset/build.ts";
import type { AcceptedContribution } from "../dataset/indexer.ts";
import { artifactFileName, type BaseModel, type StepProgress } from "./engine.ts";
import type { Chain, IpfsClient } from "./protocol.ts";
import { canonicalJson, sha256HexOf, type JobSpec } from "./spec.ts";
import type { AcceptedSet, WorkerMessage, WorkerResult } from "./worker.ts";

export type { DatasetSummary } from "../dataset/build.ts";

export type JobState = "queued" | "preparing" | "training" | "publishing" | "succeeded" | "failed" | "cancelled";
export const TERMINAL_STATES: readonly JobState[] = ["succeeded", "failed", "cancelled"];

export interface Publication {
  configHash: Hex;
  artifact: { name: string; sha256: Hex; bytes: number; cid: string; uploaded: boolean };
  manifestCid: string;
  manifestUploaded: boolean;
  txHash?: Hex;
  modelId?: string;
  /** Why the model was not registered, when it was not. */
  notRegistered?: string;
}

export interface JobRecord {
  id: string;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  spec: JobSpec;
  progress?: StepProgress;
  dataset?: DatasetSummary;
  result?: WorkerResult;
  publication?: Publication;
  error?: string;
  /** How many times training started (more than 1 after a restart). */
  attempts: number;
}

export type JobEvent =
  | { type: "state"; state: JobState; at: string; error?: string }
  | ({ type: "progress" } & StepProgress)
  | { type: "log"; message: string; at: string };

export interface JobServices {
  dataDir: string;
  ipfs?: IpfsClient;
  /** The same IPFS node's URL, for the training process (it fetches the contributions). */
  ipfsUrl?: string;
  chain?: Chain;
  trainerKey?: Hex;
  /** Where `contributions` reads from, for the job's log ("the indexer", "the chain's events"). */
  contributionsSource?: string;
  /** The accepted contributions of one Datanet up to a block (indexer, or chain events). */
  contributions(datanetId: number, upToBlock: number): Promise<AcceptedContribution[]>;
  /** The base model (cached: chat uses the same instance). */
  loadBase(dir: string): Promise<BaseModel>;
  engineModule?: string;
  /** Seconds a cancelled worker gets to stop before it is killed. */
  cancelGraceMs?: number;
  /** Jobs that may wait behind the running one (submit and retry beyond it throw QueueFull); default unlimited. */
  maxQueued?: number;
}

const WORKER = new URL("./worker.ts", import.meta.url).pathname;

function writeJsonAtomic(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, JSON.stringify(value, null, 2));
  renameSync(`${file}.tmp`, file);
}

/**
 * A worker of an earlier node process that is still running (its parent was killed while it
 * computed): stopped before a new one starts, so that a job folder never has two writers.
 */
function killStaleWorker(jobDir: string): void {
  const file = path.join(jobDir, "worker.pid");
  if (!existsSync(file)) return;
  const pid = Number(readFileSync(file, "utf8"));
  if (!Number.isInteger(pid) || pid <= 1) return;
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return; // not running (or no /proc: the worker's own parent check stops it)
  }
  if (!cmdline.includes("worker.ts")) return; // the pid was reused by another program
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
  for (let i = 0; i < 200 && existsSync(`/proc/${pid}`); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
}

export class JobNotFound extends Error {
  override name = "JobNotFound";
}
export class JobConflict extends Error {
  override name = "JobConflict";
}
/** The queue holds as many waiting jobs as it may. */
export class QueueFull extends Error {
  override name = "QueueFull";
}

/**
 * A message with the node's absolute paths taken out: job errors are served to any client, and the
 * folder layout of the server is none of their business. "/home/op/.openledger/trainer/jobs/x/worker.log"
 * becomes "worker.log".
 */
export function withoutPaths(message: string): string {
  return message.replace(/(^|[\s"'(=:,])\/(?:[^\s"'(),:/]+\/)+([^\s"'(),:/]*)/g, (_m, lead: string, last: string) => `${lead}${last || "a folder"}`);
}

export class JobManager {
  readonly events = new EventEmitter();
  private readonly jobs = new Map<string, JobRecord>();
  private readonly services: JobServices;
  private readonly jobsDir: string;
  private running: string | null = null;
  private worker: ChildProcess | null = null;
  private cancelRequested = new Set<string>();
  private stopped = false;
  private idle: Promise<void> = Promise.resolve();

  constructor(services: JobServices) {
    this.services = services;
    this.jobsDir = path.join(services.dataDir, "jobs");
    mkdirSync(this.jobsDir, { recursive: true });
    this.events.setMaxListeners(1000);
    for (const id of readdirSync(this.jobsDir).sort()) {
      const file = path.join(this.jobsDir, id, "state.json");
      if (!existsSync(file)) continue;
      const record = JSON.parse(readFileSync(file, "utf8")) as JobRecord;
      this.jobs.set(record.id, record);
    }
  }

  /** Starts the queue: unfinished jobs of an earlier run resume first, oldest first. */
  start(): void {
    for (const job of this.list()) {
      if (!TERMINAL_STATES.includes(job.state) && job.state !== "queued") this.log(job, `node restarted: resuming from state ${job.state}`);
    }
    this.pump();
  }

  list(): JobRecord[] {
    return [...this.jobs.values()].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  get(id: string): JobRecord {
    const job = this.jobs.get(id);
    if (!job) throw new JobNotFound(`no job ${id}`);
    return job;
  }

  dir(id: string): string {
    return path.join(this.jobsDir, id);
  }

  /** The per-contribution dataset report of a job, once its dataset was built. */
  report(id: string): ContributionReport[] | undefined {
    const file = path.join(this.dir(this.get(id).id), "dataset", "report.json");
    return existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as ContributionReport[]) : undefined;
  }

  /** The events written so far (a client that connects late replays them). */
  history(id: string): JobEvent[] {
    const file = path.join(this.dir(this.get(id).id), "events.ndjson");
    if (!existsSync(file)) return [];
    return readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as JobEvent);
  }

  /** Jobs waiting behind the running one (queued, or interrupted and waiting to resume). */
  waiting(): number {
    return this.list().filter((j) => !TERMINAL_STATES.includes(j.state) && j.id !== this.running).length;
  }

  /** Throws QueueFull when no more jobs may wait. */
  checkRoom(): void {
    const max = this.services.maxQueued;
    const waiting = this.waiting();
    if (max !== undefined && waiting >= max) {
      throw new QueueFull(`the job queue is full: ${waiting} job(s) are waiting and the node takes at most ${max} (TRAINER_MAX_QUEUED_JOBS); wait for one to finish or cancel one, then submit again`);
    }
  }

  submit(spec: JobSpec): JobRecord {
    this.checkRoom();
    const now = new Date().toISOString();
    const id = `job-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
    const dir = this.dir(id);
    mkdirSync(dir, { recursive: true });
    writeJsonAtomic(path.join(dir, "spec.json"), spec);
    const record: JobRecord = { id, state: "queued", createdAt: now, updatedAt: now, spec, attempts: 0 };
    this.jobs.set(id, record);
    this.save(record);
    this.emit(record, { type: "state", state: "queued", at: now });
    this.pump();
    return record;
  }

  /**
   * Queues a failed or cancelled job again. It picks up where it stopped: the accepted set it
   * listed, its dataset if built, and its last training checkpoint.
   */
  retry(id: string): JobRecord {
    const job = this.get(id);
    if (job.state !== "failed" && job.state !== "cancelled") throw new JobConflict(`job ${id} is ${job.state}; only failed or cancelled jobs can be retried`);
    this.checkRoom();
    this.cancelRequested.delete(id);
    delete job.error;
    this.log(job, `retried after it was ${job.state}`);
    this.setState(job, "queued");
    const snapshot = structuredClone(job);
    this.pump();
    return snapshot;
  }

  cancel(id: string): JobRecord {
    const job = this.get(id);
    if (TERMINAL_STATES.includes(job.state)) throw new JobConflict(`job ${id} is already ${job.state}`);
    if (job.state === "publishing") throw new JobConflict(`job ${id} is publishing its model (uploads and registration cannot be undone); it cannot be cancelled now`);
    this.cancelRequested.add(id);
    if (job.state === "queued") {
      this.setState(job, "cancelled");
    } else if ((job.state === "training" || job.state === "preparing") && this.running === id && this.worker) {
      this.worker.send({ type: "cancel" });
      const worker = this.worker;
      setTimeout(() => { if (worker.exitCode === null && worker.signalCode === null) worker.kill("SIGKILL"); }, this.services.cancelGraceMs ?? 15_000).unref();
    }
    return job;
  }

  /** Stops taking work; the running worker is killed (its job resumes on the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    const worker = this.worker;
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((resolve) => worker.once("exit", resolve));
      worker.kill("SIGKILL");
      await exited;
    }
    await this.idle.catch(() => undefined);
  }

  // ---------------------------------------------------------------- internals

  private save(job: JobRecord): void {
    job.updatedAt = new Date().toISOString();
    writeJsonAtomic(path.join(this.dir(job.id), "state.json"), job);
  }

  private emit(job: JobRecord, event: JobEvent): void {
    appendFileSync(path.join(this.dir(job.id), "events.ndjson"), `${JSON.stringify(event)}\n`);
    this.events.emit(job.id, event);
  }

  private log(job: JobRecord, message: string): void {
    this.emit(job, { type: "log", message, at: new Date().toISOString() });
  }

  private setState(job: JobRecord, state: JobState, error?: string): void {
    if (this.stopped && !TERMINAL_STATES.includes(state)) return;
    job.state = state;
    if (error !== undefined) job.error = error;
    this.save(job);
    this.emit(job, { type: "state", state, at: job.updatedAt, ...(error === undefined ? {} : { error }) });
  }

  private pump(): void {
    if (this.running || this.stopped) return;
    const next = this.list().find((j) => !TERMINAL_STATES.includes(j.state));
    if (!next) return;
    this.running = next.id;
    this.idle = this.runJob(next)
      .catch((error: Error) => {
        if (this.stopped) return;
        if (this.cancelRequested.has(next.id)) this.setState(next, "cancelled");
        else this.setState(next, "failed", withoutPaths(error.message));
      })
      .finally(() => {
        this.running = null;
        this.worker = null;
        if (!this.stopped) setImmediate(() => this.pump());
      });
  }

  private cancelled(job: JobRecord): boolean {
    if (!this.cancelRequested.has(job.id)) return false;
    this.setState(job, "cancelled");
    return true;
  }

  private async runJob(job: JobRecord): Promise<void> {
    if (job.state === "queued" || job.state === "preparing") {
      this.setState(job, "preparing");
      await this.prepare(job);
      if (this.stopped || this.cancelled(job)) return;
    }
    if (job.state === "preparing" || job.state === "training") {
      const outcome = await this.train(job);
      if (this.stopped) return;
      if (outcome === "cancelled") { this.setState(job, "cancelled"); return; }
    }
    if (job.state === "training" || job.state === "publishing") {
      this.setState(job, "publishing");
      await this.publish(job);
      if (this.stopped) return;
      this.setState(job, "succeeded");
    }
  }

  /**
   * The accepted set the job trains on, checked against the chain's own record; written to
   * dataset/accepted.json for the training process, which fetches, verifies, converts and weighs.
   */
  private async prepare(job: JobRecord): Promise<void> {
    const dir = path.join(this.dir(job.id), "dataset");
    const acceptedFile = path.join(dir, "accepted.json");
    if (existsSync(acceptedFile)) return; // listed before a restart
    mkdirSync(dir, { recursive: true });
    const { spec } = job;
    if (spec.upToBlock === undefined) throw new Error("the job has no upToBlock and no chain is configured to read the head from");
    if (!this.services.ipfsUrl) throw new Error("no IPFS node is configured to fetch the contributions from");
    const contributions: AcceptedContribution[] = [];
    for (const datanetId of spec.datanetIds) contributions.push(...(await this.services.contributions(datanetId, spec.upToBlock)));
    this.log(job, `${this.services.contributionsSource ?? "the contribution source"} lists ${contributions.length} accepted contribution(s) of Datanet(s) ${spec.datanetIds.join(", ")} up to block ${spec.upToBlock}`);
    const objections: Record<string, string> = {};
    const chain = this.services.chain;
    if (chain) {
      for (const c of contributions) {
        const { status, contributor } = await chain.statusOf(c.contributionId);
        const id = c.contributionId.toLowerCase();
        if (status !== 2) objections[id] = `the Datanets contract records status ${status}, not Accepted (2)`;
        else if (contributor.toLowerCase() !== c.contributor.toLowerCase()) objections[id] = `the Datanets contract records contributor ${contributor}, the indexer ${c.contributor}`;
      }
    }
    const accepted: AcceptedSet = { contributions, objections };
    writeJsonAtomic(acceptedFile, accepted);
  }

  /** The dataset the training process built (or found): recorded and logged once. */
  private onDataset(job: JobRecord, summary: DatasetSummary, built: boolean): void {
    job.dataset = summary;
    this.save(job);
    if (built) {
      for (const r of this.report(job.id) ?? []) {
        if (r.status === "refused") this.log(job, `contribution ${r.contributionId} (${r.format}, ${r.cid}) refused: ${r.reason}`);
        else if (r.problems.length) this.log(job, `contribution ${r.contributionId}: ${r.problems.length} part(s) skipped, first: ${r.problems[0]!.line === undefined ? "" : `line ${r.problems[0]!.line}: `}${r.problems[0]!.reason}`);
      }
      this.log(job, `dataset: ${summary.examples} example(s) from ${summary.contributionsUsed} contribution(s), attribution weight ${summary.totalWeight} bytes, root ${summary.root}`);
    }
    if (job.state !== "training") this.setState(job, "training");
  }

  private train(job: JobRecord): Promise<"done" | "cancelled"> {
    const dir = this.dir(job.id);
    const resultFile = path.join(dir, "output", "result.json");
    if (existsSync(resultFile)) {
      job.result = JSON.parse(readFileSync(resultFile, "utf8")) as WorkerResult;
      this.save(job);
      return Promise.resolve("done");
    }
    killStaleWorker(dir);
    job.attempts += 1;
    this.save(job);
    if (job.attempts > 1) this.log(job, `training attempt ${job.attempts}: resuming from the last checkpoint`);
    const logFd = openSync(path.join(dir, "worker.log"), "a");
    const worker = fork(WORKER, [], {
      execPath: process.execPath,
      // Type stripping is on by default from Node 22.18; older 22.x need the flag.
      execArgv: ["--disable-warning=ExperimentalWarning", ...((process.features as { typescript?: string }).typescript ? [] : ["--experimental-strip-types"])],
      stdio: ["ignore", logFd, logFd, "ipc"],
      env: { ...process.env, TRAINER_JOB_DIR: dir },
    });
    closeSync(logFd);
    this.worker = worker;
    return new Promise((resolve, reject) => {
      let failure: string | undefined;
      let outcome: "done" | "cancelled" | undefined;
      worker.on("message", (raw) => {
        const message = raw as WorkerMessage;
        if (message.type === "dataset") {
          this.onDataset(job, message.summary, message.built);
        } else if (message.type === "progress") {
          job.progress = message.progress;
          this.save(job);
          this.emit(job, { type: "progress", ...message.progress });
        } else if (message.type === "done") {
          job.result = message.result;
          this.save(job);
          outcome = "done";
        } else if (message.type === "cancelled") {
          outcome = "cancelled";
        } else if (message.type === "error") {
          failure = message.message;
        }
      });
      worker.on("error", (error) => { failure ??= error.message; });
      worker.on("exit", (code, signal) => {
        if (outcome === "done" || existsSync(resultFile)) {
          job.result ??= JSON.parse(readFileSync(resultFile, "utf8")) as WorkerResult;
          resolve("done");
        } else if (outcome === "cancelled" || this.cancelRequested.has(job.id)) resolve("cancelled");
        else reject(new Error(`${job.state === "preparing" ? "building the dataset" : "training"} failed: ${failure ?? `the worker exited with ${signal ?? `code ${code}`}`} (see worker.log in the job's folder)`));
      });
      worker.send({ type: "start", jobDir: dir, ...(this.services.engineModule ? { engineModule: this.services.engineModule } : {}), ...(this.services.ipfsUrl ? { ipfsUrl: this.services.ipfsUrl } : {}) });
    });
  }

  private async publish(job: JobRecord): Promise<void> {
    const dir = this.dir(job.id);
    const { spec } = job;
    const name = artifactFileName(spec.method);
    const bytes = new Uint8Array(readFileSync(path.join(dir, "output", name)));
    const sha256 = sha256HexOf(bytes);
    const listed = job.result?.files.find((f) => f.name === name);
    if (listed && `0x${listed.sha256.replace(/^0x/, "")}` !== sha256) throw new Error(`the artifact ${name} on disk hashes to ${sha256}, the engine reported ${listed.sha256}`);
    const manifestBytes = new Uint8Array(readFileSync(path.join(dir, "dataset", "manifest.json")));
    const manifest = JSON.parse(Buffer.from(manifestBytes).toString("utf8")) as { root: Hex; totalWeight: string };
    const base = await this.services.loadBase(spec.baseModel);
    // The full training configuration whose sha256 is registered as configHash.
    const fullConfig = {
      baseModel: { name: spec.baseModelName, weightsSha256: base.weightsSha256 },
      training: spec.training,
      data: { datanetIds: spec.datanetIds, upToBlock: spec.upToBlock, weighting: WEIGHTING, root: manifest.root },
      checkpointEvery: spec.checkpointEvery,
      parentModelId: spec.parentModelId ?? 0,
    };
    writeJsonAtomic(path.join(dir, "output", "training_config.json"), fullConfig);
    const configHash = sha256HexOf(canonicalJson(fullConfig));
    const previous = job.publication;
    const ipfs = this.services.ipfs;
    const artifactCid = ipfs ? await ipfs.add(bytes) : (await computeCid(bytes)).toString();
    const manifestCid = ipfs ? await ipfs.add(manifestBytes) : (await computeCid(manifestBytes)).toString();
    const publication: Publication = {
      configHash, artifact: { name, sha256, bytes: bytes.length, cid: artifactCid, uploaded: Boolean(ipfs) }, manifestCid, manifestUploaded: Boolean(ipfs),
      ...(previous?.txHash ? { txHash: previous.txHash } : {}),
    };
    job.publication = publication;
    this.save(job);
    this.log(job, `artifact ${name} sha256 ${sha256} CID ${artifactCid}${ipfs ? "" : " (not uploaded: no IPFS node configured)"}; manifest CID ${manifestCid}`);
    const { chain, trainerKey } = this.services;
    if (!chain || !trainerKey || !ipfs) {
      publication.notRegistered = !chain ? "no chain RPC URL and deployment configured" : !trainerKey ? "no trainer key configured" : "no IPFS node configured (the artifact must be retrievable)";
      this.save(job);
      this.log(job, `model not registered: ${publication.notRegistered}`);
      return;
    }
    if (!publication.txHash) {
      publication.txHash = await chain.sendRegisterModel(trainerKey, {
        baseModel: spec.baseModelName, baseWeightsHash: `0x${base.weightsSha256.replace(/^0x/, "")}`, method: spec.method, configHash,
        artifactCid, artifactSha256: sha256, datanetIds: spec.datanetIds, datasetRoot: manifest.root, totalWeight: BigInt(manifest.totalWeight),
        manifestCid, parentId: BigInt(spec.parentModelId ?? 0),
      });
      this.save(job);
      this.log(job, `registerModel sent: ${publication.txHash}`);
    }
    const modelId = await chain.waitForModelId(publication.txHash);
    publication.modelId = modelId.toString();
    this.save(job);
    this.log(job, `model registered on chain: id ${modelId} (openledger:${modelId})`);
  }
}
