// Trainer engine benchmark: training tokens/s and model FLOP utilisation (MFU) for ~1M / 10M / 100M
// parameter Llama-layout configs (random init) with LoRA, QLoRA and full fine-tuning; peak memory of
// LoRA vs QLoRA; generation tokens/s with and without the KV cache; adapter switch time.
//
//   node trainer/bench/trainer.ts [--sizes 1m,10m,100m] [--methods lora,qlora,full] [--steps 4]
//        [--seq 128] [--batch 4] [--gen-tokens 32] [--json out.json]
//
// Each (size, method) runs in its own child process so that peak memory figures are its own.
// MFU = achieved training FLOP/s ÷ the best plain 2-D matmul FLOP/s measured in the same run, same
// backend (tfjs-wasm, XNNPACK, one thread), at the matmul shapes the config uses.
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SIZES: Record<string, Record<string, unknown>> = {
  "1m": { model_type: "llama", vocab_size: 1024, hidden_size: 128, intermediate_size: 352, num_hidden_layers: 4, num_attention_heads: 4, num_key_value_heads: 2, max_position_embeddings: 1024, tie_word_embeddings: true },
  "10m": { model_type: "llama", vocab_size: 4096, hidden_size: 256, intermediate_size: 768, num_hidden_layers: 12, num_attention_heads: 8, num_key_value_heads: 4, max_position_embeddings: 1024, tie_word_embeddings: true },
  "100m": { model_type: "llama", vocab_size: 8192, hidden_size: 768, intermediate_size: 2048, num_hidden_layers: 12, num_attention_heads: 12, num_key_value_heads: 12, max_position_embeddings: 1024, tie_word_embeddings: true },
};

interface ChildArgs { size: string; method: "lora" | "qlora" | "full"; steps: number; seq: number; batch: number; genTokens: number; generation: boolean }
interface ChildResult {
  size: string; method: string; params: number; matmulParams: number; loraParams: number; tokensPerSecond: number; flopsPerToken: number;
  achievedGflops: number; peakMatmulGflops: number; mfu: number; wasmHeapMiB: number; tfPeakMiB: number; rssMiB: number; nf4Ratio?: number;
  genCached?: number; genUncached?: number; adapterLoadMs?: number; adapterSwitchMs?: number; error?: string;
}

