// Makes the tiny base model that ships in trainer/models/tiny-chat-llama: generated English text and
// ChatML question-answer pairs → a byte-level BPE tokenizer → a Llama-layout model trained from scratch.
// Run: node trainer/scripts/make-base-model.ts [--minutes 4] [--out trainer/models/tiny-chat-llama]
import { mkdtempSync, writeFileSync, rmSync, existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { trainByteLevelBpe } from "../src/engine/bpe-train.ts";
import { CHATML_TEMPLATE, randomCheckpoint, writeModelFolder } from "../src/engine/random-init.ts";
import { loadBaseModel, train, generate, type TrainingExample } from "../src/engine/index.ts";
import { generateCorpus } from "./corpus.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1]! : fallback; };
const here = dirname(fileURLToPath(import.meta.url));
const outDir = resolve(opt("out", join(here, "../models/tiny-chat-llama")));
const examplesCount = Number(opt("examples", "6000"));
const epochs = Number(opt("epochs", "1"));

const SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
const examples: TrainingExample[] = generateCorpus(examplesCount, 2026);
const corpusText = examples.map((e) => ("text" in e ? e.text : e.messages.map((m) => m.content).join("\n")));
console.log(`corpus: ${examples.length} examples, ${corpusText.join("").length} characters`);

const tokenizerJson = trainByteLevelBpe(corpusText, 1024, SPECIAL);
// the generated text has few distinct words, so merges run out before 1024; the vocabulary is what was learnt
const vocabSize = Object.keys((tokenizerJson.model as { vocab: object }).vocab).length + SPECIAL.length;
const config = {
  architectures: ["LlamaForCausalLM"], model_type: "llama", vocab_size: vocabSize, hidden_size: 128, intermediate_size: 352,
  num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 32, max_position_embeddings: 512,
  rms_norm_eps: 1e-5, rope_theta: 10000, hidden_act: "silu", tie_word_embeddings: true, torch_dtype: "float16",
  bos_token_id: null, eos_token_id: vocabSize - SPECIAL.length, attention_bias: false,
};
const tokenizerConfig = {
  tokenizer_class: "PreTrainedTokenizerFast", eos_token: "<|endoftext|>", pad_token: "<|endoftext|>", bos_token: null,
  add_bos_token: false, chat_template: CHATML_TEMPLATE, model_max_length: 512,
};
const initDir = mkdtempSync(join(tmpdir(), "tiny-init-"));
writeModelFolder(initDir, config, randomCheckpoint(config, { seed: 7, std: 0.02 }), tokenizerJson, tokenizerConfig);
const base = await loadBaseModel(initDir);
console.log(`model: ${base.model.paramCount()} parameters`);
const t0 = performance.now();
const ckpt = mkdtempSync(join(tmpdir(), "tiny-ckpt-"));
const result = await train(base, examples, {
  method: "full", learningRate: 3e-3, epochs, batchSize: 16, gradientAccumulation: 1, maxSeqLen: 96,
  warmupSteps: 20, weightDecay: 0.01, seed: 2026, evalFraction: 0.02,
}, {
  outputDir: outDir, checkpointDir: ckpt, checkpointEvery: 100, saveDtype: "F16",
  onProgress: (p) => { if (p.step % 20 === 0 || p.step === p.totalSteps) console.log(`step ${p.step}/${p.totalSteps} loss ${p.loss.toFixed(3)}${p.evalLoss !== undefined ? ` eval ${p.evalLoss.toFixed(3)}` : ""} ${p.tokensPerSecond.toFixed(0)} tok/s eta ${p.etaSeconds.toFixed(0)} s`); },
});
console.log(`trained in ${((performance.now() - t0) / 1000).toFixed(0)} s, final loss ${result.finalLoss.toFixed(3)}, eval ${result.evalLoss?.toFixed(3)}`);
base.dispose();
rmSync(initDir, { recursive: true }); rmSync(ckpt, { recursive: true });
// training_log.json lists every step; keep it small in git by keeping every 10th
const logPath = join(outDir, "training_log.json");
if (existsSync(logPath)) {
  const log = JSON.parse(readFileSync(logPath, "utf8"));
  log.steps = log.steps.filter((s: { step: number; evalLoss?: number }, i: number) => i % 10 === 9 || s.evalLoss !== undefined);
  log.baseModel = { dir: "(random init, seed 7)", modelType: "llama" };
  writeFileSync(logPath, JSON.stringify(log, null, 1));
}
const tuned = await loadBaseModel(outDir);
for (const q of ["What colour is the sky?", "What is 3 plus 4?", "What is the opposite of hot?"]) {
  const g = await generate(tuned, null, tuned.tokenizer.applyChatTemplate([{ role: "user", content: q }], true), { maxTokens: 30, temperature: 0, topP: 1 });
  console.log(`${q} → ${JSON.stringify(g.text)}`);
}
tuned.dispose();
