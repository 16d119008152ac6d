// The estimate against the run it predicts: a real `train` of the same settings under the tensor
// profiler. Its step count must be exact; its tensor memory close to the run's measured peak.
import { describe, expect, it, beforeAll } from "vitest";
import { join } from "node:path";
import { tf } from "../../src/engine/backend.ts";
import { estimate, initBackend, loadBaseModel, train, type BaseModel, type TrainingConfig, type TrainingExample } from "../../src/engine/index.ts";
import { readSafetensors } from "../../src/engine/safetensors.ts";
import { tempDir, writeTinyModel } from "./helpers.ts";

let base: BaseModel;
beforeAll(async () => {
  await initBackend();
  base = await loadBaseModel(writeTinyModel("llama", { hidden_size: 64, intermediate_size: 128 }, { std: 0.05, seed: 5 }));
});

/** Texts of similar length (a micro-batch pads to its longest row, which the estimate's average row does not see). */
const examples: TrainingExample[] = Array.from({ length: 9 }, (_, i) => ({ text: `Example ${i}: ${"the quick brown fox jumps over the lazy dog ".repeat(3)}` }));

function config(over: Partial<TrainingConfig>): TrainingConfig {
  return {
    method: "lora", learningRate: 1e-3, epochs: 2, batchSize: 2, gradientAccumulation: 1, maxSeqLen: 96, warmupSteps: 0,
    weightDecay: 0, seed: 3, evalFraction: 0.2, lora: { rank: 8, alpha: 16, dropout: 0, targetModules: ["q_proj", "v_proj"] }, ...over,
  };
}

function dataOf(c: TrainingConfig): { examples: number; tokens: number } {
  let tokens = 0;
  for (const e of examples) if ("text" in e) tokens += Math.min(c.maxSeqLen + 1, base.tokenizer.encode(e.text).length + 1);
  return { examples: examples.length, tokens };
}

describe("estimateTraining", () => {
  for (const over of [{ method: "lora" as const }, { method: "lora" as const, gradientAccumulation: 2, batchSize: 3 }, { method: "qlora" as const }, { method: "full" as const, lora: undefined }]) {
    it(`predicts the steps exactly and the tensor memory of a real run (${JSON.stringify(over)})`, async () => {
      const c = config(over);
      const e = await estimate(base, c, dataOf(c));
      const out = tempDir();
      const before = tf.memory().numBytes;
      let result: Awaited<ReturnType<typeof train>> | undefined;
      const profile = await tf.profile(async () => { result = await train(base, examples, c, { outputDir: out, checkpointDir: tempDir() }); });
      const measured = profile.peakBytes - before;
      // Everything but the base weights (already held before the run) is the run's own; QLoRA's NF4
      // copies are not tensors, so the profiler does not see them: they are a few percent here.
      const predicted = e.memoryBytes.trainingState + e.memoryBytes.step;
      expect(predicted / measured).toBeGreaterThan(0.9);
      expect(predicted / measured).toBeLessThan(1.1);
      expect(e.memoryBytes.total).toBe(e.memoryBytes.weights + predicted);
      expect(e.memoryBytes.weights).toBe(e.parameters * 4);
      // Trainable parameters: every weight, or the adapter the run wrote.
      const adapter = c.method === "full" ? null : readSafetensors(join(out, "adapter_model.safetensors"));
      const adapterParameters = adapter ? [...adapter.tensors.values()].reduce((n, t) => n + t.shape.reduce((a, b) => a * b, 1), 0) : 0;
      expect(e.trainableParameters).toBe(c.method === "full" ? e.parameters : adapterParameters);
      expect(e.seconds).toBeCloseTo(e.secondsPerMicroBatch * e.microBatches, 9);
      expect(e.steps).toBe(result!.log.at(-1)!.totalSteps);
      expect(e.steps).toBe(result!.log.length);
    });
  }

  it("measures outsized settings on a smaller micro-batch and scales it, staying close to the real run", async () => {
    const c = config({ batchSize: 4 });
    // A cap of 100 tokens: one 96-token row is run, and the step scaled by 4 rows.
    const e = await estimate(base, c, dataOf(c), { measureTokens: 100 });
    expect(e.measured).toEqual({ rows: 1, rowTokens: 96 });
    const full = await estimate(base, c, dataOf(c));
    expect(full.measured).toEqual({ rows: 4, rowTokens: 96 });
    // Activations grow with rows; the step's fixed part (gradients, optimizer temporaries) is small for LoRA.
    expect(e.memoryBytes.step / full.memoryBytes.step).toBeGreaterThan(0.9);
    expect(e.memoryBytes.step / full.memoryBytes.step).toBeLessThan(1.25);
  });
});
