// The training loop: tokenise, split, shuffle per epoch from the seed, forward/backward on the wasm
// backend, AdamW with warmup + cosine decay, gradient accumulation, checkpoints and exact resume.
import { existsSync, mkdirSync, readFileSync, writeFileSync, copyFileSync } from "node:fs";
import { join, basename } from "node:path";
import { createHash } from "node:crypto";
import { tf } from "./backend.ts";
import type { BaseModel } from "./base-model.ts";
import { Transformer, maskedCrossEntropy, type LoraSet } from "./model.ts";
import { adapterConfigJson, createLora, exportLora } from "./lora.ts";
import { Rng, mixSeed, uniqueName } from "./rng.ts";
import { fromFloat32, readSafetensors, toFloat32, writeSafetensors, type SafeTensor } from "./safetensors.ts";
import type { StepProgress, TrainingConfig, TrainingExample, TrainingResult } from "./types.ts";
import { GradientWorkers, splitRows, type ShareInput } from "./parallel.ts";
import { availableParallelism } from "node:os";

export interface TrainOptions {
  outputDir: string; checkpointDir: string; checkpointEvery?: number;
  onProgress?: (p: StepProgress) => void; signal?: AbortSignal;
  /** Dtype of full/merged weights written (default F32). */
  saveDtype?: "F32" | "F16" | "BF16";
}

export interface Sequence { ids: number[]; weights: number[] } // weights[i]: loss weight of predicting ids[i+1]

export function tokenizeExamples(base: BaseModel, examples: TrainingExample[], maxSeqLen: number): { seqs: Sequence[]; skipped: number } {
  const tok = base.tokenizer;
  const seqs: Sequence[] = [];
  let skipped = 0;
  for (const ex of examples) {
    let ids: number[], mask: number[];
    if ("messages" in ex) {
      const r = tok.encodeChat(ex.messages);
      ids = r.ids; mask = r.trainMask;
      if (tok.addBos && tok.bosTokenId != null && ids[0] !== tok.bosTokenId) { ids = [tok.bosTokenId, ...ids]; mask = [0, ...mask]; }
    } else {
      ids = [...tok.encode(ex.text, { addSpecialTokens: true }), tok.eosTokenId];
      mask = ids.map(() => 1);
    }
    ids = ids.slice(0, maxSeqLen + 1); mask = mask.slice(0, maxSeqLen + 1);
    const weights = mask.slice(1);
    if (ids.length < 2 || !weights.some((w) => w > 0)) { skipped++; continue; }
    seqs.push({ ids, weights });
  }
  return { seqs, skipped };
}

/** How many of `n` sequences are held out for evaluation. */
export function evalCount(n: number, fraction: number): number {
  return fraction > 0 && n >= 2 ? Math.min(n - 1, Math.max(1, Math.round(n * fraction))) : 0;
}

/** The micro-batches and optimizer steps of `sequences` usable sequences: what `train` reports as totalSteps. */
export function stepPlan(sequences: number, config: TrainingConfig): { train: number; eval: number; microPerEpoch: number; stepsPerEpoch: number; totalSteps: number } {
  const held = evalCount(sequences, config.evalFraction);
  const train = sequences - held;
  const microPerEpoch = Math.ceil(train / config.batchSize);
  const stepsPerEpoch = Math.ceil(microPerEpoch / config.gradientAccumulation);
  return { train, eval: held, microPerEpoch, stepsPerEpoch, totalSteps: stepsPerEpoch * config.epochs };
}

export function splitEval(n: number, fraction: number, seed: number): { train: number[]; evalIdx: number[] } {
  const order = new Rng(mixSeed(seed, 1)).shuffle([...Array(n).keys()]);
  const nEval = evalCount(n, fraction);
  return { evalIdx: order.slice(0, nEval).sort((a, b) => a - b), train: order.slice(nEval).sort((a, b) => a - b) };
}

