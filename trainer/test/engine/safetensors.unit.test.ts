import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { f16ToF32, f32ToF16, fromFloat32, parseSafetensors, readCheckpointTensors, serializeSafetensors, toFloat32, writeShardedCheckpoint } from "../../src/engine/safetensors.ts";
import { tempDir } from "./helpers.ts";

describe("safetensors", () => {
  it("writes the reference layout: u64 header length, JSON header padded to 8 bytes, data offsets", () => {
    const bytes = serializeSafetensors([["a", fromFloat32(new Float32Array([1, 2, 3]), [3])], ["b", fromFloat32(new Float32Array([4]), [1, 1])]], { format: "pt" });
    const len = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(len % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
    expect(header.__metadata__).toEqual({ format: "pt" });
    expect(header.a).toEqual({ dtype: "F32", shape: [3], data_offsets: [0, 12] });
    expect(header.b).toEqual({ dtype: "F32", shape: [1, 1], data_offsets: [12, 16] });
    expect(new Float32Array(bytes.slice(8 + len).buffer)).toEqual(new Float32Array([1, 2, 3, 4]));
  });

  it("round-trips F32 exactly and F16/BF16 within their precision", () => {
    const v = new Float32Array([0, 1, -2.5, 3.14159, 65504, 1e-3, -7.25e-5, 123.456]);
    const back = (dtype: "F32" | "F16" | "BF16") => toFloat32(parseSafetensors(serializeSafetensors([["x", fromFloat32(v, [2, 4], dtype)]])).tensors.get("x")!);
    expect(back("F32")).toEqual(v);
    const f16 = back("F16"), bf16 = back("BF16");
    v.forEach((x, i) => {
      expect(Math.abs(f16[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 1e-3 + 1e-7);
      expect(Math.abs(bf16[i]! - x)).toBeLessThanOrEqual(Math.abs(x) * 8e-3 + 1e-30);
    });
  });

  it("converts known float16 bit patterns", () => {
    expect(f16ToF32(0x3c00)).toBe(1);
    expect(f16ToF32(0xc000)).toBe(-2);
    expect(f16ToF32(0x7bff)).toBe(65504);
    expect(f16ToF32(0x0001)).toBeCloseTo(5.960464477539063e-8, 20);
    expect(f32ToF16(1)).toBe(0x3c00);
    expect(f32ToF16(-2)).toBe(0xc000);
    expect(f32ToF16(65504)).toBe(0x7bff);
    expect(f32ToF16(1e6)).toBe(0x7c00); // overflow to infinity
  });

  it("rejects a header whose offsets disagree with the shape", () => {
    const bytes = serializeSafetensors([["x", fromFloat32(new Float32Array([1, 2]), [2])]]);
    const len = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + len)).replace("[2]", "[3]");
    const bad = new Uint8Array(bytes.length);
    bad.set(bytes); bad.set(new TextEncoder().encode(text), 8);
    expect(() => parseSafetensors(bad)).toThrow(/needs 12/);
  });

  it("writes and reads sharded checkpoints with model.safetensors.index.json", () => {
    const dir = tempDir();
    const tensors = Array.from({ length: 5 }, (_, i) => [`t${i}`, fromFloat32(new Float32Array(100).fill(i), [10, 10])] as [string, ReturnType<typeof fromFloat32>]);
    const files = writeShardedCheckpoint(dir, tensors, 900);
    expect(files[0]).toBe("model.safetensors.index.json");
    expect(files.length).toBeGreaterThan(2);
    const index = JSON.parse(readFileSync(join(dir, "model.safetensors.index.json"), "utf8"));
    expect(index.metadata.total_size).toBe(2000);
    const { tensors: back } = readCheckpointTensors(dir);
    expect([...back.keys()].sort()).toEqual(["t0", "t1", "t2", "t3", "t4"]);
    expect(toFloat32(back.get("t3")!)[42]).toBe(3);
  });
});
