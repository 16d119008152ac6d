// The trainer node's jobs and models (TanStack Query, keys under "trainer"), and a job's live events.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { followJobEvents, TERMINAL_STATES, trainerApi, type JobEvent, type JobRequest, type TrainerJob } from "../lib/training.ts";
import { ServiceRequestError } from "../lib/services.ts";
import { keys } from "./keys.ts";
import { useProtocol } from "./protocol.tsx";

export function useTrainerJobs() {
  const { urls } = useProtocol();
  return useQuery({
    queryKey: keys.trainer("jobs"),
    queryFn: ({ signal }) => trainerApi.jobs(urls.trainer, signal),
    retry: 1,
    // While a job runs, its state changes (queued → … → succeeded) show without a reload.
    refetchInterval: (query) => ((query.state.data ?? []).some((j) => !TERMINAL_STATES.includes(j.state)) ? 2_000 : 15_000),
  });
}

export function useTrainerModels() {
  const { urls } = useProtocol();
  return useQuery({ queryKey: keys.trainer("models"), queryFn: ({ signal }) => trainerApi.models(urls.trainer, signal), retry: 1, refetchInterval: 30_000 });
}

/** How long the form must rest before its settings are estimated (each estimate times a step on the trainer). */
const ESTIMATE_DEBOUNCE_MS = 700;

/**
 * The trainer's estimate of the job the form describes, once the form has rested; undefined
 * request (an invalid form) asks nothing. The trainer answers the same settings at the same block
 * from its cache.
 */
export function useJobEstimate(request: JobRequest | undefined) {
  const { urls } = useProtocol();
  const key = request ? JSON.stringify(request) : undefined;
  const [settled, setSettled] = useState(key);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(key), ESTIMATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key]);
  const query = useQuery({
    queryKey: keys.estimate(settled ?? ""),
    queryFn: ({ signal }) => trainerApi.estimate(urls.trainer, JSON.parse(settled!) as JobRequest, signal),
    enabled: settled !== undefined && settled === key,
    retry: false,
    staleTime: 60_000,
  });
  return { ...query, waiting: key !== undefined && (settled !== key || query.isFetching) };
}

/** Submit, cancel and retry; each refreshes the jobs list and answers the job. */
export function useJobActions() {
  const { urls } = useProtocol();
  const client = useQueryClient();
  const refresh = () => client.invalidateQueries({ queryKey: keys.trainer() });
  return {
    submit: useMutation({ mutationFn: (request: JobRequest) => trainerApi.submit(urls.trainer, request), onSettled: refresh }),
    cancel: useMutation({ mutationFn: (id: string) => trainerApi.cancel(urls.trainer, id), onSettled: refresh }),
    retry: useMutation({ mutationFn: (id: string) => trainerApi.retry(urls.trainer, id), onSettled: refresh }),
  };
}

export interface JobEventsState {
  events: JobEvent[];
  /** The job as the stream's `end` event gave it (once it finished). */
  finished?: TrainerJob;
  error?: unknown;
}

/**
 * A job's events: the history, then live ones until it ends. `restartKey` follows the stream again
 * (after a retry, the job runs anew); a dropped stream is followed again after a pause while the job
 * has not ended.
 */
export function useJobEvents(jobId: string | undefined, restartKey: number): JobEventsState {
  const { urls } = useProtocol();
  const client = useQueryClient();
  const [state, setState] = useState<JobEventsState & { jobId?: string }>({ events: [] });
  useEffect(() => {
    setState({ events: [], ...(jobId ? { jobId } : {}) });
    if (!jobId) return;
    const abort = new AbortController();
    const follow = async () => {
      let collected: JobEvent[] = [];
      for (;;) {
        collected = [];
        let ended = false;
        try {
          await followJobEvents(urls.trainer, jobId, (event) => {
            collected = [...collected, event];
            if (event.type === "end") ended = true;
            setState((s) => ({ jobId, events: collected, ...(event.type === "end" ? { finished: event.job } : s.finished ? { finished: s.finished } : {}) }));
          }, abort.signal);
          setState((s) => ({ jobId, events: s.events, ...(s.finished ? { finished: s.finished } : {}) }));
        } catch (error) {
          if (abort.signal.aborted) return;
          setState((s) => ({ ...s, error }));
          if (error instanceof ServiceRequestError && error.status === 404) return;
        }
        if (ended || abort.signal.aborted) break;
        await new Promise((r) => setTimeout(r, 2_000));
        if (abort.signal.aborted) return;
      }
      void client.invalidateQueries({ queryKey: keys.trainer() });
    };
    void follow();
    return () => abort.abort();
  }, [jobId, restartKey, urls.trainer, client]);
  // Until the effect has run for a newly chosen job, the previous job's events are not this one's.
  return state.jobId === jobId ? state : { events: [] };
}
