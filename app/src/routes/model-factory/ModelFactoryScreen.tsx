// Screen 7, ModelFactory: the visual fine-tuning workflow, one page for each stage in turn. Choose
// accepted data, a base model, the method and its settings; start a job and watch its loss curve;
// cancel or resume it; chat with the base and the tuned model side by side; refine (the form again,
// from the finished job, with its registered model as parent). A lazily loaded route: uPlot and the
// rest load only here. The trainer being down leaves the form as it is and says so.
import { useMemo, useRef, useState } from "react";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { useServiceHealth } from "../../hooks/health.ts";
import { useJobActions, useJobEvents, useTrainerJobs, useTrainerModels } from "../../hooks/trainer.ts";
import { cliCommandOf, DEFAULT_JOB_FORM, formFromJob, jobRequestOf, validateJobForm, type JobForm, type JobFormField } from "../../lib/job-form.ts";
import type { ServableModel, TrainerJob } from "../../lib/training.ts";
import { CompareChat } from "./CompareChat.tsx";
import { EstimateSummary } from "./EstimateSummary.tsx";
import { JobPanel } from "./JobPanel.tsx";
import { JobSettingsForm, type BaseModelOption } from "./JobSettingsForm.tsx";
import { JobList } from "./JobList.tsx";

/** The node's own base model first (sent as "use the default"), then other base folders its jobs used. */
function baseModelOptions(models: ServableModel[] | undefined, jobs: TrainerJob[] | undefined): { options: BaseModelOption[]; nodeBase?: string } {
  const nodeBase = models?.find((m) => m.kind === "base")?.id;
  const options: BaseModelOption[] = [{ value: "", label: nodeBase ? `${nodeBase} (this node's base model)` : "this node's base model" }];
  for (const job of jobs ?? []) {
    if (job.spec.baseModelName === nodeBase || options.some((o) => o.value === job.spec.baseModel)) continue;
    options.push({ value: job.spec.baseModel, label: `${job.spec.baseModelName} (${job.spec.baseModel})` });
  }
  return { options, ...(nodeBase ? { nodeBase } : {}) };
}

function useJobFormState() {
  const [form, setForm] = useState<JobForm>(DEFAULT_JOB_FORM);
  const [touched, setTouched] = useState<ReadonlySet<JobFormField>>(new Set());
  const [attempted, setAttempted] = useState(false);
  const allErrors = validateJobForm(form);
  const errors = Object.fromEntries(Object.entries(allErrors).filter(([field]) => attempted || touched.has(field as JobFormField)));
  return {
    form,
    errors,
    valid: Object.keys(allErrors).length === 0,
    attempt: () => setAttempted(true),
    change: (field: JobFormField, value: string) => {
      setForm((f) => ({ ...f, [field]: value }));
      setTouched((t) => new Set(t).add(field));
    },
    toggleDatanet: (id: number) => {
      setForm((f) => ({ ...f, datanetIds: f.datanetIds.includes(id) ? f.datanetIds.filter((d) => d !== id) : [...f.datanetIds, id].sort((a, b) => a - b) }));
      setTouched((t) => new Set(t).add("datanetIds"));
    },
    replace: (next: JobForm) => {
      setForm(next);
      setAttempted(false);
      setTouched(new Set());
    },
    clearParent: () => setForm(({ parentModelId: _, ...rest }) => rest),
  };
}

