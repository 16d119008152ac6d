// ModelFactory's training form: its fields as typed text, its defaults (the trainer's starter run,
// which visibly learns on the shipped base model and the seeded Datanet), and the checks the
// trainer applies (its own rules, from @openledger/trainer/job-rules), so a wrong value is named in
// the page with the rule and the number before anything is sent.
import {
  DEFAULT_HYPERPARAMETERS,
  DEFAULT_LORA,
  HYPERPARAMETER_RULES,
  LORA_RULES,
  MAX_DATANETS,
  numberRuleViolation,
  STARTER_JOB,
  type NumberRule,
} from "@openledger/trainer/job-rules";
import type { JobRequest, TrainerJob, TrainingMethod } from "./training.ts";

export interface JobForm {
  datanetIds: number[];
  /** A base model folder on the trainer node; "" is the node's own base model. */
  baseModel: string;
  method: TrainingMethod;
  learningRate: string;
  epochs: string;
  batchSize: string;
  gradientAccumulation: string;
  maxSeqLen: string;
  evalFraction: string;
  loraRank: string;
  loraAlpha: string;
  /** Comma-separated module names; "" is the trainer's default for the architecture. */
  targetModules: string;
  /** A registered model this one refines, when refining. */
  parentModelId?: number;
}

export type JobFormField = Exclude<keyof JobForm, "parentModelId">;
export type JobFormErrors = Partial<Record<JobFormField, string>>;

/** A first run that learns: the trainer's `STARTER_JOB`; the rest of the fields at the trainer's defaults. */
export const DEFAULT_JOB_FORM: JobForm = {
  datanetIds: [],
  baseModel: "",
  method: STARTER_JOB.method,
  learningRate: String(STARTER_JOB.hyperparameters.learningRate),
  epochs: String(STARTER_JOB.hyperparameters.epochs),
  batchSize: String(STARTER_JOB.hyperparameters.batchSize),
  gradientAccumulation: String(DEFAULT_HYPERPARAMETERS.gradientAccumulation),
  maxSeqLen: String(DEFAULT_HYPERPARAMETERS.maxSeqLen),
  evalFraction: String(STARTER_JOB.hyperparameters.evalFraction),
  loraRank: String(STARTER_JOB.lora.rank),
  loraAlpha: String(STARTER_JOB.lora.alpha),
  targetModules: STARTER_JOB.lora.targetModules.join(", "),
};

/** The label of each numeric field, as the page shows it and as its error names it. */
export const FIELD_LABELS: Record<JobFormField, string> = {
  datanetIds: "Datanets",
  baseModel: "Base model",
  method: "Method",
  learningRate: "Learning rate",
  epochs: "Epochs",
  batchSize: "Batch size",
  gradientAccumulation: "Gradient accumulation",
  maxSeqLen: "Max sequence length (tokens)",
  evalFraction: "Evaluation share",
  loraRank: "LoRA rank",
  loraAlpha: "LoRA alpha",
  targetModules: "Target modules",
};

const NUMBER_FIELDS: [JobFormField, NumberRule][] = [
  ["learningRate", HYPERPARAMETER_RULES.learningRate],
  ["epochs", HYPERPARAMETER_RULES.epochs],
  ["batchSize", HYPERPARAMETER_RULES.batchSize],
  ["gradientAccumulation", HYPERPARAMETER_RULES.gradientAccumulation],
  ["maxSeqLen", HYPERPARAMETER_RULES.maxSeqLen],
  ["evalFraction", HYPERPARAMETER_RULES.evalFraction],
  ["loraRank", LORA_RULES.rank],
  ["loraAlpha", LORA_RULES.alpha],
];

const LORA_FIELDS: readonly JobFormField[] = ["loraRank", "loraAlpha", "targetModules"];

export const usesLora = (method: TrainingMethod) => method !== "full";

/** Reads a typed number: decimal or exponent notation (1e-4); anything else is NaN. */
export function readNumber(text: string): number {
  const trimmed = text.trim();
  return /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(trimmed) ? Number(trimmed) : Number.NaN;
}

export function parseTargetModules(text: string): string[] {
  return text.split(/[\s,]+/).filter(Boolean);
}

