// tfjs on the wasm backend, with two kernels replaced:
// - BatchMatMul: XNNPACK is fast only for plain 2-D products, so transposes are done explicitly
//   and batches are split into 2-D products (or folded into one when the right operand is shared).
// - UnsortedSegmentSum (missing in wasm; needed by the gradient of gather for embeddings).
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setWasmPaths } from "@tensorflow/tfjs-backend-wasm";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

type Info = { dataId: object; shape: number[]; dtype: string };
// The wasm backend's class is not exported with types we can use; this is the part we touch.
interface WasmBackend {
  makeOutput(shape: number[], dtype: string): Info;
  typedArrayFromHeap(info: Info): Float32Array | Int32Array;
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
}

let ready: Promise<void> | null = null;

export function initBackend(): Promise<void> {
  if (!ready) ready = (async () => {
    const require = createRequire(import.meta.url);
    setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist") + "/");
    tf.env().set("IS_TEST", false);
    await tf.setBackend("wasm");
    await tf.ready();
    replaceMatMul();
    registerSegmentSum();
    shareIdentity();
  })();
  return ready;
}

function size(shape: number[]): number { return shape.reduce((a, b) => a * b, 1); }

const transposedWeights = new Map<object, Info>();
let cachedBytes = 0;
// The cache costs one more copy of the frozen linear weights; past this many bytes it stops growing
// (the wasm heap is 32-bit). TRAINER_TRANSPOSE_CACHE_MB overrides it; 0 turns the cache off.
let transposeCacheLimit = Number(process.env.TRAINER_TRANSPOSE_CACHE_MB ?? 768) * 2 ** 20;

/** Sets the most bytes the cache of weight transposes may hold (0 disables it). */
export function setTransposeCacheLimit(bytes: number): void { transposeCacheLimit = bytes; }
const transposeUses = new Map<object, number>();
let callsSinceSweep = 0;

/** Drops cached transposes whose source tensor is gone (its dataId left the backend). */
function sweepTransposes(be: WasmBackend): void {
  const live = (be as unknown as { dataIdMap: { has(id: object): boolean } }).dataIdMap;
  for (const [id, t] of transposedWeights) if (!live.has(id)) { cachedBytes -= size(t.shape) * 4; be.disposeData(t.dataId); transposedWeights.delete(id); }
  for (const id of transposeUses.keys()) if (!live.has(id)) transposeUses.delete(id);
}

/** Bytes held by cached weight transposes (outside tf.memory(), inside the wasm heap). */
export function cachedTransposeBytes(): number {
  let n = 0;
  for (const t of transposedWeights.values()) n += size(t.shape) * 4;
  return n;
}