export default function ModelFactoryScreen() {
  const health = useServiceHealth();
  const jobs = useTrainerJobs();
  const models = useTrainerModels();
  const actions = useJobActions();
  const state = useJobFormState();
  const [chosenJobId, setChosenJobId] = useState<string | undefined>();
  const [restartKey, setRestartKey] = useState(0);
  const formHeading = useRef<HTMLHeadingElement>(null);

  const selectedId = chosenJobId ?? jobs.data?.at(-1)?.id;
  const events = useJobEvents(selectedId, restartKey);
  const listed = jobs.data?.find((j) => j.id === selectedId);
  const selected = listed && events.finished && events.finished.updatedAt >= listed.updatedAt ? events.finished : (listed ?? events.finished);
  const { options, nodeBase } = useMemo(() => baseModelOptions(models.data, jobs.data), [models.data, jobs.data]);
  const request = state.valid ? jobRequestOf(state.form) : undefined;

  const start = (e: React.FormEvent) => {
    e.preventDefault();
    state.attempt();
    if (!request) return;
    actions.submit.mutate(request, {
      onSuccess: (job) => {
        setChosenJobId(job.id);
        setRestartKey((k) => k + 1);
      },
    });
  };

  const refine = (job: TrainerJob, asParent: boolean) => {
    const next = formFromJob(job, asParent);
    state.replace(job.spec.baseModelName === nodeBase ? { ...next, baseModel: "" } : next);
    formHeading.current?.scrollIntoView({ block: "start" });
    formHeading.current?.focus();
  };

  return (
    <section aria-labelledby="factory-title" className="factory">
      <h1 id="factory-title">ModelFactory</h1>
      <p className="lede">Pick accepted data and a base model, train, watch the loss fall, chat with the result, refine and train again.</p>
      {health.trainer === false ? (
        <p className="notice notice-error" role="status">
          The trainer node is not answering: training is unavailable until it is back. Your settings stay in the form.
        </p>
      ) : null}

      <form className="card factory-form" onSubmit={start} noValidate aria-labelledby="train-title">
        <h2 id="train-title" ref={formHeading} tabIndex={-1}>
          1. Data, model and settings
        </h2>
        {state.form.parentModelId !== undefined ? (
          <p className="notice" data-testid="refine-notice">
            Refining model {state.form.parentModelId}: the new model is registered as its child, with the settings of the job that made it.{" "}
            <button type="button" className="link-button" onClick={state.clearParent}>
              Train without a parent
            </button>
          </p>
        ) : null}
        <JobSettingsForm form={state.form} errors={state.errors} baseModels={options} onChange={state.change} onToggleDatanet={state.toggleDatanet} />
        <EstimateSummary request={request} />
        {request ? (
          <details className="small">
            <summary>The same job from a terminal</summary>
            <pre className="cli-command" data-testid="cli-command">
              {cliCommandOf(request)}
            </pre>
          </details>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={actions.submit.isPending}>
            {actions.submit.isPending ? "Starting…" : state.form.parentModelId !== undefined ? "Start refining" : "Start training"}
          </button>
        </div>
        <ErrorNotice error={actions.submit.error} />
      </form>

      <h2>2. Training</h2>
      {selected ? (
        <JobPanel key={selected.id} job={selected} events={events} onRetried={() => setRestartKey((k) => k + 1)} />
      ) : (
        <p className="muted">No job yet: start one above.</p>
      )}
      <ErrorNotice error={jobs.error} />

      {selected?.state === "succeeded" ? (
        <>
          <h2>3. Chat and refine</h2>
          <CompareChat
            key={selected.id}
            base={{ model: models.data?.some((m) => m.kind === "base" && m.id === selected.spec.baseModelName) ? selected.spec.baseModelName : "base", title: "Base model" }}
            tuned={{ model: `job:${selected.id}`, title: "Tuned model" }}
          />
          <div className="card">
            <h2>Refine</h2>
            {selected.publication?.modelId ? (
              <>
                <p>Train again with model {selected.publication.modelId} as the parent: the form is filled with this job's data and settings, for you to change.</p>
                <button type="button" onClick={() => refine(selected, true)}>
                  Refine model {selected.publication.modelId}
                </button>
              </>
            ) : (
              <p className="muted">
                This job's model is not registered on chain{selected.publication?.notRegistered ? ` (${selected.publication.notRegistered})` : ""}, so it cannot be a parent.{" "}
                <button type="button" className="link-button" onClick={() => refine(selected, false)}>
                  Fill the form with its settings
                </button>
              </p>
            )}
          </div>
        </>
      ) : null}

      <JobList jobs={jobs.data} selectedId={selectedId} onOpen={(id) => setChosenJobId(id)} />
    </section>
  );
}
