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

export function splitEval(n: number, fraction: number, seed: number): { train: number[]; evalIdx: number[] } {
  const order = new Rng(mixSeed(seed, 1)).shuffle([...Array(n).keys()]);
  const nEval = fraction > 0 && n >= 2 ? Math.min(n - 1, Math.max(1, Math.round(n * fraction))) : 0;
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

export async function train(base: BaseModel, examples: TrainingExample[], config: TrainingConfig, options: TrainOptions): Promise<TrainingResult> {
  validateConfig(config);
  const started = performance.now();
  const cfg = base.model.config;
  const maxSeqLen = cfg.arch.attention.positions === "learned" ? Math.min(config.maxSeqLen, cfg.maxPositions - 1) : config.maxSeqLen;
  const { seqs, skipped } = tokenizeExamples(base, examples, maxSeqLen);
  if (seqs.length === 0) throw new Error(`no usable training examples (${examples.length} given, ${skipped} had nothing to learn after tokenising)`);
  const { train: trainIdx, evalIdx } = splitEval(seqs.length, config.evalFraction, config.seed);
  const microPerEpoch = Math.ceil(trainIdx.length / config.batchSize);
  const stepsPerEpoch = Math.ceil(microPerEpoch / config.gradientAccumulation);
  const totalSteps = stepsPerEpoch * config.epochs;
  const checkpointEvery = options.checkpointEvery ?? Math.max(1, Math.min(50, Math.ceil(totalSteps / 10)));
  const padId = base.tokenizer.eosTokenId;

  // The fingerprint ties a checkpoint to this exact job; a different job never resumes from it.
  const fingerprint = createHash("sha256").update(canonical({ config, base: base.weightsSha256 })).update(JSON.stringify(seqs.map((s) => [s.ids, s.weights]))).digest("hex");

  // ---- trainable state ----
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

  // ---- resume ----
  mkdirSync(options.checkpointDir, { recursive: true });
  const ckptPath = join(options.checkpointDir, "checkpoint.safetensors");
  let startStep = 0;
  let log: StepProgress[] = [];
  if (existsSync(ckptPath)) {
    const ck = readSafetensors(ckptPath);
    if (ck.metadata.fingerprint !== fingerprint) {
      throw new Error(`checkpoint ${ckptPath} belongs to a different job (other data, config or base model); remove it or use another checkpointDir`);
    }
    startStep = Number(ck.metadata.step);
    log = JSON.parse(ck.metadata.log ?? "[]") as StepProgress[];
    for (const n of names) {
      const get = (k: string): tf.Tensor => { const t = ck.tensors.get(k); if (!t) throw new Error(`checkpoint lacks ${k}`); return tf.tensor(toFloat32(t), t.shape); };
      const p = get(`param/${n}`); trainables.get(n)!.assign(p); p.dispose();
      adamM.get(n)!.dispose(); adamM.set(n, get(`m/${n}`));
      adamV.get(n)!.dispose(); adamV.set(n, get(`v/${n}`));
    }
  }
  const saveCheckpoint = (step: number): void => {
    const tensors: [string, SafeTensor][] = [];
    for (const n of names) {
      for (const [prefix, t] of [["param", trainables.get(n)!], ["m", adamM.get(n)!], ["v", adamV.get(n)!]] as const) {
        tensors.push([`${prefix}/${n}`, fromFloat32(t.dataSync() as Float32Array, t.shape)]);
      }
    }
    writeSafetensors(ckptPath, tensors, { format: "pt", fingerprint, step: String(step), log: JSON.stringify(log) });
  };

  const evalLoss = (): number | undefined => {
    if (evalIdx.length === 0) return undefined;
    let sum = 0, count = 0;
    for (let i = 0; i < evalIdx.length; i += config.batchSize) {
      const batch = batchTensors(evalIdx.slice(i, i + config.batchSize).map((j) => seqs[j]!), padId);
      const w = batch.weights.reduce((a, b) => a + b, 0);
      const l = tf.tidy(() => maskedCrossEntropy(net.forward(batch.ids, { lora, override }), batch.targets, batch.weights).dataSync()[0]!);
      sum += l * w; count += w;
    }
    return sum / Math.max(count, 1);
  };

  // ---- data-parallel workers (threads beyond this one) ----
  const threads = Math.max(1, Math.min(config.batchSize, Math.floor(config.workers ?? 1), availableParallelism() * 2));
  let pool: GradientWorkers | null = null;
  if (threads > 1) {
    pool = await GradientWorkers.start(threads - 1, {
      hfConfig: base.config, tensors: base.model.exportTensors("F32"), quantize: config.method === "qlora" || base.model.quantized.size > 0, method: config.method,
      lora: lora ? [...lora].map(([path, m]) => ({ path, aShape: m.a.shape, bShape: m.b.shape, scale: m.scale, dropout: m.dropout })) : [],
    });
  }

  // ---- loop ----
  const b1 = 0.9, b2 = 0.999, eps = 1e-8;
  let stepTimes: number[] = [];
  try {
    for (let step = startStep; step < totalSteps; step++) {
      if (options.signal?.aborted) throw abortError();
      const t0 = performance.now();
      const epoch = Math.floor(step / stepsPerEpoch);
      const order = new Rng(mixSeed(config.seed, 2, epoch)).shuffle(trainIdx);
      const firstMicro = (step % stepsPerEpoch) * config.gradientAccumulation;
      const lastMicro = Math.min(firstMicro + config.gradientAccumulation, microPerEpoch);
      const micros = lastMicro - firstMicro;
      let gradSum: Map<string, tf.Tensor> | null = null;
      let lossSum = 0, tokens = 0;
      for (let mb = firstMicro; mb < lastMicro; mb++) {
        const rows = order.slice(mb * config.batchSize, (mb + 1) * config.batchSize).map((j) => seqs[j]!);
        const dropoutSeed = mixSeed(config.seed, 4, step, mb) % 2147483647;
        const denominator = Math.max(1, rows.reduce((a, r) => a + r.weights.reduce((x, y) => x + y, 0), 0));
        // share k of the rows goes to thread k (0 = this one); one thread means one share of all rows
        const shares: (ShareInput | null)[] = splitRows(rows, pool ? pool.size + 1 : 1).map((part, k) => {
          if (part.length === 0) return null;
          const b = batchTensors(part, padId);
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
        lossSum += value.dataSync()[0]!;
        value.dispose();
        const micro = new Map(names.map((n) => [n, grads[trainables.get(n)!.name]!]));
        if (remote) for (const r of await remote) {
          if (!r) continue;
          lossSum += r.loss;
          for (const n of names) { const s = micro.get(n)!; micro.set(n, tf.tidy(() => tf.add(s, tf.tensor(r.grads[n]!, s.shape)))); s.dispose(); }
        }
        if (!gradSum) gradSum = micro;
        else for (const n of names) { const g = micro.get(n)!; const s = gradSum.get(n)!; gradSum.set(n, tf.add(s, g)); s.dispose(); g.dispose(); }
      }
      const lr = learningRateAt(step, totalSteps, config.warmupSteps, config.learningRate);
      // clip the global gradient norm (as transformers' Trainer does, max_grad_norm 1.0 by default)
      const maxNorm = config.maxGradNorm ?? 1;
      let clip = 1 / micros;
      if (maxNorm > 0) {
        const sq = tf.tidy(() => tf.addN(names.map((n) => tf.sum(tf.square(gradSum!.get(n)!)))).dataSync()[0]!);
        const norm = Math.sqrt(sq) / micros;
        if (norm > maxNorm) clip *= maxNorm / (norm + 1e-6);
      }
      const t = step + 1;
      const bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
      for (const n of names) {
        const p = trainables.get(n)!;
        const decay = p.shape.length >= 2 ? config.weightDecay : 0; // no decay on biases and norms
        const [m, v, next] = tf.tidy(() => {
          const g = tf.mul(gradSum!.get(n)!, clip);
          const m = tf.add(tf.mul(adamM.get(n)!, b1), tf.mul(g, 1 - b1));
          const v = tf.add(tf.mul(adamV.get(n)!, b2), tf.mul(tf.square(g), 1 - b2));
          const update = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), eps));
          const next = tf.sub(p, tf.mul(tf.add(update, tf.mul(p, decay)), lr));
          return [m, v, next];
        });
        p.assign(next); next.dispose();
        adamM.get(n)!.dispose(); adamM.set(n, m);
        adamV.get(n)!.dispose(); adamV.set(n, v);
        gradSum!.get(n)!.dispose();
      }
      const dt = (performance.now() - t0) / 1000;
      stepTimes.push(dt);
      if (stepTimes.length > 20) stepTimes = stepTimes.slice(-20);
      const avg = stepTimes.reduce((a, b) => a + b, 0) / stepTimes.length;
      const progress: StepProgress = {
        step: step + 1, totalSteps, epoch: epoch + 1, loss: lossSum / micros,
        tokensPerSecond: tokens / dt, etaSeconds: avg * (totalSteps - step - 1), learningRate: lr,
      };
      const isCheckpoint = (step + 1) % checkpointEvery === 0 || step + 1 === totalSteps;
      if (isCheckpoint) { const e = evalLoss(); if (e !== undefined) progress.evalLoss = e; }
      log.push(progress);
      if (isCheckpoint) saveCheckpoint(step + 1);
      options.onProgress?.(progress);
      await new Promise((r) => setImmediate(r)); // lets cancellation and servers in this process run
    }

    // ---- exports ----
    mkdirSync(options.outputDir, { recursive: true });
    const finalEval = log.length ? log[log.length - 1]!.evalLoss : evalLoss();
    const finalLoss = log.length ? log[log.length - 1]!.loss : NaN;
    const written: string[] = [];
    if (lora) {
      const cfgText = adapterConfigJson(cfg, config.lora!, basename(base.dir));
      writeSafetensors(join(options.outputDir, "adapter_model.safetensors"), exportLora(lora), { format: "pt", adapter_config: cfgText });
      writeFileSync(join(options.outputDir, "adapter_config.json"), cfgText);
      written.push("adapter_model.safetensors", "adapter_config.json");
    } else {
      writeSafetensors(join(options.outputDir, "model.safetensors"), base.model.exportTensors(options.saveDtype ?? "F32", override), { format: "pt" });
      written.push("model.safetensors");
      for (const f of ["config.json", "tokenizer.json", "tokenizer_config.json"]) {
        if (existsSync(join(base.dir, f))) { copyFileSync(join(base.dir, f), join(options.outputDir, f)); written.push(f); }
      }
    }
    const trainingLog = {
      method: config.method, config, baseModel: { dir: base.dir, weightsSha256: base.weightsSha256, modelType: cfg.modelType },
      examples: { given: examples.length, used: seqs.length, skipped, train: trainIdx.length, eval: evalIdx.length },
      totalSteps, finalLoss, evalLoss: finalEval, quantization: quantStats, seconds: (performance.now() - started) / 1000, steps: log,
    };
    writeFileSync(join(options.outputDir, "training_log.json"), JSON.stringify(trainingLog, null, 2));
    written.push("training_log.json");
    const result: TrainingResult = { outputDir: options.outputDir, files: fileEntries(options.outputDir, written), log, finalLoss };
    if (finalEval !== undefined) result.evalLoss = finalEval;
    return result;
  } finally {
    await pool?.close();
    for (const v of trainables.values()) v.dispose();
    for (const t of adamM.values()) t.dispose();
    for (const t of adamV.values()) t.dispose();
    if (net !== base.model) { net.quantized.clear(); net.params.clear(); net.dispose(); } // a view: only its own caches are freed
  }
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
