import { describe, expect, it, beforeAll } from "vitest";
import { readFileSync, existsSync } from "node:fs";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { initBackend } from "../../src/engine/backend.ts";
import { loadBaseModel, train, generate, loadAdapter, type TrainingConfig, type TrainingExample, type BaseModel } from "../../src/engine/index.ts";
import { learningRateAt, splitEval } from "../../src/engine/train.ts";
import { tempDir, writeTinyModel } from "./helpers.ts";

beforeAll(async () => { await initBackend(); });

const QA: [string, string][] = [
  ["What colour is the sky?", "Blue."],
  ["Name a fruit.", "Apple."],
  ["What is two plus two?", "Four."],
  ["Say hi.", "Hi there!"],
];
const chats: TrainingExample[] = QA.map(([q, a]) => ({ messages: [{ role: "user", content: q }, { role: "assistant", content: a }] }));

function cfg(over: Partial<TrainingConfig> = {}): TrainingConfig {
  return {
    method: "lora", learningRate: 1e-2, epochs: 2, batchSize: 2, gradientAccumulation: 1, maxSeqLen: 64, warmupSteps: 1,
    weightDecay: 0.01, seed: 11, evalFraction: 0, lora: { rank: 4, alpha: 8, dropout: 0.1, targetModules: ["q_proj", "v_proj"] }, ...over,
  };
}

let base: BaseModel;
beforeAll(async () => { base = await loadBaseModel(writeTinyModel("llama", { hidden_size: 48, intermediate_size: 96 }, { std: 0.05, seed: 21 })); });