/** Linear warmup, then cosine decay to 0 at the last step (as transformers' cosine schedule). */
export function learningRateAt(step: number, total: number, warmup: number, lr: number): number {
  if (step < warmup) return (lr * (step + 1)) / warmup;
  const progress = (step - warmup) / Math.max(1, total - warmup);
  return lr * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
}

function batchTensors(seqs: Sequence[], padId: number): { ids: number[][]; targets: number[]; weights: number[]; tokens: number } {
  const T = Math.max(...seqs.map((s) => s.ids.length - 1));
  const ids: number[][] = [], targets: number[] = [], weights: number[] = [];
  let tokens = 0;
  for (const s of seqs) {
    const row: number[] = [];
    for (let t = 0; t < T; t++) {
      const inside = t < s.ids.length - 1;
      row.push(inside ? s.ids[t]! : padId);
      targets.push(inside ? s.ids[t + 1]! : padId);
      weights.push(inside ? s.weights[t]! : 0);
      if (inside) tokens++;
    }
    ids.push(row);
  }
  return { ids, targets, weights, tokens };
}

function abortError(): Error {
  return new DOMException("training was cancelled", "AbortError");
}

function sha256File(path: string): { sha256: string; bytes: number } {
  const b = readFileSync(path);
  return { sha256: createHash("sha256").update(b).digest("hex"), bytes: b.length };
}

export function fileEntries(dir: string, names: string[]): TrainingResult["files"] {
  return names.map((name) => ({ name, ...sha256File(join(dir, name)) }));
}

export function validateConfig(c: TrainingConfig): void {
  const bad = (field: string, rule: string, v: unknown) => { throw new Error(`training config: ${field} ${rule} (got ${JSON.stringify(v)})`); };
  if (!["lora", "qlora", "full"].includes(c.method)) bad("method", "must be lora, qlora or full", c.method);
  if (!(c.learningRate > 0)) bad("learningRate", "must be > 0", c.learningRate);
  if (!(Number.isInteger(c.epochs) && c.epochs >= 1)) bad("epochs", "must be an integer ≥ 1", c.epochs);
  if (!(Number.isInteger(c.batchSize) && c.batchSize >= 1)) bad("batchSize", "must be an integer ≥ 1", c.batchSize);
  if (!(Number.isInteger(c.gradientAccumulation) && c.gradientAccumulation >= 1)) bad("gradientAccumulation", "must be an integer ≥ 1", c.gradientAccumulation);
  if (!(Number.isInteger(c.maxSeqLen) && c.maxSeqLen >= 2)) bad("maxSeqLen", "must be an integer ≥ 2", c.maxSeqLen);
  if (!(c.warmupSteps >= 0)) bad("warmupSteps", "must be ≥ 0", c.warmupSteps);
  if (!(c.weightDecay >= 0)) bad("weightDecay", "must be ≥ 0", c.weightDecay);
  if (!(c.evalFraction >= 0 && c.evalFraction < 1)) bad("evalFraction", "must be in [0, 1)", c.evalFraction);
  if (c.method !== "full" && !c.lora) bad("lora", `is required for method ${c.method}`, c.lora);
}

/** JSON with sorted keys, so that the same config hashes the same whatever order its fields were set in. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(",")}}`;
  return JSON.stringify(v);
}

/** The tokenised job: sequences, the train/eval split, the step counts and the fingerprint of the job. */
interface PreparedData {
  seqs: Sequence[]; skipped: number; trainIdx: number[]; evalIdx: number[];
  microPerEpoch: number; stepsPerEpoch: number; totalSteps: number; checkpointEvery: number; padId: number;
  /** Ties a checkpoint to this exact job; a different job never resumes from it. */
  fingerprint: string;
}

