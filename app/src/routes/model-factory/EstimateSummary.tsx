// The job's cost before it starts, as the trainer estimates it: the data counted as the job will
// count it, and memory and time from one step of these settings timed on the trainer itself.
import { useJobEstimate } from "../../hooks/trainer.ts";
import { formatBytes, formatCount, formatDuration } from "../../lib/format.ts";
import type { JobRequest } from "../../lib/training.ts";

export function EstimateSummary({ request }: { request: JobRequest | undefined }) {
  const estimate = useJobEstimate(request);
  if (!request) return <p className="muted small" data-testid="estimate">The estimate of memory and time shows once the settings are valid.</p>;
  if (estimate.error) {
    return (
      <p className="notice small" data-testid="estimate" role="status">
        No estimate: {(estimate.error as Error).message}
      </p>
    );
  }
  const e = estimate.data;
  if (!e || estimate.waiting) {
    return (
      <p className="muted small" data-testid="estimate" aria-live="polite">
        Estimating: the trainer counts the data and times one step of these settings…
      </p>
    );
  }
  const d = e.dataset;
  return (
    <div className="estimate small" data-testid="estimate" aria-live="polite">
      <h3>Estimate</h3>
      <dl className="fields">
        <dt>Data</dt>
        <dd data-testid="estimate-data">
          {formatCount(d.examples)} examples, {formatCount(d.tokens)} tokens from {formatCount(d.contributions)} accepted files
          {d.refused ? ` (${formatCount(d.refused)} left out)` : ""}
          {d.extrapolated ? `; counted on the first ${formatCount(d.read)} files (${formatBytes(d.readBytes)} of ${formatBytes(d.bytes)}) and scaled` : ""}
        </dd>
        <dt>Steps</dt>
        <dd data-testid="estimate-steps">
          {formatCount(e.steps)} ({formatCount(e.microBatches)} batches; {formatCount(e.examples.train)} examples train, {formatCount(e.examples.eval)} evaluate)
        </dd>
        <dt>Memory</dt>
        <dd data-testid="estimate-memory">
          about {formatBytes(e.memoryBytes.total)} (weights {formatBytes(e.memoryBytes.weights)}, training state {formatBytes(e.memoryBytes.trainingState)}, one step{" "}
          {formatBytes(e.memoryBytes.step)}); {formatCount(e.trainableParameters)} of {formatCount(e.parameters)} parameters train
        </dd>
        <dt>Time</dt>
        <dd data-testid="estimate-time">
          {e.seconds < 1 ? "under 1 s" : `about ${formatDuration(e.seconds)}`} ({e.secondsPerMicroBatch.toFixed(2)} s per batch, timed on the trainer; evaluation not counted)
        </dd>
      </dl>
    </div>
  );
}