function replaceMatMul(): void {
  const original = tf.getKernel("BatchMatMul", "wasm");
  const transpose = tf.getKernel("Transpose", "wasm");
  if (!original || !transpose) throw new Error("wasm backend lacks BatchMatMul/Transpose kernels");
  const call = original.kernelFunc as (a: { inputs: object; backend: unknown; attrs: object }) => Info;
  const callT = transpose.kernelFunc as (a: { inputs: object; backend: unknown; attrs: object }) => Info;
  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({
    kernelName: "BatchMatMul",
    backendName: "wasm",
    setupFunc: original.setupFunc,
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as WasmBackend;
      let a = (inputs as { a: Info }).a, b = (inputs as { b: Info }).b;
      const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
      const temps: Info[] = [];
      const swapLast = (x: Info): Info => {
        const r = x.shape.length;
        const perm = [...Array(r).keys()];
        perm[r - 2] = r - 1; perm[r - 1] = r - 2;
        const y = callT({ inputs: { x }, backend, attrs: { perm } });
        temps.push(y);
        return y;
      };
      if (transposeA) a = swapLast(a);
      if (transposeB) {
        const cached = transposedWeights.get(b.dataId);
        if (cached) b = cached;
        else {
          // A matrix seen transposed twice under the same data (a frozen weight: backward of every LoRA
          // step, or a tied lm_head) keeps its transpose, which also keeps XNNPACK's packing of it.
          const uses = (transposeUses.get(b.dataId) ?? 0) + 1;
          transposeUses.set(b.dataId, uses);
          const bt = swapLast(b);
          if (uses >= 2 && b.shape.length === 2 && size(b.shape) >= 4096 && cachedBytes + size(b.shape) * 4 <= transposeCacheLimit) {
            cachedBytes += size(b.shape) * 4;
            temps.pop();
            transposedWeights.set(b.dataId, bt);
            transposeUses.delete(b.dataId);
          }
          b = bt;
        }
        if (++callsSinceSweep >= 256) { callsSinceSweep = 0; sweepTransposes(be); }
      }
      const ar = a.shape.length, br = b.shape.length;
      const m = a.shape[ar - 2]!, k = a.shape[ar - 1]!, n = b.shape[br - 1]!;
      if (b.shape[br - 2] !== k) throw new Error(`matMul inner dimensions differ: ${a.shape} x ${b.shape}`);
      const batchA = size(a.shape.slice(0, -2)), batchB = size(b.shape.slice(0, -2));
      const outBatch = a.shape.length >= b.shape.length ? a.shape.slice(0, -2) : b.shape.slice(0, -2);
      const noFlags = { transposeA: false, transposeB: false };
      let out: Info;
      if (batchB === 1) {
        // [batch*m, k] x [k, n] is one plain product
        const a2 = { dataId: a.dataId, shape: [1, batchA * m, k], dtype: a.dtype };
        const b2 = { dataId: b.dataId, shape: [1, k, n], dtype: b.dtype };
        out = call({ inputs: { a: a2, b: b2 }, backend, attrs: noFlags });
      } else {
        const batch = Math.max(batchA, batchB);
        if (batchA !== batch && batchA !== 1) throw new Error(`matMul batch dimensions differ: ${a.shape} x ${b.shape}`);
        out = be.makeOutput([batch, m, n], "float32");
        // XNNPACK caches the packed right operand by tensor id, so each slice gets a fresh tensor.
        for (let i = 0; i < batch; i++) {
          const ia = batchA === 1 ? 0 : i;
          const pa = be.makeOutput([1, m, k], "float32"), pb = be.makeOutput([1, k, n], "float32");
          be.typedArrayFromHeap(pa).set(be.typedArrayFromHeap(a).subarray(ia * m * k, (ia + 1) * m * k));
          be.typedArrayFromHeap(pb).set(be.typedArrayFromHeap(b).subarray(i * k * n, (i + 1) * k * n));
          const r = call({ inputs: { a: pa, b: pb }, backend, attrs: noFlags });
          be.typedArrayFromHeap(out).set(be.typedArrayFromHeap(r), i * m * n);
          be.disposeData(r.dataId);
          be.disposeData(pa.dataId); be.disposeData(pb.dataId);
        }
      }
      for (const t of temps) be.disposeData(t.dataId);
      return { dataId: out.dataId, shape: [...outBatch, m, n], dtype: "float32" } as never;
    },
  });
}

/**
 * tfjs clones every tensor it saves for the backward pass (an Identity kernel); the wasm kernel copies
 * the data, although tensors are immutable. Sharing the buffer by reference count (as the CPU backend
 * does) removes one copy per saved tensor. Kernels that call identity internally are unaffected.
 */
function shareIdentity(): void {
  const original = tf.getKernel("Identity", "wasm");
  if (!original) return;
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({
    kernelName: "Identity",
    backendName: "wasm",
    kernelFunc: (args) => {
      const x = (args.inputs as { x: Info }).x;
      if (x.dtype === "string") return (original.kernelFunc as (a: unknown) => Info)(args) as never;
      (args.backend as unknown as WasmBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype } as never;
    },
  });
}

function registerSegmentSum(): void {
  if (tf.getKernel("UnsortedSegmentSum", "wasm")) return;
  tf.registerKernel({
    kernelName: "UnsortedSegmentSum",
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as WasmBackend;
      const { x, segmentIds } = inputs as unknown as { x: Info; segmentIds: Info };
      const { numSegments } = attrs as { numSegments: number };
      const rows = segmentIds.shape.reduce((a, b) => a * b, 1);
      const width = size(x.shape) / Math.max(rows, 1);
      const out = be.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], x.dtype);
      const o = be.typedArrayFromHeap(out), xs = be.typedArrayFromHeap(x), ids = be.typedArrayFromHeap(segmentIds);
      o.fill(0);
      for (let r = 0; r < rows; r++) {
        const s = ids[r]!;
        if (s < 0 || s >= numSegments) continue;
        for (let j = 0; j < width; j++) o[s * width + j]! += xs[r * width + j]!;
      }
      return out as never;
    },
  });
}

export { tf };