async function child(a: ChildArgs): Promise<ChildResult> {
  const { tf, initBackend } = await import("../src/engine/backend.ts");
  const { Transformer, parseConfig, linearSpecs } = await import("../src/engine/model.ts");
  const { randomCheckpoint, byteLevelTokenizerJson } = await import("../src/engine/random-init.ts");
  const { BpeTokenizer } = await import("../src/engine/tokenizer.ts");
  const { train } = await import("../src/engine/train.ts");
  const { loadAdapter } = await import("../src/engine/index.ts");
  const { generateTokens } = await import("../src/engine/generate.ts");
  await initBackend();
  const hf = SIZES[a.size]!;
  const cfg = parseConfig(hf);
  const ckpt = new Map(randomCheckpoint(hf, { seed: 1 }));
  const model = Transformer.fromTensors(cfg, ckpt, { quantizeLinears: a.method === "qlora" });
  ckpt.clear();
  const tokenizer = new BpeTokenizer(byteLevelTokenizerJson([], ["<|endoftext|>"]), { eos_token: "<|endoftext|>" });
  const work = mkdtempSync(join(tmpdir(), "bench-"));
  const base = { dir: work, config: hf, family: cfg.family, weightsSha256: "bench", tokenizer, model, dispose: () => model.dispose() };

  // best plain matmul on this backend at the shapes this model multiplies (measured before and after
  // training, best kept: other processes share these cores)
  const D = cfg.hiddenSize, F = cfg.intermediateSize, M = a.seq * a.batch;
  let peak = 0;
  const measurePeak = () => {
  for (const [m, k, n] of [[M, D, D], [M, D, F], [M, F, D], [M, D, cfg.vocabSize]] as const) {
    const x = tf.randomNormal([m, k]), w = tf.randomNormal([k, n]);
    tf.matMul(x, w).dispose();
    const reps = Math.max(3, Math.min(50, Math.round(2e9 / (2 * m * k * n))));
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) tf.matMul(x, w).dispose();
    tf.matMul(x, w).dataSync();
    const s = (performance.now() - t0) / 1000 / (reps + 1);
    peak = Math.max(peak, (2 * m * k * n) / s);
    x.dispose(); w.dispose();
  }
  };
  measurePeak();

  const linears = linearSpecs(cfg);
  const matmulParams = linears.reduce((s, l) => s + l.inFeatures * l.outFeatures, 0) + cfg.vocabSize * D;
  const targets = ["q_proj", "v_proj"];
  const rank = 8;
  const loraParams = a.method === "full" ? 0 : linears.filter((l) => targets.includes(l.module)).reduce((s, l) => s + rank * (l.inFeatures + l.outFeatures), 0);
  // attention: QK^T and PV over the full (masked) square, per token 2·2·T·(H·hd) per layer forward
  const attnFwd = 4 * a.seq * cfg.numHeads * cfg.headDim * cfg.numLayers;
  const flopsPerToken = a.method === "full"
    ? 6 * matmulParams + 3 * attnFwd
    : 2 * matmulParams + 2 * matmulParams + 3 * attnFwd + 6 * loraParams; // fwd + activation grads + attention fwd/bwd + adapter fwd/grads

  // text that tokenises (bytes) to more than seq tokens
  const words = ["alpha", "beta", "gamma", "delta", "river", "stone", "cloud", "green"];
  const examples = Array.from({ length: a.batch * (a.steps + 1) }, (_, i) => ({ text: Array.from({ length: a.seq }, (_, j) => words[(i * 7 + j * 3) % words.length]).join(" ") }));
  let tfPeak = 0;
  const speeds: number[] = [];
  const out = join(work, "out");
  await train(base as never, examples, {
    method: a.method, learningRate: 1e-4, epochs: 1, batchSize: a.batch, gradientAccumulation: 1, maxSeqLen: a.seq, warmupSteps: 0,
    weightDecay: 0, seed: 1, evalFraction: 0, lora: { rank, alpha: 16, dropout: 0, targetModules: targets },
  }, {
    outputDir: out, checkpointDir: join(work, "ckpt"), checkpointEvery: 1_000_000,
    onProgress: (p) => { speeds.push(p.tokensPerSecond); tfPeak = Math.max(tfPeak, tf.memory().numBytes); }, // tensors alive between steps
  });
  measurePeak();
  const steady = speeds.slice(1); // the first step pays for kernel set-up and XNNPACK packing
  const tps = steady.length ? steady.reduce((x, y) => x + y, 0) / steady.length : speeds[0]!;
  const wasmHeap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.buffer.byteLength;
  const r: ChildResult = {
    size: a.size, method: a.method, params: model.paramCount(), matmulParams, loraParams, tokensPerSecond: tps, flopsPerToken,
    achievedGflops: (tps * flopsPerToken) / 1e9, peakMatmulGflops: peak / 1e9, mfu: (tps * flopsPerToken) / peak,
    wasmHeapMiB: wasmHeap / 2 ** 20, tfPeakMiB: tfPeak / 2 ** 20, rssMiB: process.resourceUsage().maxRSS / 1024,
  };
  if (a.method === "qlora") {
    let f = 0, q = 0;
    for (const t of model.quantized.values()) { f += t.length * 4; q += t.codes.byteLength + t.absmax.byteLength; }
    r.nf4Ratio = q / f;
  }
  if (a.generation) {
    const prompt = "alpha beta gamma delta river stone";
    const timeGen = async (useCache: boolean, lora: Parameters<typeof generateTokens>[1]) => {
      const t0 = performance.now();
      const g = await generateTokens(base as never, lora, prompt, { maxTokens: a.genTokens, temperature: 0, topP: 1, useCache });
      return g.completionTokens / ((performance.now() - t0) / 1000);
    };
    await timeGen(true, null);
    r.genCached = await timeGen(true, null);
    r.genUncached = await timeGen(false, null);
    if (a.method === "lora") {
      const t0 = performance.now();
      const ad1 = await loadAdapter(base as never, out);
      r.adapterLoadMs = performance.now() - t0;
      const ad2 = await loadAdapter(base as never, out);
      // switching = the next request runs with another adapter's tensors; no weights are rewritten
      const t1 = performance.now();
      for (const ad of [ad1, ad2, ad1, ad2]) tf.tidy(() => { model.forward([[1, 2, 3]], { lora: ad.lora }).dataSync(); });
      const withSwitch = (performance.now() - t1) / 4;
      const t2 = performance.now();
      for (let i = 0; i < 4; i++) tf.tidy(() => { model.forward([[1, 2, 3]], { lora: ad1.lora }).dataSync(); });
      r.adapterSwitchMs = Math.max(0, withSwitch - (performance.now() - t2) / 4);
      ad1.dispose(); ad2.dispose();
    }
  }
  rmSync(work, { recursive: true, force: true });
  return r;
}

