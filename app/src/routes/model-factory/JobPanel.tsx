// Step 2 of ModelFactory: one job, live. Its state, the loss curve, tokens/s and time left as the
// trainer reports them over server-sent events; cancel while it runs, retry (resume from its last
// checkpoint) once it stopped; what it published once it succeeded.
import { Link } from "react-router";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { useJobActions, type JobEventsState } from "../../hooks/trainer.ts";
import { formatCount, formatDuration } from "../../lib/format.ts";
import { lossPoints, TERMINAL_STATES, type TrainerJob } from "../../lib/training.ts";
import { LossChart } from "./LossChart.tsx";

const STATE_CLASS: Record<TrainerJob["state"], string> = {
  queued: "status-pending",
  preparing: "status-pending",
  training: "status-pending",
  publishing: "status-pending",
  succeeded: "status-accepted",
  failed: "status-rejected",
  cancelled: "status-expired",
};

function ProgressFacts({ job, events }: { job: TrainerJob; events: JobEventsState }) {
  const points = lossPoints(events.events);
  const latest = points.at(-1) ?? job.progress;
  const running = !TERMINAL_STATES.includes(job.state);
  return (
    <dl className="facts" data-testid="job-progress">
      <div>
        <dt>Step</dt>
        <dd>{latest ? `${latest.step} of ${latest.totalSteps} (epoch ${latest.epoch})` : "—"}</dd>
      </div>
      <div>
        <dt>Training loss</dt>
        <dd>{latest ? latest.loss.toFixed(4) : "—"}</dd>
      </div>
      <div>
        <dt>Evaluation loss</dt>
        <dd>{points.findLast((p) => p.evalLoss !== undefined)?.evalLoss?.toFixed(4) ?? "—"}</dd>
      </div>
      <div>
        <dt>Tokens per second</dt>
        <dd data-testid="tokens-per-second">{latest ? formatCount(Math.round(latest.tokensPerSecond)) : "—"}</dd>
      </div>
      <div>
        <dt>Time left</dt>
        <dd data-testid="time-left">{latest && running ? formatDuration(latest.etaSeconds) : running ? "—" : "done"}</dd>
      </div>
      {job.dataset ? (
        <div>
          <dt>Data</dt>
          <dd>
            {formatCount(job.dataset.examples)} example(s) from {job.dataset.contributionsUsed} contribution(s)
            {job.dataset.contributionsRefused ? `, ${job.dataset.contributionsRefused} refused (see the log)` : ""}
          </dd>
        </div>
      ) : null}
    </dl>
  );
}

function Publication({ job }: { job: TrainerJob }) {
  if (job.state !== "succeeded") return null;
  const p = job.publication;
  return (
    <p className="notice notice-ok" data-testid="job-published">
      Trained{job.result ? ` in ${job.result.steps} step(s), final loss ${job.result.finalLoss.toFixed(4)}` : ""}.{" "}
      {p?.modelId ? (
        <>
          Registered on chain as <Link to={`/models/${p.modelId}`}>model {p.modelId}</Link>.
        </>
      ) : (
        <>Not registered on chain{p?.notRegistered ? `: ${p.notRegistered}` : ""}; this node still serves it for chat.</>
      )}
    </p>
  );
}

export function JobPanel({ job, events, onRetried }: { job: TrainerJob; events: JobEventsState; onRetried: () => void }) {
  const actions = useJobActions();
  const points = lossPoints(events.events);
  const logs = events.events.filter((e) => e.type === "log");
  const cancellable = ["queued", "preparing", "training"].includes(job.state);
  const retryable = job.state === "failed" || job.state === "cancelled";
  return (
    <section className="card" aria-labelledby="job-title" data-testid="job-panel" data-state={job.state} data-job-id={job.id}>
      <div className="page-head">
        <h2 id="job-title">
          Job <code>{job.id}</code>{" "}
          <span className={`badge ${STATE_CLASS[job.state]}`} data-testid="job-state" aria-live="polite">
            {job.state}
          </span>
        </h2>
        <div className="actions">
          {cancellable ? (
            <button type="button" className="secondary" disabled={actions.cancel.isPending} onClick={() => actions.cancel.mutate(job.id)}>
              Cancel training
            </button>
          ) : null}
          {retryable ? (
            <button type="button" disabled={actions.retry.isPending} onClick={() => actions.retry.mutate(job.id, { onSuccess: onRetried })}>
              Resume training
            </button>
          ) : null}
        </div>
      </div>
      <p className="muted small" data-testid="job-meta">
        {job.spec.method.toUpperCase()} on {job.spec.baseModelName}, Datanet(s) {job.spec.datanetIds.join(", ")}
        {job.spec.parentModelId ? `, refining model ${job.spec.parentModelId}` : ""}
        {job.attempts > 1 ? ` · attempt ${job.attempts}` : ""}
      </p>
      {job.state === "failed" && job.error ? (
        <p className="notice notice-error" role="alert">
          The job failed: {job.error}. "Resume training" queues it again from its last checkpoint.
        </p>
      ) : null}
      {job.state === "cancelled" ? <p className="notice">Cancelled. "Resume training" queues it again from its last checkpoint.</p> : null}
      <ProgressFacts job={job} events={events} />
      <LossChart points={points} />
      <Publication job={job} />
      <ErrorNotice error={actions.cancel.error ?? actions.retry.error ?? events.error} />
      {logs.length > 0 ? (
        <details className="small">
          <summary>The trainer's log ({logs.length})</summary>
          <ol className="job-log">
            {logs.map((l, i) => (
              <li key={i}>{l.type === "log" ? l.message : ""}</li>
            ))}
          </ol>
        </details>
      ) : null}
    </section>
  );
}