/** What a step updates: the trainable variables (LoRA A/B or every weight), AdamW's moments, and the model they drive. */
interface TrainableState {
  /** The base model, or for QLoRA a view of it whose frozen linear weights are NF4. */
  net: Transformer;
  lora: LoraSet | null;
  trainables: Map<string, tf.Variable>;
  names: string[];
  /** Full fine-tuning passes its variables to the forward pass in place of the stored weights. */
  override: Map<string, tf.Tensor> | undefined;
  adamM: Map<string, tf.Tensor>; adamV: Map<string, tf.Tensor>;
  quantStats: { floatBytes: number; nf4Bytes: number } | null;
}

interface TrainingRun {
  base: BaseModel; config: TrainingConfig; options: TrainOptions;
  data: PreparedData; state: TrainableState;
  pool: GradientWorkers | null;
  ckptPath: string;
  log: StepProgress[];
  /** Durations of the last steps, for the ETA. */
  stepTimes: number[];
}

export async function train(base: BaseModel, examples: TrainingExample[], config: TrainingConfig, options: TrainOptions): Promise<TrainingResult> {
  validateConfig(config);
  const started = performance.now();
  const data = prepareData(base, examples, config, options);
  const state = buildTrainableState(base, config);
  const run: TrainingRun = { base, config, options, data, state, pool: null, ckptPath: join(options.checkpointDir, "checkpoint.safetensors"), log: [], stepTimes: [] };
  try {
    const startStep = resumeFromCheckpoint(run);
    run.pool = await startWorkers(base, config, state);
    for (let step = startStep; step < data.totalSteps; step++) {
      if (options.signal?.aborted) throw abortError();
      const progress = await trainStep(run, step);
      const isCheckpoint = (step + 1) % data.checkpointEvery === 0 || step + 1 === data.totalSteps;
      if (isCheckpoint) { const e = evaluate(run); if (e !== undefined) progress.evalLoss = e; }
      run.log.push(progress);
      if (isCheckpoint) saveCheckpoint(run, step + 1);
      options.onProgress?.(progress);
      await new Promise((r) => setImmediate(r)); // lets cancellation and servers in this process run
    }
    return writeOutputs(run, examples.length, started);
  } finally {
    await run.pool?.close();
    disposeState(base, state);
  }
}

/** `measureStep` times at most this many steps, for at most this long (at least two steps). */
const MEASURE_STEPS = 8, MEASURE_SECONDS = 1.5;
/**
 * The largest micro-batch `measureStep` runs, in tokens (rows × row length), so that an estimate of
 * outsized settings cannot exhaust the memory of the process that asks (the node's, which serves
 * chat): fewer rows are run and the step scaled by rows (activations grow with them), and a row
 * longer than this is run at this length and scaled by the square of the ratio (attention's growth:
 * an upper bound).
 */
export const MEASURE_TOKENS = 8192;

/** One optimizer step measured on this machine: its time, and the tensor memory it and the training state take. */
export interface StepMeasurement {
  /** Wall time of one step of one micro-batch (forward, backward, clipping, AdamW). */
  seconds: number;
  /** Tensor bytes the step allocates above the training state at its peak (activations, gradients, optimizer temporaries). */
  stepBytes: number;
  /** Tensor bytes of the training state: trainable copies or adapters, and AdamW's two moments. */
  stateBytes: number;
  /** Bytes held outside tensors (QLoRA's NF4 copies of the linear weights). */
  nf4Bytes: number;
  trainableParameters: number;
  /** The micro-batch actually run; smaller than asked when the settings exceed `MEASURE_TOKENS`. */
  measured: { rows: number; rowTokens: number };
}

/**
 * Runs one real optimizer step of `config` (the training code path, one thread, no accumulation) on
 * `batchSize` synthetic rows of `rowTokens` tokens, once under the tensor profiler and then timed (the median of a few steps),
 * and frees everything it made: what a job's step will cost here, measured rather than modelled.
 */
