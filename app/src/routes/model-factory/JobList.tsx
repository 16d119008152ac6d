// The trainer node's jobs, newest first; "Open" shows one in the training panel.
import { formatDate } from "../../lib/format.ts";
import type { TrainerJob } from "../../lib/training.ts";

export function JobList({ jobs, selectedId, onOpen }: { jobs: TrainerJob[] | undefined; selectedId: string | undefined; onOpen: (id: string) => void }) {
  if (!jobs || jobs.length === 0) return null;
  return (
    <section aria-labelledby="jobs-title">
      <h2 id="jobs-title">Jobs on this trainer node</h2>
      <table className="table responsive" data-testid="job-list">
        <thead>
          <tr>
            <th>Job</th>
            <th>State</th>
            <th>Method</th>
            <th>Datanets</th>
            <th>Started</th>
            <th>
              <span className="visually-hidden">Open</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {[...jobs].reverse().map((job) => (
            <tr key={job.id} aria-current={job.id === selectedId ? "true" : undefined}>
              <td data-label="Job">
                <code>{job.id}</code>
              </td>
              <td data-label="State">{job.state}</td>
              <td data-label="Method">
                {job.spec.method.toUpperCase()}
                {job.spec.parentModelId ? ` (child of ${job.spec.parentModelId})` : ""}
              </td>
              <td data-label="Datanets">{job.spec.datanetIds.join(", ")}</td>
              <td data-label="Started">{formatDate(new Date(job.createdAt))}</td>
              <td data-label="">
                <button type="button" className="secondary" disabled={job.id === selectedId} onClick={() => onOpen(job.id)}>
                  {job.id === selectedId ? "Shown" : "Open"}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
