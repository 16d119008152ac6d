// Data parallelism over worker threads: each thread runs its own 1-thread tfjs-wasm backend with a
// copy of the model, takes a contiguous share of every micro-batch's rows, and returns the gradient
// of its share of the micro-batch loss (numerator over the whole micro-batch's token count), so the
// shares sum exactly to the micro-batch gradient. The main thread computes share 0 itself.
import { Worker } from "node:worker_threads";
import type { ModelConfig } from "./model.ts";
import type { SafeTensor } from "./safetensors.ts";

export interface ShareInput { ids: number[][]; targets: number[]; weights: number[]; denominator: number; dropoutSeed: number }
export interface ShareOutput { loss: number; grads: Record<string, Float32Array> }

export interface WorkerInit {
  hfConfig: Record<string, unknown>; tensors: [string, SafeTensor][]; quantize: boolean;
  /** Trainable tensors in compute layout: LoRA A/B (name → shape, scale, dropout) or full weights by name. */
  method: "lora" | "qlora" | "full";
  lora: { path: string; aShape: number[]; bShape: number[]; scale: number; dropout: number }[];
}

type Reply = { id: number; ok: true; result: ShareOutput } | { id: number; ok: false; error: string };

export class GradientWorkers {
  private workers: Worker[] = [];
  private pending = new Map<number, { resolve: (r: ShareOutput) => void; reject: (e: Error) => void }>();
  private nextId = 1;

  static async start(count: number, init: WorkerInit): Promise<GradientWorkers> {
    const pool = new GradientWorkers();
    const url = new URL("./parallel-worker.ts", import.meta.url);
    await Promise.all(Array.from({ length: count }, async () => {
      const w = new Worker(url, { workerData: init });
      pool.workers.push(w);
      w.on("message", (m: Reply | { ready: true }) => {
        if ("ready" in m) return;
        const p = pool.pending.get(m.id);
        if (!p) return;
        pool.pending.delete(m.id);
        if (m.ok) p.resolve(m.result); else p.reject(new Error(`gradient worker: ${m.error}`));
      });
      w.on("error", (e) => { for (const p of pool.pending.values()) p.reject(e); pool.pending.clear(); });
      await new Promise<void>((resolve, reject) => {
        const onMsg = (m: { ready?: boolean; error?: string }) => { if (m.ready) { w.off("message", onMsg); resolve(); } else if (m.error) reject(new Error(m.error)); };
        w.on("message", onMsg);
        w.once("error", reject);
      });
    }));
    return pool;
  }

  get size(): number { return this.workers.length; }

  /** Sends the current trainable values and one share to each worker; resolves with their gradients in worker order. */
  run(values: Record<string, Float32Array>, shares: (ShareInput | null)[]): Promise<(ShareOutput | null)[]> {
    return Promise.all(this.workers.map((w, i) => {
      const share = shares[i];
      if (!share) return Promise.resolve(null);
      const id = this.nextId++;
      return new Promise<ShareOutput>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        w.postMessage({ id, values, share });
      });
    }));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}

export function splitRows<T>(rows: T[], parts: number): T[][] {
  const out: T[][] = [];
  const size = Math.ceil(rows.length / parts);
  for (let i = 0; i < parts; i++) out.push(rows.slice(i * size, (i + 1) * size));
  return out;
}

export type { ModelConfig };