export async function measureStep(base: BaseModel, config: TrainingConfig, rowTokens: number, maxTokens = MEASURE_TOKENS): Promise<StepMeasurement> {
  validateConfig(config);
  const cfg: TrainingConfig = { ...config, gradientAccumulation: 1, workers: 1, warmupSteps: 0 };
  const tokens = Math.max(1, Math.min(Math.floor(rowTokens), config.maxSeqLen));
  const runTokens = Math.min(tokens, maxTokens);
  const rows = Math.max(1, Math.min(config.batchSize, Math.floor(maxTokens / runTokens)));
  const scale = (config.batchSize / rows) * (tokens / runTokens) ** 2;
  const vocab = base.model.config.vocabSize;
  const before = tf.memory().numBytes;
  const state = buildTrainableState(base, cfg);
  try {
    const stateBytes = tf.memory().numBytes - before;
    const seqs: Sequence[] = Array.from({ length: rows }, (_, r) => ({
      ids: Array.from({ length: runTokens + 1 }, (_, t) => (r * 31 + t * 7 + 1) % vocab),
      weights: new Array<number>(runTokens).fill(1),
    }));
    const data: PreparedData = {
      seqs, skipped: 0, trainIdx: seqs.map((_, i) => i), evalIdx: [], microPerEpoch: 1, stepsPerEpoch: 1, totalSteps: 1,
      checkpointEvery: 1, padId: base.tokenizer.eosTokenId, fingerprint: "",
    };
    const run: TrainingRun = { base, config: { ...cfg, batchSize: rows }, options: { outputDir: "", checkpointDir: "" }, data, state, pool: null, ckptPath: "", log: [], stepTimes: [] };
    // The profiled step is also the warm-up (the first call of each kernel sets it up). Then steps
    // are timed until MEASURE_STEPS or MEASURE_SECONDS, whichever comes first (at least two): the
    // first ones run code the JavaScript engine has not optimised yet; the median is what stays.
    const profile = await tf.profile(() => trainStep(run, 0).then(() => undefined));
    const times: number[] = [];
    const started = performance.now();
    while (times.length < 2 || (times.length < MEASURE_STEPS && performance.now() - started < MEASURE_SECONDS * 1000)) {
      const t0 = performance.now();
      await trainStep(run, 0);
      times.push((performance.now() - t0) / 1000);
    }
    const seconds = times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    let trainableParameters = 0;
    for (const v of state.trainables.values()) trainableParameters += v.size;
    const stepBytes = Math.max(0, profile.peakBytes - before - stateBytes);
    return {
      seconds: seconds * scale, stepBytes: Math.round(stepBytes * scale), stateBytes, nf4Bytes: state.quantStats?.nf4Bytes ?? 0, trainableParameters,
      measured: { rows, rowTokens: runTokens },
    };
  } finally {
    disposeState(base, state);
  }
}

/** Tokenises, splits off the eval examples by seed, and counts micro-batches and steps. */
function prepareData(base: BaseModel, examples: TrainingExample[], config: TrainingConfig, options: TrainOptions): PreparedData {
  const cfg = base.model.config;
  // learned position tables (GPT-2) end at maxPositions
  const maxSeqLen = cfg.arch.attention.positions === "learned" ? Math.min(config.maxSeqLen, cfg.maxPositions - 1) : config.maxSeqLen;
  const { seqs, skipped } = tokenizeExamples(base, examples, maxSeqLen);
  if (seqs.length === 0) throw new Error(`no usable training examples (${examples.length} given, ${skipped} had nothing to learn after tokenising)`);
  const { train: trainIdx, evalIdx } = splitEval(seqs.length, config.evalFraction, config.seed);
  const { microPerEpoch, stepsPerEpoch, totalSteps } = stepPlan(seqs.length, config);
  const checkpointEvery = options.checkpointEvery ?? Math.max(1, Math.min(50, Math.ceil(totalSteps / 10)));
  const fingerprint = createHash("sha256").update(canonical({ config, base: base.weightsSha256 })).update(JSON.stringify(seqs.map((s) => [s.ids, s.weights]))).digest("hex");
  return { seqs, skipped, trainIdx, evalIdx, microPerEpoch, stepsPerEpoch, totalSteps, checkpointEvery, padId: base.tokenizer.eosTokenId, fingerprint };
}

