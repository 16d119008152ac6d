// One data-parallel gradient worker (see parallel.ts).
import { parentPort, workerData } from "node:worker_threads";
import { initBackend, tf } from "./backend.ts";
import { Transformer, parseConfig, maskedCrossEntropy, type LoraSet } from "./model.ts";
import type { WorkerInit, ShareInput } from "./parallel.ts";

const init = workerData as WorkerInit;
try {
  await initBackend();
  const model = Transformer.fromTensors(parseConfig(init.hfConfig), new Map(init.tensors), { quantizeLinears: init.quantize });
  const vars = new Map<string, tf.Variable>();
  let lora: LoraSet | null = null;
  if (init.method === "full") {
    for (const [n, t] of model.params) vars.set(n, tf.variable(t, true, `worker.${n}`));
  } else {
    lora = new Map();
    for (const l of init.lora) {
      const a = tf.variable(tf.zeros(l.aShape), true, `worker.${l.path}.lora_A`), b = tf.variable(tf.zeros(l.bShape), true, `worker.${l.path}.lora_B`); // the worker's life is one run
      vars.set(`${l.path}.lora_A`, a); vars.set(`${l.path}.lora_B`, b);
      lora.set(l.path, { a, b, scale: l.scale, dropout: l.dropout });
    }
  }
  const override = init.method === "full" ? (vars as Map<string, tf.Tensor>) : undefined;
  const names = [...vars.keys()];
  parentPort!.postMessage({ ready: true });
  parentPort!.on("message", (m: { id: number; values: Record<string, Float32Array>; share: ShareInput }) => {
    try {
      for (const n of names) { const v = vars.get(n)!; const t = tf.tensor(m.values[n]!, v.shape); v.assign(t); t.dispose(); }
      const s = m.share;
      const { value, grads } = tf.variableGrads(() => maskedCrossEntropy(model.forward(s.ids, { lora, override, dropoutSeed: s.dropoutSeed }), s.targets, s.weights, s.denominator), names.map((n) => vars.get(n)!));
      const out: Record<string, Float32Array> = {};
      const transfer: ArrayBuffer[] = [];
      for (const n of names) { const g = grads[vars.get(n)!.name]!; const d = g.dataSync() as Float32Array; out[n] = d; transfer.push(d.buffer as ArrayBuffer); g.dispose(); }
      const loss = value.dataSync()[0]!;
      value.dispose();
      parentPort!.postMessage({ id: m.id, ok: true, result: { loss, grads: out } }, transfer);
    } catch (e) {
      parentPort!.postMessage({ id: m.id, ok: false, error: (e as Error).message });
    }
  });
} catch (e) {
  parentPort!.postMessage({ error: `gradient worker failed to start: ${(e as Error).message}` });
}
