// safetensors: 8-byte little-endian header length, a JSON header, then raw little-endian data.
import { readFileSync, writeFileSync, existsSync, renameSync } from "node:fs";
import { join } from "node:path";

export type SafeDType = "F32" | "F16" | "BF16" | "F64" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

const BYTES: Record<SafeDType, number> = { F32: 4, F16: 2, BF16: 2, F64: 8, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

export interface SafeTensor { dtype: SafeDType; shape: number[]; data: Uint8Array }
export interface SafeFile { tensors: Map<string, SafeTensor>; metadata: Record<string, string> }

export function parseSafetensors(bytes: Uint8Array): SafeFile {
  if (bytes.length < 8) throw new Error("safetensors: file shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > bytes.length - 8) throw new Error(`safetensors: header length ${headerLen} exceeds file size ${bytes.length}`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as Record<string, unknown>;
  const base = 8 + headerLen;
  const tensors = new Map<string, SafeTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") { metadata = (entry ?? {}) as Record<string, string>; continue; }
    const e = entry as { dtype: SafeDType; shape: number[]; data_offsets: [number, number] };
    if (!(e.dtype in BYTES)) throw new Error(`safetensors: tensor ${name} has unsupported dtype ${e.dtype}`);
    const [start, end] = e.data_offsets;
    const expected = e.shape.reduce((a, b) => a * b, 1) * BYTES[e.dtype];
    if (end - start !== expected) throw new Error(`safetensors: tensor ${name} spans ${end - start} bytes, shape ${JSON.stringify(e.shape)} ${e.dtype} needs ${expected}`);
    if (base + end > bytes.length) throw new Error(`safetensors: tensor ${name} runs past the end of the file`);
    tensors.set(name, { dtype: e.dtype, shape: e.shape, data: bytes.subarray(base + start, base + end) });
  }
  return { tensors, metadata };
}

export function readSafetensors(path: string): SafeFile {
  return parseSafetensors(new Uint8Array(readFileSync(path)));
}

/** Serialises tensors in the given order; data of each is aligned to 8 bytes as the reference writer does. */
export function serializeSafetensors(tensors: Map<string, SafeTensor> | [string, SafeTensor][], metadata?: Record<string, string>): Uint8Array {
  const entries = tensors instanceof Map ? [...tensors.entries()] : tensors;
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of entries) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] };
    offset += t.data.length;
  }
  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const pad = (8 - (headerBytes.length % 8)) % 8;
  if (pad) headerBytes = new TextEncoder().encode(JSON.stringify(header) + " ".repeat(pad));
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let p = 8 + headerBytes.length;
  for (const [, t] of entries) { out.set(t.data, p); p += t.data.length; }
  return out;
}

export function writeSafetensors(path: string, tensors: Map<string, SafeTensor> | [string, SafeTensor][], metadata?: Record<string, string>): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, serializeSafetensors(tensors, metadata));
  renameSync(tmp, path);
}

// ---- float conversions ----

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

export function f16ToF32(h: number): number {
  const s = (h & 0x8000) >> 15, e = (h & 0x7c00) >> 10, f = h & 0x03ff;
  if (e === 0) return (s ? -1 : 1) * Math.pow(2, -14) * (f / 1024);
  if (e === 0x1f) return f ? NaN : (s ? -Infinity : Infinity);
  return (s ? -1 : 1) * Math.pow(2, e - 15) * (1 + f / 1024);
}