/** The trainable variables for the method (a copy of every weight, or seeded LoRA adapters) and zeroed AdamW moments. */
function buildTrainableState(base: BaseModel, config: TrainingConfig): TrainableState {
  const cfg = base.model.config;
  let net: Transformer = base.model;
  let lora: LoraSet | null = null;
  const trainables = new Map<string, tf.Variable>();
  let quantStats: { floatBytes: number; nf4Bytes: number } | null = null;
  if (config.method === "full" && base.model.quantized.size > 0) throw new Error("method full needs float weights; this base model was loaded with quantize: \"nf4\" (use lora or qlora, or load it without quantize)");
  if (config.method === "full") {
    for (const name of base.model.params.keys()) {
      const copy = base.model.params.get(name)!.clone();
      trainables.set(name, tf.variable(copy, true, uniqueName(`full.${name}`)));
      copy.dispose();
    }
  } else {
    if (config.method === "qlora") {
      // A view of the base model whose frozen linear weights are NF4; norms and embeddings are shared.
      net = new Transformer(cfg);
      for (const [n, t] of base.model.params) net.params.set(n, t);
      for (const [n, q] of base.model.quantized) net.quantized.set(n, q);
      const saved = new Map(net.params);
      quantStats = quantizeShared(net, saved);
    }
    lora = createLora(cfg, config.lora!, mixSeed(config.seed, 3));
    for (const [path, m] of lora) { trainables.set(`${path}.lora_A`, m.a as tf.Variable); trainables.set(`${path}.lora_B`, m.b as tf.Variable); }
  }
  const names = [...trainables.keys()];
  const adamM = new Map<string, tf.Tensor>(), adamV = new Map<string, tf.Tensor>();
  for (const n of names) { adamM.set(n, tf.zerosLike(trainables.get(n)!)); adamV.set(n, tf.zerosLike(trainables.get(n)!)); }
  const override = config.method === "full" ? (trainables as Map<string, tf.Tensor>) : undefined;
  return { net, lora, trainables, names, override, adamM, adamV, quantStats };
}

function disposeState(base: BaseModel, state: TrainableState): void {
  for (const v of state.trainables.values()) v.dispose();
  for (const t of state.adamM.values()) t.dispose();
  for (const t of state.adamV.values()) t.dispose();
  const net = state.net;
  if (net !== base.model) { net.quantized.clear(); net.params.clear(); net.dispose(); } // a view: only its own caches are freed
}

/** Loads the checkpoint of this job when there is one (variables, moments, log); returns the step to start from. */
function resumeFromCheckpoint(run: TrainingRun): number {
  mkdirSync(run.options.checkpointDir, { recursive: true });
  if (!existsSync(run.ckptPath)) return 0;
  const ck = readSafetensors(run.ckptPath);
  if (ck.metadata.fingerprint !== run.data.fingerprint) {
    throw new Error(`checkpoint ${run.ckptPath} belongs to a different job (other data, config or base model); remove it or use another checkpointDir`);
  }
  run.log = JSON.parse(ck.metadata.log ?? "[]") as StepProgress[];
  const { trainables, adamM, adamV } = run.state;
  for (const n of run.state.names) {
    const get = (k: string): tf.Tensor => { const t = ck.tensors.get(k); if (!t) throw new Error(`checkpoint lacks ${k}`); return tf.tensor(toFloat32(t), t.shape); };
    const p = get(`param/${n}`); trainables.get(n)!.assign(p); p.dispose();
    adamM.get(n)!.dispose(); adamM.set(n, get(`m/${n}`));
    adamV.get(n)!.dispose(); adamV.set(n, get(`v/${n}`));
  }
  return Number(ck.metadata.step);
}

