// The trainer node's job API through the app server (`/svc/trainer`): estimate, submit, list, cancel and retry
// jobs, read the servable models, and follow a job's server-sent events (its history, then live
// progress until it ends).
import type { JobEstimate } from "@openledger/trainer/api-types";
import { parseSseEvents } from "@openledger/trainer/sse";
import { errorMessageOf, serviceFetch, ServiceRequestError } from "./services.ts";

export type { JobEstimate };

export type JobState = "queued" | "preparing" | "training" | "publishing" | "succeeded" | "failed" | "cancelled";
export type TrainingMethod = "lora" | "qlora" | "full";
export const TERMINAL_STATES: readonly JobState[] = ["succeeded", "failed", "cancelled"];

export interface StepProgress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  tokensPerSecond: number;
  etaSeconds: number;
  evalLoss?: number;
}

/** A job request as `POST /v1/jobs` takes it (the trainer fills in what is left out). */
export interface JobRequest {
  datanetIds: number[];
  baseModel?: string;
  method: TrainingMethod;
  hyperparameters: {
    learningRate: number;
    epochs: number;
    batchSize: number;
    gradientAccumulation: number;
    maxSeqLen: number;
    evalFraction: number;
  };
  lora?: { rank: number; alpha: number; targetModules?: string[] };
  parentModelId?: number;
}

/** A job as the trainer returns it (the fields this app reads). */
export interface TrainerJob {
  id: string;
  state: JobState;
  createdAt: string;
  updatedAt: string;
  attempts: number;
  spec: {
    datanetIds: number[];
    baseModel: string;
    baseModelName: string;
    method: TrainingMethod;
    training: JobRequest["hyperparameters"] & { lora?: { rank: number; alpha: number; dropout: number; targetModules: string[] } };
    upToBlock?: number;
    parentModelId?: number;
  };
  progress?: StepProgress;
  dataset?: { examples: number; contributionsUsed: number; contributionsRefused: number; totalWeight: string };
  result?: { finalLoss: number; steps: number };
  publication?: { modelId?: string; txHash?: string; notRegistered?: string; artifact: { cid: string } };
  error?: string;
}

export interface ServableModel {
  id: string;
  kind: "base" | "registered" | "job";
  base: string;
  method?: string;
}

export type JobEvent =
  | { type: "state"; state: JobState; at: string; error?: string }
  | ({ type: "progress" } & StepProgress)
  | { type: "log"; message: string; at: string }
  | { type: "end"; job: TrainerJob };

export { parseSseEvents };

/** One server-sent event of a job as a typed event; undefined for anything this app does not know. */
export function toJobEvent(event: string, data: string): JobEvent | undefined {
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (body === null || typeof body !== "object") return undefined;
  if (event === "end") return { type: "end", job: body as TrainerJob };
  const typed = body as { type?: string };
  if (event === "progress" && typed.type === "progress") {
    const p = body as StepProgress;
    if (![p.step, p.loss].every((n) => typeof n === "number" && Number.isFinite(n))) return undefined;
    return { type: "progress", ...p };
  }
  if ((event === "state" && typed.type === "state") || (event === "log" && typed.type === "log")) return body as JobEvent;
  return undefined;
}

/** The loss curve so far: one point per progress step (the latest report of a step wins, so a resumed job does not draw a step twice). */
export function lossPoints(events: readonly JobEvent[]): StepProgress[] {
  const byStep = new Map<number, StepProgress>();
  for (const e of events) if (e.type === "progress") byStep.set(e.step, { step: e.step, totalSteps: e.totalSteps, epoch: e.epoch, loss: e.loss, tokensPerSecond: e.tokensPerSecond, etaSeconds: e.etaSeconds, ...(e.evalLoss === undefined ? {} : { evalLoss: e.evalLoss }) });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}

async function trainerJson<T>(url: string, init: RequestInit = {}): Promise<T> {
  const res = await serviceFetch("trainer", url, init);
  if (!res.ok) throw new ServiceRequestError(res.status, `the trainer refused: ${await errorMessageOf(res)}`);
  return (await res.json()) as T;
}

export const trainerApi = {
  jobs: async (trainerUrl: string, signal?: AbortSignal) => (await trainerJson<{ data: TrainerJob[] }>(`${trainerUrl}/v1/jobs`, signal ? { signal } : {})).data,
  models: async (trainerUrl: string, signal?: AbortSignal) => (await trainerJson<{ data: ServableModel[] }>(`${trainerUrl}/v1/models`, signal ? { signal } : {})).data,
  submit: (trainerUrl: string, request: JobRequest) =>
    trainerJson<TrainerJob>(`${trainerUrl}/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request) }),
  /** Memory, time and steps of a job before it starts (the trainer counts its data and times one step). */
  estimate: (trainerUrl: string, request: JobRequest, signal?: AbortSignal) =>
    trainerJson<JobEstimate>(`${trainerUrl}/v1/jobs/estimate`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(request), ...(signal ? { signal } : {}) }),
  cancel: (trainerUrl: string, id: string) => trainerJson<TrainerJob>(`${trainerUrl}/v1/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" }),
  retry: (trainerUrl: string, id: string) => trainerJson<TrainerJob>(`${trainerUrl}/v1/jobs/${encodeURIComponent(id)}/retry`, { method: "POST" }),
};

/** Follows a job's events until the stream ends (the job finished) or `signal` aborts. */
export async function followJobEvents(trainerUrl: string, id: string, onEvent: (event: JobEvent) => void, signal?: AbortSignal): Promise<void> {
  const res = await serviceFetch("trainer", `${trainerUrl}/v1/jobs/${encodeURIComponent(id)}/events`, { headers: { accept: "text/event-stream" }, ...(signal ? { signal } : {}) });
  if (!res.ok || !res.body) throw new ServiceRequestError(res.status, `the trainer refused the job's events: ${await errorMessageOf(res)}`);
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const parsed = parseSseEvents(buffer + value);
    buffer = parsed.rest;
    for (const { event, data } of parsed.events) {
      const typed = toJobEvent(event, data);
      if (typed) onEvent(typed);
    }
  }
}
