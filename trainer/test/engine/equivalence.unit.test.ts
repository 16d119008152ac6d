// Pinned behaviour: loss curves for a fixed seed (any change to the numerics of the forward pass or of the
// training steps shows here), the family specs' consistency, and the rotary variants a spec can ask for.
import { describe, expect, it, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { tf, initBackend } from "../../src/engine/backend.ts";
import { loadBaseModel, train, type TrainingConfig, type TrainingExample, type BaseModel } from "../../src/engine/index.ts";
import { FAMILIES } from "../../src/engine/families.ts";
import { Transformer, parseConfig } from "../../src/engine/model.ts";
import { tinyLlamaConfig } from "../../src/engine/random-init.ts";
import { tempDir, writeTinyModel } from "./helpers.ts";

beforeAll(async () => { await initBackend(); });

const QA: [string, string][] = [
  ["What colour is the sky?", "Blue."], ["Name a fruit.", "Apple."], ["What is two plus two?", "Four."],
  ["Say hi.", "Hi there!"], ["Count to three.", "One, two, three."],
];
const chats: TrainingExample[] = QA.map(([q, a]) => ({ messages: [{ role: "user", content: q }, { role: "assistant", content: a }] }));

function cfg(method: "lora" | "full"): TrainingConfig {
  return {
    method, learningRate: method === "full" ? 3e-3 : 1e-2, epochs: 3, batchSize: 1, gradientAccumulation: 2, maxSeqLen: 64, warmupSteps: 1,
    weightDecay: 0.01, seed: 7, evalFraction: 0.25, lora: { rank: 4, alpha: 8, dropout: 0.1, targetModules: ["all-linear"] },
  };
}

// One thread; the same seed, data and thread count give these bits on every run.
const PINNED = {
  "llama lora": { losses: [5.674767255783081, 5.333026647567749, 5.080636739730835, 5.129702806472778, 4.999757766723633, 4.934251070022583], evalLoss: 5.293691635131836 },
  "gpt2 full": { losses: [5.622681617736816, 5.237673997879028, 4.931605815887451, 4.810770750045776, 4.5867767333984375, 4.610634803771973], evalLoss: 5.029552936553955 },
};

describe("a fixed seed gives the pinned loss curve, bit for bit", () => {
  for (const [kind, method, pinned] of [["llama", "lora", PINNED["llama lora"]], ["gpt2", "full", PINNED["gpt2 full"]]] as const) {
    let base: BaseModel;
    beforeAll(async () => {
      const over = kind === "llama" ? { hidden_size: 48, intermediate_size: 96 } : {};
      base = await loadBaseModel(writeTinyModel(kind, over, { std: 0.05, seed: 21 }));
    });

    it(`${kind} ${method}: an uninterrupted run`, async () => {
      const r = await train(base, chats, cfg(method), { outputDir: tempDir(), checkpointDir: tempDir() });
      expect(r.log.map((s) => s.loss)).toEqual(pinned.losses);
      expect(r.evalLoss).toBe(pinned.evalLoss);
    });

    it(`${kind} ${method}: a run stopped after step 3 and resumed from its step-2 checkpoint`, async () => {
      const ck = tempDir(), out = tempDir(), controller = new AbortController();
      const first = train(base, chats, cfg(method), { outputDir: out, checkpointDir: ck, checkpointEvery: 2, signal: controller.signal, onProgress: (p) => { if (p.step === 3) controller.abort(); } });
      await expect(first).rejects.toMatchObject({ name: "AbortError" });
      const r = await train(base, chats, cfg(method), { outputDir: out, checkpointDir: ck, checkpointEvery: 2 });
      expect(r.log.map((s) => s.loss)).toEqual(pinned.losses);
      expect(r.evalLoss).toBe(pinned.evalLoss);
    });
  }
});

describe("family specs", () => {
  it("are consistent: each model_type once, fused layouts name one projection, sandwich norms are named", () => {
    const types = FAMILIES.flatMap((f) => f.modelTypes);
    expect(new Set(types).size).toBe(types.length);
    for (const { arch } of FAMILIES) {
      expect(arch.names.qkv.length).toBe(arch.attention.qkv === "separate" ? 3 : 1);
      if (arch.mlp === "plain") expect(arch.names.up.length).toBe(1);
      if (arch.sandwichNorms) expect(arch.names.preMlpNorm && arch.names.postMlpNorm).toBeTruthy();
      if (arch.attention.positions === "learned") expect(arch.names.positions).toBeTruthy();
      expect(Boolean(arch.names.qNorm)).toBe(Boolean(arch.names.kNorm));
    }
  });

  it("the forward pass never asks for a family by name", () => {
    const src = readFileSync(new URL("../../src/engine/forward.ts", import.meta.url), "utf8");
    expect(src).not.toMatch(/\.family\b|modelType|"(llama|gpt2|bloom|gemma2?|qwen[23]|phi3|mistral)"/);
  });
});

describe("rotary variants", () => {
  // t·cos + rotate(t)·sin from the model's tables, for one head vector at position pos
  const rotate = (model: Transformer, t: number[], pos: number): number[] => tf.tidy(() => {
    const d = t.length, r = model.rope(pos + 1);
    const x = tf.tensor2d(t, [1, d]);
    const cos = tf.slice(r.cos, [pos, 0], [1, d]), sin = tf.slice(r.sin, [pos, 0], [1, d]);
    return Array.from(tf.add(tf.mul(x, cos), tf.mul(tf.matMul(x, model.rotation()), sin)).dataSync());
  });
  const t = Array.from({ length: 8 }, (_, i) => Math.sin(i * 1.7 + 0.3));

  for (const [style, fraction] of [["half", 1], ["half", 0.5], ["interleaved", 0.5], ["interleaved", 1]] as const) {
    it(`${style}, ${fraction * 100}% of each head: rotates its pairs by pos·θ_i and passes the other dims through`, () => {
      const c = parseConfig(tinyLlamaConfig({ hidden_size: 16, num_attention_heads: 2, num_key_value_heads: 1 }));
      const rot = 8 * fraction, theta = 10000, pos = 5;
      const inv = Array.from({ length: rot / 2 }, (_, i) => 1 / Math.pow(theta, (2 * i) / rot));
      const model = new Transformer({ ...c, ropeInvFreq: inv, arch: { ...c.arch, attention: { ...c.arch.attention, rotary: { style, fraction } } } });
      const want = t.slice();
      for (let i = 0; i < rot / 2; i++) {
        const [a, b] = style === "half" ? [i, i + rot / 2] : [2 * i, 2 * i + 1];
        const cs = Math.cos(pos * inv[i]!), sn = Math.sin(pos * inv[i]!);
        want[a] = t[a]! * cs - t[b]! * sn; want[b] = t[b]! * cs + t[a]! * sn;
      }
      const got = rotate(model, t, pos);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      model.dispose();
    });
  }
});