function saveCheckpoint(run: TrainingRun, step: number): void {
  const { trainables, adamM, adamV, names } = run.state;
  const tensors: [string, SafeTensor][] = [];
  for (const n of names) {
    for (const [prefix, t] of [["param", trainables.get(n)!], ["m", adamM.get(n)!], ["v", adamV.get(n)!]] as const) {
      tensors.push([`${prefix}/${n}`, fromFloat32(t.dataSync() as Float32Array, t.shape)]);
    }
  }
  writeSafetensors(run.ckptPath, tensors, { format: "pt", fingerprint: run.data.fingerprint, step: String(step), log: JSON.stringify(run.log) });
}

/** Mean loss over the held-out examples' trained tokens; undefined when none are held out. */
function evaluate(run: TrainingRun): number | undefined {
  const { evalIdx, seqs, padId } = run.data, { net, lora, override } = run.state, batchSize = run.config.batchSize;
  if (evalIdx.length === 0) return undefined;
  let sum = 0, count = 0;
  for (let i = 0; i < evalIdx.length; i += batchSize) {
    const batch = batchTensors(evalIdx.slice(i, i + batchSize).map((j) => seqs[j]!), padId);
    const w = batch.weights.reduce((a, b) => a + b, 0);
    const l = tf.tidy(() => maskedCrossEntropy(net.forward(batch.ids, { lora, override }), batch.targets, batch.weights).dataSync()[0]!);
    sum += l * w; count += w;
  }
  return sum / Math.max(count, 1);
}

/** Data-parallel workers for the threads beyond this one (none for one thread). */
async function startWorkers(base: BaseModel, config: TrainingConfig, state: TrainableState): Promise<GradientWorkers | null> {
  const threads = Math.max(1, Math.min(config.batchSize, Math.floor(config.workers ?? 1), availableParallelism() * 2));
  if (threads <= 1) return null;
  const lora = state.lora;
  return GradientWorkers.start(threads - 1, {
    hfConfig: base.config, tensors: base.model.exportTensors("F32"), quantize: config.method === "qlora" || base.model.quantized.size > 0, method: config.method,
    lora: lora ? [...lora].map(([path, m]) => ({ path, aShape: m.a.shape, bShape: m.b.shape, scale: m.scale, dropout: m.dropout })) : [],
  });
}

/** One optimizer step: accumulate the step's micro-batches, clip, AdamW; returns its progress line. */
async function trainStep(run: TrainingRun, step: number): Promise<StepProgress> {
  const { config, data } = run;
  const t0 = performance.now();
  const epoch = Math.floor(step / data.stepsPerEpoch);
  const order = new Rng(mixSeed(config.seed, 2, epoch)).shuffle(data.trainIdx);
  const firstMicro = (step % data.stepsPerEpoch) * config.gradientAccumulation;
  const lastMicro = Math.min(firstMicro + config.gradientAccumulation, data.microPerEpoch);
  const micros = lastMicro - firstMicro;
  let gradSum: Map<string, tf.Tensor> | null = null;
  let lossSum = 0, tokens = 0;
  for (let mb = firstMicro; mb < lastMicro; mb++) {
    const rows = order.slice(mb * config.batchSize, (mb + 1) * config.batchSize).map((j) => data.seqs[j]!);
    const micro = await microBatchGradients(run, rows, mixSeed(config.seed, 4, step, mb) % 2147483647);
    for (const l of micro.losses) lossSum += l; // in the order of the threads, as they have always been summed
    tokens += micro.tokens;
    gradSum = addGradients(run.state.names, gradSum, micro.grads);
  }
  const lr = learningRateAt(step, data.totalSteps, config.warmupSteps, config.learningRate);
  applyAdamW(run, step, gradSum!, micros, lr);
  const dt = (performance.now() - t0) / 1000;
  run.stepTimes.push(dt);
  if (run.stepTimes.length > 20) run.stepTimes = run.stepTimes.slice(-20);
  const avg = run.stepTimes.reduce((a, b) => a + b, 0) / run.stepTimes.length;
  return {
    step: step + 1, totalSteps: data.totalSteps, epoch: epoch + 1, loss: lossSum / micros,
    tokensPerSecond: tokens / dt, etaSeconds: avg * (data.totalSteps - step - 1), learningRate: lr,
  };
}