describe("training", () => {
  it("drives the loss down and then answers a training prompt with the trained answer (greedy)", async () => {
    const out = tempDir();
    const base = await loadBaseModel(writeTinyModel("llama", { hidden_size: 48, intermediate_size: 96 }, { std: 0.2, seed: 21 }));
    const r = await train(base, chats, cfg({ epochs: 60, batchSize: 4, learningRate: 2e-2, warmupSteps: 4, weightDecay: 0, lora: { rank: 8, alpha: 16, dropout: 0, targetModules: ["all-linear"] } }), { outputDir: out, checkpointDir: tempDir() });
    expect(r.log.length).toBe(60);
    expect(r.log[0]!.loss).toBeGreaterThan(3);
    expect(r.finalLoss).toBeLessThan(0.3);
    const adapter = await loadAdapter(base, out);
    for (const [q, a] of QA.slice(0, 2)) {
      const prompt = base.tokenizer.applyChatTemplate([{ role: "user", content: q }], true);
      const g = await generate(base, adapter, prompt, { maxTokens: 20, temperature: 0, topP: 1 });
      expect(g.text).toBe(a);
      expect(g.finishReason).toBe("stop"); // ended on <|im_end|>
    }
    const plain = await generate(base, null, base.tokenizer.applyChatTemplate([{ role: "user", content: QA[0]![0] }], true), { maxTokens: 8, temperature: 0, topP: 1 });
    expect(plain.text).not.toBe(QA[0]![1]);
    adapter.dispose();
    // artifacts and their hashes
    for (const f of r.files) {
      const bytes = readFileSync(join(out, f.name));
      expect(f.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
      expect(f.bytes).toBe(bytes.length);
    }
    expect(r.files.map((f) => f.name)).toEqual(["adapter_model.safetensors", "adapter_config.json", "training_log.json"]);
    const log = JSON.parse(readFileSync(join(out, "training_log.json"), "utf8"));
    expect(log.steps.length).toBe(60);
    base.dispose();
  });

  it("gives the same loss curve for the same seed and data, bit for bit, and another curve for another seed", async () => {
    const c = cfg({ gradientAccumulation: 2, batchSize: 1, epochs: 2 });
    const a = await train(base, chats, c, { outputDir: tempDir(), checkpointDir: tempDir() });
    const b = await train(base, chats, c, { outputDir: tempDir(), checkpointDir: tempDir() });
    const d = await train(base, chats, { ...c, seed: 12 }, { outputDir: tempDir(), checkpointDir: tempDir() });
    expect(a.log.map((s) => s.loss)).toEqual(b.log.map((s) => s.loss));
    expect(a.files[0]!.sha256).toBe(b.files[0]!.sha256);
    expect(d.log.map((s) => s.loss)).not.toEqual(a.log.map((s) => s.loss));
  });

  for (const method of ["lora", "full", "qlora"] as const) {
    it(`${method}: resume after an abort equals the uninterrupted run`, async () => {
      const c = cfg({ method, epochs: 3, gradientAccumulation: 2, batchSize: 1, learningRate: method === "full" ? 3e-3 : 1e-2, evalFraction: 0.25 });
      const whole = await train(base, chats, c, { outputDir: tempDir(), checkpointDir: tempDir(), checkpointEvery: 2 });
      expect(whole.log.length).toBe(6); // 3 train examples / (1 × 2) → 2 steps per epoch
      const ck = tempDir(), out = tempDir();
      const controller = new AbortController();
      const first = train(base, chats, c, { outputDir: out, checkpointDir: ck, checkpointEvery: 2, signal: controller.signal, onProgress: (p) => { if (p.step === 3) controller.abort(); } });
      await expect(first).rejects.toMatchObject({ name: "AbortError" });
      expect(existsSync(join(ck, "checkpoint.safetensors"))).toBe(true);
      expect(existsSync(join(out, "training_log.json"))).toBe(false);
      const steps: number[] = [];
      const resumed = await train(base, chats, c, { outputDir: out, checkpointDir: ck, checkpointEvery: 2, onProgress: (p) => steps.push(p.step) });
      expect(steps).toEqual([3, 4, 5, 6]); // restarted after the checkpoint at step 2
      expect(resumed.log.map((s) => s.loss)).toEqual(whole.log.map((s) => s.loss));
      expect(resumed.evalLoss).toBe(whole.evalLoss);
      expect(resumed.evalLoss).toBeGreaterThan(0);
      expect(resumed.files[0]!.sha256).toBe(whole.files[0]!.sha256);
    });
  }

  it("refuses to resume a checkpoint of another job, and accepts the same config written in another key order", async () => {
    const ck = tempDir();
    const first = await train(base, chats, cfg({ epochs: 1 }), { outputDir: tempDir(), checkpointDir: ck });
    const reordered = Object.fromEntries(Object.entries(cfg({ epochs: 1 })).reverse()) as unknown as TrainingConfig;
    const again = await train(base, chats, reordered, { outputDir: tempDir(), checkpointDir: ck });
    expect(again.files[0]!.sha256).toBe(first.files[0]!.sha256);
    await expect(train(base, chats, cfg({ epochs: 1, seed: 99 }), { outputDir: tempDir(), checkpointDir: ck })).rejects.toThrow(/different job/);
  });

  it("validates the config with the field and the rule", async () => {
    await expect(train(base, chats, cfg({ batchSize: 0 }), { outputDir: tempDir(), checkpointDir: tempDir() })).rejects.toThrow(/batchSize must be an integer ≥ 1/);
    await expect(train(base, chats, cfg({ lora: undefined }), { outputDir: tempDir(), checkpointDir: tempDir() })).rejects.toThrow(/lora is required/);
  });

  it("trains plain text examples too, and full fine-tuning writes model.safetensors that loads", async () => {
    const out = tempDir();
    const texts: TrainingExample[] = ["the cat sat on the mat.", "the dog sat on the log."].map((text) => ({ text }));
    const r = await train(base, texts, cfg({ method: "full", learningRate: 3e-3, epochs: 10 }), { outputDir: out, checkpointDir: tempDir() });
    expect(r.finalLoss).toBeLessThan(r.log[0]!.loss * 0.7);
    const tuned = await loadBaseModel(out);
    expect(tuned.model.paramCount()).toBe(base.model.paramCount());
    tuned.dispose();
  });
});

describe("schedule and split", () => {
  it("warms up linearly then decays by a cosine to zero", () => {
    expect(learningRateAt(0, 100, 10, 1)).toBeCloseTo(0.1);
    expect(learningRateAt(9, 100, 10, 1)).toBeCloseTo(1);
    expect(learningRateAt(10, 100, 10, 1)).toBeCloseTo(1);
    expect(learningRateAt(55, 100, 10, 1)).toBeCloseTo(0.5);
    expect(learningRateAt(100, 100, 10, 1)).toBeCloseTo(0);
  });
  it("holds out a seeded evalFraction and never leaves training empty", () => {
    const s = splitEval(20, 0.1, 1);
    expect(s.evalIdx.length).toBe(2);
    expect(new Set([...s.train, ...s.evalIdx]).size).toBe(20);
    expect(splitEval(20, 0.1, 1)).toEqual(s);
    expect(splitEval(2, 0.9, 1).train.length).toBe(1);
  });
});

describe("data-parallel workers", () => {
  it("two threads give the one-thread gradients (full, no dropout) and resume exactly", async () => {
    const c = cfg({ method: "full", learningRate: 3e-3, epochs: 2, batchSize: 4, lora: undefined });
    const one = await train(base, chats, c, { outputDir: tempDir(), checkpointDir: tempDir() });
    const two = await train(base, chats, { ...c, workers: 2 }, { outputDir: tempDir(), checkpointDir: tempDir() });
    two.log.forEach((s, i) => expect(Math.abs(s.loss - one.log[i]!.loss)).toBeLessThan(1e-4));
    // LoRA with dropout on two threads: resume after an abort equals the uninterrupted two-thread run
    const l = cfg({ epochs: 2, batchSize: 2, gradientAccumulation: 1, workers: 2 });
    const whole = await train(base, chats, l, { outputDir: tempDir(), checkpointDir: tempDir(), checkpointEvery: 1 });
    const ck = tempDir(), ctl = new AbortController();
    await expect(train(base, chats, l, { outputDir: tempDir(), checkpointDir: ck, checkpointEvery: 1, signal: ctl.signal, onProgress: (p) => { if (p.step === 2) ctl.abort(); } })).rejects.toMatchObject({ name: "AbortError" });
    const resumed = await train(base, chats, l, { outputDir: tempDir(), checkpointDir: ck, checkpointEvery: 1 });
    expect(resumed.log.map((s) => s.loss)).toEqual(whole.log.map((s) => s.loss));
    expect(resumed.files[0]!.sha256).toBe(whole.files[0]!.sha256);
  });
});

describe("memory", () => {
  it("training, generation, adapters and merging leave no tensors behind", async () => {
    const { tf } = await import("../../src/engine/backend.ts");
    const { mergeAdapter } = await import("../../src/engine/index.ts");
    const run = async () => {
      for (const method of ["lora", "qlora", "full"] as const) {
        const out = tempDir();
        await train(base, chats, cfg({ method, epochs: 1, gradientAccumulation: 2, batchSize: 1, evalFraction: 0.25 }), { outputDir: out, checkpointDir: tempDir() });
        if (method === "full") continue;
        const a = await loadAdapter(base, out);
        await generate(base, a, "hello", { maxTokens: 4, temperature: 0.8, topP: 0.9, seed: 1 });
        await generate(base, null, "hello", { maxTokens: 4, temperature: 0, topP: 1, useCache: false });
        a.dispose();
        await mergeAdapter(base, out, tempDir());
      }
    };
    await run();
    const before = tf.memory().numTensors;
    await run();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("QLoRA on a base loaded straight to NF4", () => {
  it("holds linear weights only as NF4, trains an adapter, and refuses full fine-tuning", async () => {
    const dir = writeTinyModel("llama", { hidden_size: 48, intermediate_size: 96 }, { std: 0.05, seed: 21 });
    const q = await loadBaseModel(dir, { quantize: "nf4" });
    expect(q.model.quantized.size).toBe(14);
    expect([...q.model.params.keys()].some((n) => n.endsWith("_proj.weight"))).toBe(false);
    let floatBytes = 0, nf4Bytes = 0;
    for (const t of q.model.quantized.values()) { floatBytes += t.length * 4; nf4Bytes += t.codes.byteLength + t.absmax.byteLength; }
    expect(nf4Bytes / floatBytes).toBeCloseTo(0.140625, 5); // 4 bits + 32/64 bits of scale per weight
    const out = tempDir();
    const r = await train(q, chats, cfg({ method: "qlora", epochs: 4 }), { outputDir: out, checkpointDir: tempDir() });
    expect(r.finalLoss).toBeLessThan(r.log[0]!.loss);
    const log = JSON.parse(readFileSync(join(out, "training_log.json"), "utf8"));
    expect(log.quantization.nf4Bytes / log.quantization.floatBytes).toBeCloseTo(0.140625, 5);
    // the same adapter file serves the float base too
    const adapter = await loadAdapter(base, out);
    expect(adapter.lora.size).toBe(4);
    adapter.dispose();
    await expect(train(q, chats, cfg({ method: "full" }), { outputDir: tempDir(), checkpointDir: tempDir() })).rejects.toThrow(/method full needs float weights/);
    q.dispose();
  });
});
