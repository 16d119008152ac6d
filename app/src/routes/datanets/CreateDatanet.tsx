// Owners: create a Datanet. The metadata document goes to IPFS first; only once it is stored is the
// transaction sent (an IPFS failure sends nothing). Limits and rules are checked by the contract in
// the SDK's simulation before anything is signed, and refusals name the setting and its bounds.
import { createDatanet, MODALITY_FORMATS, Modality, type Format } from "@openledger/sdk";
import { useId, useState } from "react";
import { Link, useNavigate } from "react-router";
import { ErrorNotice } from "../../components/ErrorNotice.tsx";
import { RequireWallet } from "../../components/RequireWallet.tsx";
import { TxProgress } from "../../components/TxProgress.tsx";
import { useProtocolWrite } from "../../hooks/useWrite.ts";
import { encodeDatanetMetadata } from "@openledger/sdk";
import { formatName, modalityName } from "./metadata.ts";
import { parseOpen } from "../../lib/format.ts";
import { parseWholeNumber } from "../../lib/inputs.ts";

interface Form {
  name: string;
  description: string;
  license: string;
  schema: string;
  modality: Modality;
  formats: Format[];
  reward: string;
  validatorReward: string;
  deposit: string;
  maxFileSize: string;
  dailyBytes: string;
  dailyFiles: string;
  commitWindow: string;
  revealWindow: string;
  quorum: string;
  threshold: string;
  minValidators: string;
}

const INITIAL: Form = {
  name: "",
  description: "",
  license: "CC-BY-4.0",
  schema: "",
  modality: Modality.Text,
  formats: [...MODALITY_FORMATS[Modality.Text]],
  reward: "10",
  validatorReward: "3",
  deposit: "0",
  maxFileSize: "0",
  dailyBytes: "0",
  dailyFiles: "0",
  commitWindow: "300",
  revealWindow: "300",
  quorum: "0",
  threshold: "0",
  minValidators: "3",
};

function Field({ label, hint, children }: { label: string; hint?: string; children: (id: string) => React.ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id)}
      {hint ? <small className="muted">{hint}</small> : null}
    </div>
  );
}