/** Checks the form against the trainer's rules: every error names the field, the rule and the value. */
export function validateJobForm(form: JobForm): JobFormErrors {
  const errors: JobFormErrors = {};
  if (form.datanetIds.length === 0) errors.datanetIds = "Choose at least one Datanet with accepted files.";
  else if (form.datanetIds.length > MAX_DATANETS) errors.datanetIds = `A model may be trained on at most ${MAX_DATANETS} Datanets; ${form.datanetIds.length} are chosen.`;
  for (const [field, rule] of NUMBER_FIELDS) {
    if (!usesLora(form.method) && LORA_FIELDS.includes(field)) continue;
    const text = form[field] as string;
    if (text.trim() === "") {
      errors[field] = `${FIELD_LABELS[field]} is required.`;
      continue;
    }
    const violation = numberRuleViolation(FIELD_LABELS[field], readNumber(text), rule);
    if (violation) errors[field] = Number.isNaN(readNumber(text)) ? `${FIELD_LABELS[field]} must be a number, got "${text.trim()}".` : `${violation}.`;
  }
  if (usesLora(form.method) && form.targetModules.trim() !== "" && parseTargetModules(form.targetModules).some((m) => m !== "all-linear" && !/^[A-Za-z0-9_.]+$/.test(m))) {
    errors.targetModules = `Target modules are module names separated by commas (letters, digits, "_" and "."), or "all-linear", got "${form.targetModules.trim()}".`;
  }
  return errors;
}

/** The request for a valid form (check with validateJobForm first). */
export function jobRequestOf(form: JobForm): JobRequest {
  const modules = parseTargetModules(form.targetModules);
  return {
    datanetIds: [...form.datanetIds],
    ...(form.baseModel ? { baseModel: form.baseModel } : {}),
    method: form.method,
    hyperparameters: {
      learningRate: readNumber(form.learningRate),
      epochs: readNumber(form.epochs),
      batchSize: readNumber(form.batchSize),
      gradientAccumulation: readNumber(form.gradientAccumulation),
      maxSeqLen: readNumber(form.maxSeqLen),
      evalFraction: readNumber(form.evalFraction),
    },
    ...(usesLora(form.method)
      ? { lora: { rank: readNumber(form.loraRank), alpha: readNumber(form.loraAlpha), ...(modules.length > 0 ? { targetModules: modules } : {}) } }
      : {}),
    ...(form.parentModelId === undefined ? {} : { parentModelId: form.parentModelId }),
  };
}

/** The form a finished job was trained with; with its registered model as parent when it has one (refine). */
export function formFromJob(job: TrainerJob, asParent: boolean): JobForm {
  const t = job.spec.training;
  const modelId = job.publication?.modelId;
  return {
    datanetIds: [...job.spec.datanetIds],
    baseModel: job.spec.baseModel,
    method: job.spec.method,
    learningRate: String(t.learningRate),
    epochs: String(t.epochs),
    batchSize: String(t.batchSize),
    gradientAccumulation: String(t.gradientAccumulation),
    maxSeqLen: String(t.maxSeqLen),
    evalFraction: String(t.evalFraction),
    loraRank: String(t.lora?.rank ?? DEFAULT_LORA.rank),
    loraAlpha: String(t.lora?.alpha ?? DEFAULT_LORA.alpha),
    targetModules: t.lora?.targetModules.join(", ") ?? "",
    ...(asParent && modelId ? { parentModelId: Number(modelId) } : {}),
  };
}

/** The same job as a `trainer` command, for people who move to a terminal. */
export function cliCommandOf(request: JobRequest): string {
  const h = request.hyperparameters;
  const args = [
    ...request.datanetIds.map((id) => `--datanet ${id}`),
    ...(request.baseModel ? [`--base-model ${JSON.stringify(request.baseModel)}`] : []),
    `--method ${request.method}`,
    `--learning-rate ${h.learningRate}`,
    `--epochs ${h.epochs}`,
    `--batch-size ${h.batchSize}`,
    `--gradient-accumulation ${h.gradientAccumulation}`,
    `--max-seq-len ${h.maxSeqLen}`,
    `--eval-fraction ${h.evalFraction}`,
    ...(request.lora ? [`--lora-rank ${request.lora.rank}`, `--lora-alpha ${request.lora.alpha}`] : []),
    ...(request.lora?.targetModules ? [`--target-modules ${request.lora.targetModules.join(",")}`] : []),
    ...(request.parentModelId === undefined ? [] : [`--parent-model ${request.parentModelId}`]),
  ];
  return `trainer jobs submit ${args.join(" ")} --watch`;
}
