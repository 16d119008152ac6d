// A job's cost before it starts: its step count by the same arithmetic as `train`, and its memory
// and time from one real step of the job's settings measured here (see `measureStep`), so the
// figures follow the engine as it changes instead of a model of it.
import type { BaseModel } from "./base-model.ts";
import { measureStep, stepPlan } from "./train.ts";
import type { DataAmount, TrainingConfig, TrainingEstimate } from "./types.ts";

export async function estimateTraining(base: BaseModel, config: TrainingConfig, data: DataAmount, options: { measureTokens?: number } = {}): Promise<TrainingEstimate> {
  if (!(data.examples >= 1)) throw new Error(`an estimate needs at least one example, got ${data.examples}`);
  const plan = stepPlan(data.examples, config);
  const cfg = base.model.config;
  const window = cfg.arch.attention.positions === "learned" ? Math.min(config.maxSeqLen, cfg.maxPositions - 1) : config.maxSeqLen;
  const rowTokens = Math.max(1, Math.min(window, Math.ceil(data.tokens / data.examples) - 1));
  const measured = await measureStep(base, config, rowTokens, options.measureTokens);
  let weights = 0, parameters = 0;
  for (const t of base.model.params.values()) { weights += t.size * 4; parameters += t.size; }
  for (const q of base.model.quantized.values()) { weights += q.codes.byteLength + q.absmax.byteLength; parameters += q.length; }
  // Accumulating keeps the sum of the earlier micro-batches' gradients beside the next one's.
  const gradientSum = config.gradientAccumulation > 1 ? measured.trainableParameters * 4 : 0;
  const trainingState = measured.stateBytes + measured.nf4Bytes + gradientSum;
  const microBatches = plan.microPerEpoch * config.epochs;
  return {
    examples: { train: plan.train, eval: plan.eval },
    rowTokens,
    microBatches,
    steps: plan.totalSteps,
    parameters,
    trainableParameters: measured.trainableParameters,
    memoryBytes: { weights, trainingState, step: measured.stepBytes, total: weights + trainingState + measured.stepBytes },
    measured: measured.measured,
    secondsPerMicroBatch: measured.seconds,
    seconds: measured.seconds * microBatches,
  };
}