export default function CreateDatanet() {
  const [form, setForm] = useState<Form>(INITIAL);
  const [inputError, setInputError] = useState<unknown>();
  const navigate = useNavigate();
  const set = <K extends keyof Form>(key: K, value: Form[K]) => setForm((f) => ({ ...f, [key]: value }));
  const create = useProtocolWrite(async (f: Form, { protocol, wallet, step }) => {
    const threshold = Number(f.threshold);
    const args = {
      modality: f.modality,
      formats: f.formats,
      limits: {
        reward: parseOpen(f.reward, { allowZero: true }),
        validatorReward: parseOpen(f.validatorReward, { allowZero: true }),
        deposit: parseOpen(f.deposit, { allowZero: true }),
        maxFileSize: parseWholeNumber(f.maxFileSize, "max file size"),
        dailyBytes: parseWholeNumber(f.dailyBytes, "daily bytes"),
        dailyFiles: parseWholeNumber(f.dailyFiles, "daily files"),
      },
      rules: {
        commitWindow: parseWholeNumber(f.commitWindow, "commit window"),
        revealWindow: parseWholeNumber(f.revealWindow, "reveal window"),
        quorum: parseOpen(f.quorum, { allowZero: true }),
        thresholdBps: Math.round(threshold * 100),
        minValidators: parseWholeNumber(f.minValidators, "validators per decision"),
      },
    };
    if (!(threshold >= 0 && threshold <= 100)) throw new Error(`the approval threshold is a percentage from 0 to 100, not "${f.threshold}"`);
    if (f.formats.length === 0) throw new Error("choose at least one format");
    const document = encodeDatanetMetadata({
      name: f.name,
      description: f.description,
      license: f.license,
      ...(f.schema.trim() ? { schema: f.schema.trim() } : {}),
      modality: modalityName(f.modality),
      formats: f.formats.map(formatName),
    });
    step("Storing the metadata on IPFS…");
    const metadata = await protocol.ipfs.add(document);
    step("Creating the Datanet…");
    return createDatanet(wallet, { contracts: protocol.contracts, metadata, ...args });
  });

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setInputError(undefined);
    create.mutate(form, { onSuccess: (sent) => navigate(`/datanets/${sent.result.datanetId}`, { state: { created: sent.hash } }) });
  };

  return (
    <section aria-labelledby="create-title">
      <p>
        <Link to="/">← Datanets</Link>
      </p>
      <h1 id="create-title">Create a Datanet</h1>
      <p className="lede">You will own it: fund its reward pool, tune its limits, pause and resume it. Its modality and review rules are fixed once it exists.</p>
      <RequireWallet why="create a Datanet">
        <form className="form" onSubmit={submit}>
          <fieldset>
            <legend>What it collects</legend>
            <Field label="Name">{(id) => <input id={id} required maxLength={80} value={form.name} onChange={(e) => set("name", e.target.value)} />}</Field>
            <Field label="Description">{(id) => <textarea id={id} rows={3} value={form.description} onChange={(e) => set("description", e.target.value)} />}</Field>
            <Field label="License" hint="The license contributions are made under (SPDX id).">
              {(id) => <input id={id} value={form.license} onChange={(e) => set("license", e.target.value)} />}
            </Field>
            <Field label="Row schema" hint="For jsonl or csv: the fields or columns each row must have (optional).">
              {(id) => <input id={id} value={form.schema} onChange={(e) => set("schema", e.target.value)} />}
            </Field>
            <Field label="Modality" hint="Fixed for ever.">
              {(id) => (
                <select
                  id={id}
                  value={form.modality}
                  onChange={(e) => {
                    const m = Number(e.target.value) as Modality;
                    setForm((f) => ({ ...f, modality: m, formats: [...MODALITY_FORMATS[m]] }));
                  }}
                >
                  <option value={Modality.Text}>text</option>
                  <option value={Modality.Image}>image</option>
                  <option value={Modality.Audio}>audio</option>
                </select>
              )}
            </Field>
            <fieldset className="inline-options">
              <legend>Formats</legend>
              {MODALITY_FORMATS[form.modality].map((format) => (
                <label key={format} className="checkbox">
                  <input
                    type="checkbox"
                    checked={form.formats.includes(format)}
                    onChange={(e) => set("formats", e.target.checked ? [...form.formats, format] : form.formats.filter((f) => f !== format))}
                  />{" "}
                  {formatName(format)}
                </label>
              ))}
            </fieldset>
          </fieldset>
          <fieldset>
            <legend>Rewards (OPEN)</legend>
            <Field label="Reward per accepted file">{(id) => <input id={id} inputMode="decimal" value={form.reward} onChange={(e) => set("reward", e.target.value)} />}</Field>
            <Field label="Validator reward per file" hint="Shared by the validators who vote with the outcome; for a rejection, never more than the deposit it forfeits (nothing without a deposit).">
              {(id) => <input id={id} inputMode="decimal" value={form.validatorReward} onChange={(e) => set("validatorReward", e.target.value)} />}
            </Field>
            <Field label="Deposit per submission" hint="Refunded unless the file is rejected.">
              {(id) => <input id={id} inputMode="decimal" value={form.deposit} onChange={(e) => set("deposit", e.target.value)} />}
            </Field>
          </fieldset>
          <fieldset>
            <legend>Limits (0 = the protocol's)</legend>
            <Field label="Max file size (bytes)">{(id) => <input id={id} inputMode="numeric" value={form.maxFileSize} onChange={(e) => set("maxFileSize", e.target.value)} />}</Field>
            <Field label="Bytes per contributor per UTC day">{(id) => <input id={id} inputMode="numeric" value={form.dailyBytes} onChange={(e) => set("dailyBytes", e.target.value)} />}</Field>
            <Field label="Files per contributor per UTC day">{(id) => <input id={id} inputMode="numeric" value={form.dailyFiles} onChange={(e) => set("dailyFiles", e.target.value)} />}</Field>
          </fieldset>
          <fieldset>
            <legend>Review (fixed at creation; 0 = default)</legend>
            <Field label="Commit window (seconds)">{(id) => <input id={id} inputMode="numeric" value={form.commitWindow} onChange={(e) => set("commitWindow", e.target.value)} />}</Field>
            <Field label="Reveal window (seconds)">{(id) => <input id={id} inputMode="numeric" value={form.revealWindow} onChange={(e) => set("revealWindow", e.target.value)} />}</Field>
            <Field label="Quorum (OPEN of revealed stake)">{(id) => <input id={id} inputMode="decimal" value={form.quorum} onChange={(e) => set("quorum", e.target.value)} />}</Field>
            <Field label="Approval threshold (% of revealed stake)" hint="0 means two thirds.">
              {(id) => <input id={id} inputMode="decimal" value={form.threshold} onChange={(e) => set("threshold", e.target.value)} />}
            </Field>
            <Field label="Validators per decision" hint="Distinct validators who must reveal a vote; with fewer the contribution expires. Below 3, one or two validators decide alone.">
              {(id) => <input id={id} inputMode="numeric" value={form.minValidators} onChange={(e) => set("minValidators", e.target.value)} />}
            </Field>
          </fieldset>
          <ErrorNotice error={inputError} />
          <button type="submit" disabled={create.isPending}>
            Create the Datanet
          </button>
          <TxProgress write={create} />
        </form>
      </RequireWallet>
    </section>
  );
}
