// Step 1 of ModelFactory: the data (Datanets with accepted files), the base model, the method and its
// settings, each with the trainer's default and an inline error naming the rule and the number.
import { useId } from "react";
import { DEFAULT_HYPERPARAMETERS } from "@openledger/trainer/job-rules";
import { useDatanetMetadata } from "../../hooks/ipfs.ts";
import { useDatanets } from "../../hooks/indexer.ts";
import { FIELD_LABELS, usesLora, type JobForm, type JobFormErrors, type JobFormField } from "../../lib/job-form.ts";
import { formatCount } from "../../lib/format.ts";
import type { DatanetRow } from "../../lib/rows.ts";
import type { TrainingMethod } from "../../lib/training.ts";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";

export interface BaseModelOption {
  value: string;
  label: string;
}

const METHODS: { value: TrainingMethod; label: string; hint: string }[] = [
  { value: "lora", label: "LoRA", hint: "trains small adapter matrices; fast, a small file" },
  { value: "qlora", label: "QLoRA", hint: "LoRA over a quantised base; less memory" },
  { value: "full", label: "Full", hint: "trains every weight; a whole model file" },
];

const HINTS: Partial<Record<JobFormField, string>> = {
  learningRate: "(0, 1]; e.g. 0.001 or 1e-4",
  epochs: "passes over the data, 1 to 1000",
  batchSize: "examples per step, 1 to 1024",
  gradientAccumulation: "steps summed per update, 1 to 1024",
  maxSeqLen: "8 to 32768; longer examples are split",
  evalFraction: "share held out to measure evaluation loss, 0 to 0.5",
  loraRank: "1 to 1024",
  loraAlpha: "(0, 4096]; scale = alpha / rank",
  targetModules: "comma-separated, or all-linear; empty = the trainer's default for the architecture",
};

function TextField({ field, form, errors, onChange, inputMode = "decimal" }: { field: JobFormField; form: JobForm; errors: JobFormErrors; onChange: (field: JobFormField, value: string) => void; inputMode?: "decimal" | "numeric" | "text" }) {
  const id = useId();
  const error = errors[field];
  return (
    <div className="field">
      <label htmlFor={id}>{FIELD_LABELS[field]}</label>
      <input id={id} inputMode={inputMode} value={form[field] as string} aria-invalid={error ? true : undefined} aria-describedby={`${id}-hint`} onChange={(e) => onChange(field, e.target.value)} />
      <small id={`${id}-hint`} className={error ? "field-error" : "muted"} role={error ? "alert" : undefined}>
        {error ?? HINTS[field]}
      </small>
    </div>
  );
}

function DatanetChoice({ datanet, checked, onToggle }: { datanet: DatanetRow; checked: boolean; onToggle: () => void }) {
  const metadata = useDatanetMetadata(datanet.metadataCid);
  const notText = datanet.modalityName !== "text";
  const empty = datanet.acceptedCount === 0;
  const reason = notText ? `${datanet.modalityName}: the trainer trains text models` : empty ? "no accepted files yet" : undefined;
  return (
    <li>
      <label className="checkbox datanet-choice">
        <input type="checkbox" checked={checked} disabled={reason !== undefined && !checked} onChange={onToggle} />
        <span>
          <strong>
            #{datanet.id} {metadata.data?.name ?? ""}
          </strong>{" "}
          <span className="muted small">
            {datanet.modalityName} · {formatCount(datanet.acceptedCount)} accepted file(s) · {datanet.formatNames.join(", ")}
            {reason ? ` · ${reason}` : ""}
          </span>
        </span>
      </label>
    </li>
  );
}

function DatanetPicker({ form, errors, onToggle }: { form: JobForm; errors: JobFormErrors; onToggle: (id: number) => void }) {
  const datanets = useDatanets();
  return (
    <fieldset aria-describedby="datanets-error">
      <legend>Data: Datanets (accepted files only)</legend>
      {datanets.isPending ? <p className="muted">Loading the Datanets…</p> : null}
      <ErrorNotice error={datanets.error} />
      {datanets.data?.length === 0 ? <p className="muted">No Datanets yet.</p> : null}
      <ul className="plain-list datanet-choices" data-testid="datanet-choices">
        {datanets.data?.map((d) => <DatanetChoice key={d.id} datanet={d} checked={form.datanetIds.includes(d.id)} onToggle={() => onToggle(d.id)} />)}
      </ul>
      {errors.datanetIds ? (
        <p id="datanets-error" className="field-error" role="alert">
          {errors.datanetIds}
        </p>
      ) : null}
    </fieldset>
  );
}

export function JobSettingsForm({ form, errors, baseModels, onChange, onToggleDatanet }: {
  form: JobForm;
  errors: JobFormErrors;
  baseModels: BaseModelOption[];
  onChange: (field: JobFormField, value: string) => void;
  onToggleDatanet: (id: number) => void;
}) {
  const baseId = useId();
  return (
    <>
      <DatanetPicker form={form} errors={errors} onToggle={onToggleDatanet} />
      <fieldset>
        <legend>Base model and method</legend>
        <div className="field">
          <label htmlFor={baseId}>{FIELD_LABELS.baseModel}</label>
          <select id={baseId} value={form.baseModel} onChange={(e) => onChange("baseModel", e.target.value)}>
            {baseModels.map((m) => (
              <option key={m.value} value={m.value}>
                {m.label}
              </option>
            ))}
          </select>
          <small className="muted">the base models this trainer node serves</small>
        </div>
        <fieldset className="inline-options">
          <legend>{FIELD_LABELS.method}</legend>
          {METHODS.map((m) => (
            <label key={m.value} className="checkbox method-choice">
              <input type="radio" name="method" value={m.value} checked={form.method === m.value} onChange={() => onChange("method", m.value)} />
              <span>
                {m.label} <span className="muted small">{m.hint}</span>
              </span>
            </label>
          ))}
        </fieldset>
      </fieldset>
      <fieldset>
        <legend>Training settings</legend>
        <p className="muted small" data-testid="starter-note">
          The defaults are a first run that visibly learns on the shipped demo base model (about half a minute on the seeded Datanet). For a real checkpoint, start
          from the trainer’s cautious settings: learning rate {DEFAULT_HYPERPARAMETERS.learningRate}, epochs {DEFAULT_HYPERPARAMETERS.epochs}, batch size{" "}
          {DEFAULT_HYPERPARAMETERS.batchSize}.
        </p>
        <div className="grid-3">
          <TextField field="learningRate" form={form} errors={errors} onChange={onChange} />
          <TextField field="epochs" form={form} errors={errors} onChange={onChange} inputMode="numeric" />
          <TextField field="batchSize" form={form} errors={errors} onChange={onChange} inputMode="numeric" />
          <TextField field="gradientAccumulation" form={form} errors={errors} onChange={onChange} inputMode="numeric" />
          <TextField field="maxSeqLen" form={form} errors={errors} onChange={onChange} inputMode="numeric" />
          <TextField field="evalFraction" form={form} errors={errors} onChange={onChange} />
        </div>
      </fieldset>
      {usesLora(form.method) ? (
        <fieldset>
          <legend>LoRA settings</legend>
          <div className="grid-3">
            <TextField field="loraRank" form={form} errors={errors} onChange={onChange} inputMode="numeric" />
            <TextField field="loraAlpha" form={form} errors={errors} onChange={onChange} />
            <TextField field="targetModules" form={form} errors={errors} onChange={onChange} inputMode="text" />
          </div>
        </fieldset>
      ) : null}
    </>
  );
}
