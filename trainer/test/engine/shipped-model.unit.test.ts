import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createHash } from "node:crypto";
import { SHIPPED_BASE_MODEL_DIR, loadBaseModel, generate, train, loadAdapter } from "../../src/engine/index.ts";
import { tempDir } from "./helpers.ts";

describe("the shipped tiny base model", () => {
  it("is small, loads through loadBaseModel like any HF checkpoint, and answers from its training", async () => {
    expect(existsSync(join(SHIPPED_BASE_MODEL_DIR, "model.safetensors"))).toBe(true);
    const bytes = readFileSync(join(SHIPPED_BASE_MODEL_DIR, "model.safetensors"));
    expect(bytes.length).toBeLessThan(25 * 2 ** 20);
    const base = await loadBaseModel(SHIPPED_BASE_MODEL_DIR);
    expect(base.family).toBe("llama");
    expect(base.weightsSha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(base.tokenizer.chatTemplate.name).toBe("chatml");
    const prompt = base.tokenizer.applyChatTemplate([{ role: "user", content: "What colour is the sky?" }], true);
    const g = await generate(base, null, prompt, { maxTokens: 20, temperature: 0, topP: 1 });
    expect(g.text).toBe("The sky is blue.");
    expect(g.finishReason).toBe("stop");
    base.dispose();
  });

  it("learns a new answer with a short LoRA run", async () => {
    const base = await loadBaseModel(SHIPPED_BASE_MODEL_DIR);
    const before = await generate(base, null, base.tokenizer.applyChatTemplate([{ role: "user", content: "Which animal does Mia like?" }], true), { maxTokens: 20, temperature: 0, topP: 1 });
    expect(before.text).not.toBe("Mia likes the green frog.");
    const q = "Which animal does Mia like?", answer = "Mia likes the green frog.";
    const examples = Array.from({ length: 4 }, () => ({ messages: [{ role: "user" as const, content: q }, { role: "assistant" as const, content: answer }] }));
    const out = tempDir();
    const r = await train(base, examples, { method: "lora", learningRate: 1e-2, epochs: 15, batchSize: 4, gradientAccumulation: 1, maxSeqLen: 64, warmupSteps: 2, weightDecay: 0, seed: 3, evalFraction: 0, lora: { rank: 8, alpha: 16, dropout: 0, targetModules: ["all-linear"] } }, { outputDir: out, checkpointDir: tempDir() });
    expect(r.finalLoss).toBeLessThan(r.log[0]!.loss / 4);
    const adapter = await loadAdapter(base, join(out, "adapter_model.safetensors"));
    const g = await generate(base, adapter, base.tokenizer.applyChatTemplate([{ role: "user", content: q }], true), { maxTokens: 20, temperature: 0, topP: 1 });
    expect(g.text).toBe(answer);
    adapter.dispose(); base.dispose();
  });
});
