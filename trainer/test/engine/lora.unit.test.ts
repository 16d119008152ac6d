import { describe, expect, it, beforeAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tf, initBackend } from "../../src/engine/backend.ts";
import { loadBaseModel, loadAdapter, mergeAdapter } from "../../src/engine/index.ts";
import { adapterConfigJson, createLora, exportLora, readLora } from "../../src/engine/lora.ts";
import { dequantizeNf4, quantizeNf4, NF4_LEVELS } from "../../src/engine/nf4.ts";
import { parseSafetensors, writeSafetensors } from "../../src/engine/safetensors.ts";
import type { LoraSet } from "../../src/engine/model.ts";
import { Rng } from "../../src/engine/rng.ts";
import { tempDir, writeTinyModel } from "./helpers.ts";

beforeAll(async () => { await initBackend(); });

function randomizeB(set: LoraSet, seed: number): void {
  const rng = new Rng(seed);
  for (const m of set.values()) {
    const v = new Float32Array(m.b.size).map(() => rng.normal() * 0.2);
    (m.b as tf.Variable).assign(tf.tensor(v, m.b.shape));
  }
}

describe("LoRA", () => {
  it("at initialisation leaves the outputs unchanged (B = 0) and A follows PEFT's kaiming-uniform bound", async () => {
    const base = await loadBaseModel(writeTinyModel("llama", {}, { std: 0.2 }));
    const lora = createLora(base.model.config, { rank: 4, alpha: 8, dropout: 0, targetModules: ["q_proj", "v_proj", "down_proj"] }, 7);
    expect(lora.size).toBe(6);
    const a = tf.tidy(() => base.model.forward([[1, 2, 3, 4]]).dataSync());
    const b = tf.tidy(() => base.model.forward([[1, 2, 3, 4]], { lora }).dataSync());
    expect(b).toEqual(a);
    const A = lora.get("model.layers.0.self_attn.q_proj")!.a.dataSync();
    const bound = 1 / Math.sqrt(32);
    expect(Math.max(...A.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...A.map(Math.abs))).toBeGreaterThan(bound * 0.8);
    // once B is non-zero the outputs move
    randomizeB(lora, 1);
    const c = tf.tidy(() => base.model.forward([[1, 2, 3, 4]], { lora }).dataSync());
    expect(c).not.toEqual(a);
    base.dispose();
  });

  it("rejects target modules the model does not have, naming the ones it has", async () => {
    const base = await loadBaseModel(writeTinyModel("gpt2"));
    expect(() => createLora(base.model.config, { rank: 2, alpha: 2, dropout: 0, targetModules: ["q_proj"] }, 1)).toThrow(/c_attn/);
    base.dispose();
  });

  for (const kind of ["llama", "gpt2", "bloom"] as const) {
    it(`${kind}: exported adapters round-trip with PEFT names and shapes; merged weights give base+adapter logits`, async () => {
      const base = await loadBaseModel(writeTinyModel(kind, {}, { std: 0.2, seed: 4 }));
      const targets = kind === "llama" ? ["q_proj", "v_proj", "o_proj", "gate_proj"] : kind === "gpt2" ? ["c_attn", "c_proj"] : ["query_key_value", "dense_4h_to_h"];
      const lora = createLora(base.model.config, { rank: 4, alpha: 16, dropout: 0, targetModules: targets }, 3);
      randomizeB(lora, 2);
      const dir = tempDir();
      const cfgText = adapterConfigJson(base.model.config, { rank: 4, alpha: 16, dropout: 0, targetModules: targets }, "tiny");
      const exported = exportLora(lora);
      writeSafetensors(join(dir, "adapter_model.safetensors"), exported, { format: "pt", adapter_config: cfgText });
      const file = parseSafetensors(new Uint8Array(readFileSync(join(dir, "adapter_model.safetensors"))));
      const names = [...file.tensors.keys()];
      if (kind === "llama") {
        expect(names).toContain("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
        expect(file.tensors.get("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight")!.shape).toEqual([4, 32]);
        expect(file.tensors.get("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight")!.shape).toEqual([16, 4]);
      } else if (kind === "bloom") {
        expect(file.tensors.get("base_model.model.transformer.h.0.self_attention.query_key_value.lora_B.weight")!.shape).toEqual([96, 4]);
        expect(file.tensors.get("base_model.model.transformer.h.1.mlp.dense_4h_to_h.lora_A.weight")!.shape).toEqual([4, 128]);
      } else {
        expect(names).toContain("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight");
        expect(file.tensors.get("base_model.model.transformer.h.1.attn.c_attn.lora_B.weight")!.shape).toEqual([96, 4]);
        expect(names).toContain("base_model.model.transformer.h.0.mlp.c_proj.lora_A.weight");
      }
      expect(JSON.parse(file.metadata.adapter_config!)).toMatchObject({ peft_type: "LORA", r: 4, lora_alpha: 16, task_type: "CAUSAL_LM", bias: "none", target_modules: targets });
      // read back: identical tensors and names (from the single file, no adapter_config.json beside it)
      const back = readLora(base.model.config, join(dir, "adapter_model.safetensors"));
      expect([...back.set.keys()]).toEqual([...lora.keys()]);
      for (const [path, m] of lora) {
        expect(back.set.get(path)!.a.dataSync()).toEqual(m.a.dataSync());
        expect(back.set.get(path)!.b.dataSync()).toEqual(m.b.dataSync());
        expect(back.set.get(path)!.scale).toBe(4);
      }
      const reexported = exportLora(back.set);
      expect(reexported.map(([n]) => n)).toEqual(exported.map(([n]) => n));
      reexported.forEach(([, t], i) => expect(Buffer.from(t.data).equals(Buffer.from(exported[i]![1].data))).toBe(true));

      // merge and compare logits
      const ids = [[5, 9, 33, 70, 120, 4]];
      const withAdapter = tf.tidy(() => base.model.forward(ids, { lora }).dataSync());
      const mergedDir = tempDir();
      const files = await mergeAdapter(base, dir, mergedDir);
      expect(files.find((f) => f.name === "model.safetensors")!.sha256).toMatch(/^[0-9a-f]{64}$/);
      const merged = await loadBaseModel(mergedDir);
      expect([...merged.model.sourceNames.values()].sort()).toEqual([...base.model.sourceNames.values()].sort());
      const mergedLogits = tf.tidy(() => merged.model.forward(ids).dataSync());
      const plain = tf.tidy(() => base.model.forward(ids).dataSync());
      let diff = 0, moved = 0;
      for (let i = 0; i < mergedLogits.length; i++) { diff = Math.max(diff, Math.abs(mergedLogits[i]! - withAdapter[i]!)); moved = Math.max(moved, Math.abs(plain[i]! - withAdapter[i]!)); }
      expect(diff).toBeLessThan(1e-4);
      expect(moved).toBeGreaterThan(1e-2);
      merged.dispose(); base.dispose();
    });
  }

  it("loadAdapter accepts the folder or the single file, and adapters switch on one base model", async () => {
    const base = await loadBaseModel(writeTinyModel("llama", {}, { std: 0.2, seed: 6 }));
    const dirs: string[] = [];
    for (const seed of [1, 2]) {
      const lora = createLora(base.model.config, { rank: 2, alpha: 4, dropout: 0, targetModules: ["q_proj", "v_proj"] }, seed);
      randomizeB(lora, seed);
      const d = tempDir();
      writeSafetensors(join(d, "adapter_model.safetensors"), exportLora(lora), { format: "pt", adapter_config: adapterConfigJson(base.model.config, { rank: 2, alpha: 4, dropout: 0, targetModules: ["q_proj", "v_proj"] }, "tiny") });
      dirs.push(d);
    }
    const a1 = await loadAdapter(base, dirs[0]!), a2 = await loadAdapter(base, join(dirs[1]!, "adapter_model.safetensors"));
    expect(a1.id).not.toBe(a2.id);
    const run = (l: LoraSet | null) => tf.tidy(() => base.model.forward([[1, 2, 3]], { lora: l }).dataSync());
    const l0 = run(null), l1 = run(a1.lora), l2 = run(a2.lora);
    expect(l1).not.toEqual(l0); expect(l2).not.toEqual(l1);
    expect(run(null)).toEqual(l0); // the base is untouched by either
    a1.dispose(); a2.dispose();
    base.dispose();
  });
});

describe("NF4", () => {
  it("stores 4 bits per weight plus one absmax per 64 and reconstructs within half a level step", () => {
    const rng = new Rng(3);
    const v = new Float32Array(64 * 10 + 7).map(() => rng.normal());
    const q = quantizeNf4(v, [v.length]);
    expect(q.codes.length).toBe(Math.ceil(v.length / 2));
    expect(q.absmax.length).toBe(11);
    const back = dequantizeNf4(q);
    let maxGap = 0;
    for (let i = 1; i < 16; i++) maxGap = Math.max(maxGap, NF4_LEVELS[i]! - NF4_LEVELS[i - 1]!);
    for (let i = 0; i < v.length; i++) expect(Math.abs(back[i]! - v[i]!)).toBeLessThanOrEqual((maxGap / 2) * q.absmax[(i / 64) | 0]! + 1e-6);
    // the block maximum is exact
    const blockMaxIdx = [...v.slice(0, 64)].reduce((bi, x, i, arr) => (Math.abs(x) > Math.abs(arr[bi]!) ? i : bi), 0);
    expect(back[blockMaxIdx]).toBeCloseTo(v[blockMaxIdx]!, 5);
  });
});

describe("QLoRA linear layers", () => {
  it("give the logits and LoRA gradients of float weights equal to the dequantised NF4 values", async () => {
    const { Transformer, parseConfig, maskedCrossEntropy } = await import("../../src/engine/model.ts");
    const { randomCheckpoint, tinyLlamaConfig } = await import("../../src/engine/random-init.ts");
    const cfg = tinyLlamaConfig();
    const t = new Map(randomCheckpoint(cfg, { std: 0.2, seed: 5 }));
    const q = Transformer.fromTensors(parseConfig(cfg), t, { quantizeLinears: true });
    const f = Transformer.fromTensors(parseConfig(cfg), t);
    for (const [name, qt] of q.quantized) { f.params.get(name)!.dispose(); f.params.set(name, tf.tensor(dequantizeNf4(qt), qt.shape)); }
    const lora = createLora(parseConfig(cfg), { rank: 2, alpha: 4, dropout: 0, targetModules: ["q_proj", "down_proj"] }, 1);
    randomizeB(lora, 3);
    const ids = [[1, 50, 99, 7], [3, 3, 200, 12]], targets = [50, 99, 7, 8, 3, 200, 12, 1], w = targets.map(() => 1);
    const vars = [...lora.values()].flatMap((m) => [m.a as tf.Variable, m.b as tf.Variable]);
    const run = (m: InstanceType<typeof Transformer>) => {
      const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(m.forward(ids, { lora }), targets, w), vars);
      const out = { loss: value.dataSync()[0]!, grads: vars.map((v) => grads[v.name]!.dataSync()) };
      value.dispose(); for (const g of Object.values(grads)) g.dispose();
      return out;
    };
    const a = run(q), b = run(f);
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-5);
    a.grads.forEach((g, i) => g.forEach((x, j) => expect(Math.abs(x - b.grads[i]![j]!)).toBeLessThan(1e-5)));
    expect(a.grads.some((g) => g.some((x) => Math.abs(x) > 1e-4))).toBe(true);
    q.dispose(); f.dispose();
  });
});