/** Round-to-nearest-even float32 → float16 bits. */
export function f32ToF16(v: number): number {
  f32buf[0] = v;
  const x = u32buf[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let h = sign | (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return h;
}

export function toFloat32(t: SafeTensor): Float32Array {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const src = t.data;
  const view = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const out = new Float32Array(n);
  switch (t.dtype) {
    case "F32":
      if (src.byteOffset % 4 === 0) return new Float32Array(src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength) as ArrayBuffer);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case "F16":
      for (let i = 0; i < n; i++) out[i] = f16ToF32(view.getUint16(i * 2, true));
      return out;
    case "BF16":
      for (let i = 0; i < n; i++) { u32buf[0] = view.getUint16(i * 2, true) << 16; out[i] = f32buf[0]!; }
      return out;
    case "F64":
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return out;
    case "I64": for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(i * 8, true)); return out;
    case "I32": for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true); return out;
    case "I16": for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true); return out;
    case "I8": for (let i = 0; i < n; i++) out[i] = view.getInt8(i); return out;
    case "U8": case "BOOL": for (let i = 0; i < n; i++) out[i] = src[i]!; return out;
  }
}

export function fromFloat32(values: Float32Array, shape: number[], dtype: "F32" | "F16" | "BF16" = "F32"): SafeTensor {
  const n = values.length;
  if (dtype === "F32") return { dtype, shape, data: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + n * 4) as ArrayBuffer) };
  const data = new Uint8Array(n * 2);
  const view = new DataView(data.buffer);
  for (let i = 0; i < n; i++) {
    if (dtype === "F16") view.setUint16(i * 2, f32ToF16(values[i]!), true);
    else {
      f32buf[0] = values[i]!;
      const x = u32buf[0]!;
      // round to nearest even on the dropped 16 bits
      const rounded = (x + 0x7fff + ((x >>> 16) & 1)) >>> 16;
      view.setUint16(i * 2, Number.isNaN(values[i]!) ? 0x7fc0 : rounded & 0xffff, true);
    }
  }
  return { dtype, shape, data };
}

/** Reads model.safetensors, or every shard listed in model.safetensors.index.json. */
export function readCheckpointTensors(dir: string): { tensors: Map<string, SafeTensor>; files: string[] } {
  const single = join(dir, "model.safetensors");
  const index = join(dir, "model.safetensors.index.json");
  if (existsSync(single)) return { tensors: readSafetensors(single).tensors, files: [single] };
  if (!existsSync(index)) throw new Error(`no model.safetensors or model.safetensors.index.json in ${dir}`);
  const map = (JSON.parse(readFileSync(index, "utf8")) as { weight_map: Record<string, string> }).weight_map;
  const shards = [...new Set(Object.values(map))].sort();
  const tensors = new Map<string, SafeTensor>();
  for (const shard of shards) {
    const file = readSafetensors(join(dir, shard));
    for (const [name, t] of file.tensors) if (map[name] === shard) tensors.set(name, t);
  }
  for (const name of Object.keys(map)) if (!tensors.has(name)) throw new Error(`index lists ${name} in ${map[name]} but the shard lacks it`);
  return { tensors, files: [index, ...shards.map((s) => join(dir, s))] };
}

/** Writes tensors in shards of at most maxShardBytes plus an index, with Hugging Face's file names. */
export function writeShardedCheckpoint(dir: string, tensors: [string, SafeTensor][], maxShardBytes: number): string[] {
  const shards: [string, SafeTensor][][] = [[]];
  let size = 0;
  for (const entry of tensors) {
    if (size > 0 && size + entry[1].data.length > maxShardBytes) { shards.push([]); size = 0; }
    shards[shards.length - 1]!.push(entry);
    size += entry[1].data.length;
  }
  const weightMap: Record<string, string> = {};
  const files: string[] = [];
  const total = tensors.reduce((a, [, t]) => a + t.data.length, 0);
  shards.forEach((shard, i) => {
    const name = `model-${String(i + 1).padStart(5, "0")}-of-${String(shards.length).padStart(5, "0")}.safetensors`;
    writeSafetensors(join(dir, name), shard, { format: "pt" });
    for (const [t] of shard) weightMap[t] = name;
    files.push(name);
  });
  writeFileSync(join(dir, "model.safetensors.index.json"), JSON.stringify({ metadata: { total_size: total }, weight_map: weightMap }, null, 2));
  return ["model.safetensors.index.json", ...files];
}