/** Losses (one per thread) and summed gradients of one micro-batch, its rows shared between this thread and the workers. */
async function microBatchGradients(run: TrainingRun, rows: Sequence[], dropoutSeed: number): Promise<{ losses: number[]; tokens: number; grads: Map<string, tf.Tensor> }> {
  const { pool, state } = run, { names, trainables, net, lora, override } = state;
  const denominator = Math.max(1, rows.reduce((a, r) => a + r.weights.reduce((x, y) => x + y, 0), 0));
  let tokens = 0;
  // share k of the rows goes to thread k (0 = this one); one thread means one share of all rows
  const shares: (ShareInput | null)[] = splitRows(rows, pool ? pool.size + 1 : 1).map((part, k) => {
    if (part.length === 0) return null;
    const b = batchTensors(part, run.data.padId);
    tokens += b.tokens;
    return { ids: b.ids, targets: b.targets, weights: b.weights, denominator, dropoutSeed: pool ? mixSeed(dropoutSeed, k) % 2147483647 : dropoutSeed };
  });
  let remote: Promise<({ loss: number; grads: Record<string, Float32Array> } | null)[]> | null = null;
  if (pool) {
    const values: Record<string, Float32Array> = {};
    for (const n of names) values[n] = trainables.get(n)!.dataSync() as Float32Array;
    remote = pool.run(values, shares.slice(1));
  }
  const own = shares[0]!;
  const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(net.forward(own.ids, { lora, override, dropoutSeed: own.dropoutSeed }), own.targets, own.weights, own.denominator), names.map((n) => trainables.get(n)!));
  const losses = [value.dataSync()[0]!];
  value.dispose();
  const micro = new Map(names.map((n) => [n, grads[trainables.get(n)!.name]!]));
  if (remote) for (const r of await remote) {
    if (!r) continue;
    losses.push(r.loss);
    for (const n of names) { const s = micro.get(n)!; micro.set(n, tf.tidy(() => tf.add(s, tf.tensor(r.grads[n]!, s.shape)))); s.dispose(); }
  }
  return { losses, tokens, grads: micro };
}

/** sum + micro, disposing both inputs (the first micro-batch becomes the sum). */
function addGradients(names: string[], sum: Map<string, tf.Tensor> | null, micro: Map<string, tf.Tensor>): Map<string, tf.Tensor> {
  if (!sum) return micro;
  for (const n of names) { const g = micro.get(n)!; const s = sum.get(n)!; sum.set(n, tf.add(s, g)); s.dispose(); g.dispose(); }
  return sum;
}

const ADAM_B1 = 0.9, ADAM_B2 = 0.999, ADAM_EPS = 1e-8;

/** Averages the summed gradients over the micro-batches, clips the global norm, and applies AdamW (disposes the gradients). */
function applyAdamW(run: TrainingRun, step: number, gradSum: Map<string, tf.Tensor>, micros: number, lr: number): void {
  const { names, trainables, adamM, adamV } = run.state;
  // clip the global gradient norm (as transformers' Trainer does, max_grad_norm 1.0 by default)
  const maxNorm = run.config.maxGradNorm ?? 1;
  let clip = 1 / micros;
  if (maxNorm > 0) {
    const sq = tf.tidy(() => tf.addN(names.map((n) => tf.sum(tf.square(gradSum.get(n)!)))).dataSync()[0]!);
    const norm = Math.sqrt(sq) / micros;
    if (norm > maxNorm) clip *= maxNorm / (norm + 1e-6);
  }
  const t = step + 1;
  const bc1 = 1 - Math.pow(ADAM_B1, t), bc2 = 1 - Math.pow(ADAM_B2, t);
  for (const n of names) {
    const p = trainables.get(n)!;
    const decay = p.shape.length >= 2 ? run.config.weightDecay : 0; // no decay on biases and norms
    const [m, v, next] = tf.tidy(() => {
      const g = tf.mul(gradSum.get(n)!, clip);
      const m = tf.add(tf.mul(adamM.get(n)!, ADAM_B1), tf.mul(g, 1 - ADAM_B1));
      const v = tf.add(tf.mul(adamV.get(n)!, ADAM_B2), tf.mul(tf.square(g), 1 - ADAM_B2));
      const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), ADAM_EPS));
      const next = tf.sub(p, tf.mul(tf.add(update, tf.mul(p, decay)), lr));
      return [m, v, next];
    });
    p.assign(next); next.dispose();
    adamM.get(n)!.dispose(); adamM.set(n, m);
    adamV.get(n)!.dispose(); adamV.set(n, v);
    gradSum.get(n)!.dispose();
  }
}

