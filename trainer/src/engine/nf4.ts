// 4-bit NormalFloat (QLoRA): each block of 64 weights is scaled by its absolute maximum and every
// weight stored as the index (0..15) of the nearest NF4 level, two indices per byte.
export const NF4_LEVELS = new Float32Array([
  -1.0, -0.6961928009986877, -0.5250730514526367, -0.39491748809814453, -0.28444138169288635,
  -0.18477343022823334, -0.09105003625154495, 0.0, 0.07958029955625534, 0.16093020141124725,
  0.24611230194568634, 0.33791524171829224, 0.44070982933044434, 0.5626170039176941,
  0.7229568362236023, 1.0,
]);
export const NF4_BLOCK = 64;

export interface Nf4Tensor { shape: number[]; codes: Uint8Array; absmax: Float32Array; length: number }

// midpoints between consecutive levels, for nearest-level search
const MIDS = Array.from({ length: 15 }, (_, i) => (NF4_LEVELS[i]! + NF4_LEVELS[i + 1]!) / 2);

export function quantizeNf4(values: Float32Array, shape: number[]): Nf4Tensor {
  const n = values.length;
  const blocks = Math.ceil(n / NF4_BLOCK);
  const absmax = new Float32Array(blocks);
  const codes = new Uint8Array(Math.ceil(n / 2));
  for (let b = 0; b < blocks; b++) {
    let m = 0;
    const end = Math.min(n, (b + 1) * NF4_BLOCK);
    for (let i = b * NF4_BLOCK; i < end; i++) m = Math.max(m, Math.abs(values[i]!));
    absmax[b] = m;
    const inv = m > 0 ? 1 / m : 0;
    for (let i = b * NF4_BLOCK; i < end; i++) {
      const x = values[i]! * inv;
      let q = 0;
      while (q < 15 && x > MIDS[q]!) q++;
      codes[i >> 1]! |= (i & 1) ? q << 4 : q;
    }
  }
  return { shape, codes, absmax, length: n };
}

export function dequantizeNf4(q: Nf4Tensor, out: Float32Array = new Float32Array(q.length)): Float32Array {
  const { codes, absmax, length: n } = q;
  const levels = NF4_LEVELS;
  for (let b = 0, start = 0; start < n; b++, start += NF4_BLOCK) {
    const scale = absmax[b]!;
    const end = Math.min(n, start + NF4_BLOCK);
    // blocks start at even indices (64 is even), so each byte holds elements i (low) and i + 1 (high)
    for (let i = start; i < end; i += 2) {
      const byte = codes[i >> 1]!;
      out[i] = levels[byte & 15]! * scale;
      if (i + 1 < end) out[i + 1] = levels[byte >> 4]! * scale;
    }
  }
  return out;
}

export function nf4Bytes(q: Nf4Tensor): number { return q.codes.byteLength + q.absmax.byteLength; }
