// The replaced wasm kernels: BatchMatMul (explicit transposes, split batches, cached weight
// transposes), Identity (shared buffers) and UnsortedSegmentSum.
import { describe, expect, it, beforeAll } from "vitest";
import { tf, initBackend } from "../../src/engine/backend.ts";
import { Rng } from "../../src/engine/rng.ts";

beforeAll(async () => { await initBackend(); });

function reference(a: number[][][], b: number[][][], ta: boolean, tb: boolean): number[][][] {
  const T = (m: number[][]) => m[0]!.map((_, j) => m.map((r) => r[j]!));
  return a.map((am, i) => {
    const A = ta ? T(am) : am, B = tb ? T(b[b.length === 1 ? 0 : i]!) : b[b.length === 1 ? 0 : i]!;
    return A.map((row) => B[0]!.map((_, j) => row.reduce((s, v, k) => s + v * B[k]![j]!, 0)));
  });
}
const rand = (rng: Rng, shape: number[]) => tf.tensor(Array.from({ length: shape.reduce((x, y) => x * y, 1) }, () => rng.normal()), shape);

describe("wasm kernels", () => {
  it("matMul agrees with a reference for every transpose flag and batch layout", () => {
    const rng = new Rng(1);
    for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      for (const [batchA, batchB] of [[1, 1], [3, 3], [3, 1]] as const) {
        const a = rand(rng, ta ? [batchA, 4, 5] : [batchA, 5, 4]), b = rand(rng, tb ? [batchB, 6, 4] : [batchB, 4, 6]);
        const got = tf.matMul(a, b, ta, tb).arraySync() as number[][][];
        const want = reference(a.arraySync() as number[][][], b.arraySync() as number[][][], ta, tb);
        got.forEach((m, i) => m.forEach((r, p) => r.forEach((v, q) => expect(Math.abs(v - want[i]![p]![q]!)).toBeLessThan(1e-4))));
        a.dispose(); b.dispose();
      }
    }
  });

  it("a cached transpose follows its weight: a new tensor with other values gives other products", () => {
    const rng = new Rng(2);
    const x = rand(rng, [3, 64]);
    let w = rand(rng, [128, 64]);
    for (let round = 0; round < 3; round++) {
      const want = tf.tidy(() => tf.matMul(x, tf.transpose(w)).dataSync());
      for (let i = 0; i < 3; i++) { // the second use caches the transpose, the third reads it
        const got = tf.tidy(() => tf.matMul(x, w, false, true).dataSync());
        got.forEach((v, j) => expect(Math.abs(v - want[j]!)).toBeLessThan(1e-4));
      }
      w.dispose();
      w = rand(rng, [128, 64]);
    }
  });

  it("clones share the buffer but outlive the original", () => {
    const a = tf.tensor([1, 2, 3]);
    const b = tf.clone(a);
    a.dispose();
    expect(Array.from(b.dataSync())).toEqual([1, 2, 3]);
    b.dispose();
  });

  it("the gather gradient (UnsortedSegmentSum) sums rows by index", () => {
    const e = tf.variable(tf.tensor2d([[1, 2], [3, 4], [5, 6]]));
    const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, tf.tensor1d([2, 0, 2], "int32")), tf.tensor2d([[1, 1], [2, 2], [3, 3]]))))(e);
    expect(g.arraySync()).toEqual([[2, 2], [0, 0], [4, 4]]);
  });
});