/** Writes the adapter (or full weights, config and tokenizer) and training_log.json; returns the result with file hashes. */
function writeOutputs(run: TrainingRun, given: number, started: number): TrainingResult {
  const { base, config, options, data, state, log } = run;
  const cfg = base.model.config;
  mkdirSync(options.outputDir, { recursive: true });
  const finalEval = log.length ? log[log.length - 1]!.evalLoss : evaluate(run);
  const finalLoss = log.length ? log[log.length - 1]!.loss : NaN;
  const written: string[] = [];
  if (state.lora) {
    const cfgText = adapterConfigJson(cfg, config.lora!, basename(base.dir));
    writeSafetensors(join(options.outputDir, "adapter_model.safetensors"), exportLora(state.lora), { format: "pt", adapter_config: cfgText });
    writeFileSync(join(options.outputDir, "adapter_config.json"), cfgText);
    written.push("adapter_model.safetensors", "adapter_config.json");
  } else {
    writeSafetensors(join(options.outputDir, "model.safetensors"), base.model.exportTensors(options.saveDtype ?? "F32", state.override), { format: "pt" });
    written.push("model.safetensors");
    for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
      if (existsSync(join(base.dir, f))) { copyFileSync(join(base.dir, f), join(options.outputDir, f)); written.push(f); }
    }
  }
  const trainingLog = {
    method: config.method, config, baseModel: { dir: base.dir, weightsSha256: base.weightsSha256, modelType: cfg.modelType },
    examples: { given, used: data.seqs.length, skipped: data.skipped, train: data.trainIdx.length, eval: data.evalIdx.length },
    totalSteps: data.totalSteps, finalLoss, evalLoss: finalEval, quantization: state.quantStats, seconds: (performance.now() - started) / 1000, steps: log,
  };
  writeFileSync(join(options.outputDir, "training_log.json"), JSON.stringify(trainingLog, null, 2));
  written.push("training_log.json");
  const result: TrainingResult = { outputDir: options.outputDir, files: fileEntries(options.outputDir, written), log, finalLoss };
  if (finalEval !== undefined) result.evalLoss = finalEval;
  return result;
}

/** Quantises the linear weights of a view without disposing the base model's float tensors it shares. */
function quantizeShared(view: Transformer, shared: Map<string, tf.Tensor>): { floatBytes: number; nf4Bytes: number } {
  // quantizeLinears disposes what it replaces; give it clones so the shared base stays intact.
  for (const [n, t] of shared) if (n.endsWith(".weight") && t.shape.length === 2) view.params.set(n, t.clone());
  view.quantizeLinears();
  for (const [n, t] of view.params) if (t !== shared.get(n)) { t.dispose(); view.params.set(n, shared.get(n)!); }
  let floatBytes = 0, nf4 = 0;
  for (const q of view.quantized.values()) { floatBytes += q.length * 4; nf4 += q.codes.byteLength + q.absmax.byteLength; }
  return { floatBytes, nf4Bytes: nf4 };
}