function parseArgs(argv: string[]): Record<string, string> {
  const o: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) if (argv[i]!.startsWith("--")) { o[argv[i]!.slice(2)] = argv[i + 1] && !argv[i + 1]!.startsWith("--") ? argv[++i]! : "true"; }
  return o;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.child) { process.stdout.write("RESULT " + JSON.stringify(await child(JSON.parse(args.child) as ChildArgs)) + "\n"); return; }
  const sizes = (args.sizes ?? "1m,10m,100m").split(",");
  const methods = (args.methods ?? "lora,qlora,full").split(",") as ChildArgs["method"][];
  const steps = Number(args.steps ?? 3), seq = Number(args.seq ?? 128), batch = Number(args.batch ?? 4), genTokens = Number(args["gen-tokens"] ?? 24);
  const self = fileURLToPath(import.meta.url);
  const results: ChildResult[] = [];
  for (const size of sizes) for (const method of methods) {
    const big = size === "100m";
    const a: ChildArgs = { size, method, steps: big ? Math.min(steps, 2) : steps, seq: big ? Math.min(seq, method === "full" ? 64 : 128) : seq, batch: big ? (method === "full" ? 1 : 2) : batch, genTokens: big ? Math.min(genTokens, 8) : genTokens, generation: method === "lora" };
    const t0 = performance.now();
    const p = spawnSync(process.execPath, [self, "--child", JSON.stringify(a)], { encoding: "utf8", maxBuffer: 1 << 26, timeout: Number(args.timeout ?? 900) * 1000 });
    const line = p.stdout?.split("\n").find((l) => l.startsWith("RESULT "));
    const r: ChildResult = line ? JSON.parse(line.slice(7)) : { size, method, error: (p.error?.message ?? p.stderr?.split("\n").filter(Boolean).slice(-3).join(" | ") ?? "failed").slice(0, 200) } as ChildResult;
    results.push(r);
    process.stderr.write(`${size} ${method}: ${r.error ?? `${r.tokensPerSecond.toFixed(0)} tok/s, MFU ${(r.mfu * 100).toFixed(1)}%`} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  }
  const pad = (s: string, n: number) => s.padStart(n);
  console.log("\nTraining (tfjs-wasm, XNNPACK, 1 thread; seq/batch per row in the notes below)");
  console.log(["size", "method", "params", "tok/s", "GFLOP/s", "peak mm", "MFU", "wasm heap", "tf live", "max RSS"].map((h, i) => pad(h, i < 2 ? 6 : 10)).join(" "));
  for (const r of results) {
    if (r.error) { console.log(`${pad(r.size, 6)} ${pad(r.method, 6)}  error: ${r.error}`); continue; }
    console.log([pad(r.size, 6), pad(r.method, 6), pad((r.params / 1e6).toFixed(2) + "M", 10), pad(r.tokensPerSecond.toFixed(0), 10), pad(r.achievedGflops.toFixed(2), 10), pad(r.peakMatmulGflops.toFixed(2), 10), pad((r.mfu * 100).toFixed(1) + "%", 10), pad(r.wasmHeapMiB.toFixed(0) + " MiB", 10), pad(r.tfPeakMiB.toFixed(0) + " MiB", 10), pad(r.rssMiB.toFixed(0) + " MiB", 10)].join(" "));
  }
  const largest = sizes[sizes.length - 1]!;
  const l = results.find((r) => r.size === largest && r.method === "lora" && !r.error), q = results.find((r) => r.size === largest && r.method === "qlora" && !r.error);
  if (l && q) console.log(`\nPeak memory on ${largest}: LoRA wasm heap ${l.wasmHeapMiB.toFixed(0)} MiB / RSS ${l.rssMiB.toFixed(0)} MiB; QLoRA ${q.wasmHeapMiB.toFixed(0)} MiB / ${q.rssMiB.toFixed(0)} MiB (NF4 holds frozen linear weights at ${((q.nf4Ratio ?? 0) * 100).toFixed(1)}% of their float32 bytes)`);
  console.log("\nGeneration (greedy) and adapters");
  for (const r of results) if (r.genCached !== undefined) console.log(`${pad(r.size, 6)}: ${r.genCached.toFixed(1)} tok/s with KV cache, ${r.genUncached!.toFixed(1)} tok/s without; adapter load ${r.adapterLoadMs?.toFixed(1)} ms, switch ${r.adapterSwitchMs?.toFixed(2)} ms`);
  console.log(`\nFLOPs per token: full 6·N + attention; LoRA/QLoRA 2·N forward + 2·N activation gradients + attention (fwd+bwd) + 6·(adapter params); N = parameters in matmuls (linear layers + tied lm_head). Peak = fastest plain [tokens×k]·[k×n] matmul at this config's shapes, same process. seq ${seq}, batch ${batch} (100m: LoRA/QLoRA seq ≤ 128 × batch 2, full seq ≤ 64 × batch 1, to stay inside the 4 GB wasm heap). LoRA rank 8 on q_proj,v_proj.`);
  if (args.json) writeFileSync(args.json, JSON.stringify(results, null, 2));
}

await main();
