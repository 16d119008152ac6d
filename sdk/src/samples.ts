// Real sample files of every protocol format, for the demo seed and the tests. Most are written
// here from code (so they are ours to ship and vary with a seed, giving distinct content); JPEG,
// WebP, MP3 and FLAC need real encoders and come from sdk/samples/ (made with Debian's ImageMagick,
// cwebp, lame and flac by sdk/samples/make.sh, from generated pictures and tones).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { crc32, deflateSync } from "node:zlib";
import type { FormatName } from "./formats.ts";

const encoder = new TextEncoder();
const SAMPLES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "samples");

function u16le(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff];
}
function u32le(n: number): number[] {
  return [n & 0xff, (n >> 8) & 0xff, (n >> 16) & 0xff, (n >>> 24) & 0xff];
}
function u32be(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
}

/** A small deterministic pseudo-random generator (mulberry32), so samples differ by seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pixels(width: number, height: number, seed: number): Uint8Array {
  const r = rng(seed);
  const [a, b, c] = [r() * 255, r() * 255, r() * 255];
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      out[i] = (a + (x * 255) / width) & 0xff;
      out[i + 1] = (b + (y * 255) / height) & 0xff;
      out[i + 2] = (c + ((x + y) * 128) / (width + height)) & 0xff;
    }
  }
  return out;
}

export function png(seed = 1, width = 32, height = 32): Uint8Array {
  const rgb = pixels(width, height, seed);
  const raw = new Uint8Array((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) raw.set(rgb.subarray(y * width * 3, (y + 1) * width * 3), y * (width * 3 + 1) + 1);
  const chunk = (type: string, data: Uint8Array) => {
    const body = new Uint8Array([...encoder.encode(type), ...data]);
    return [...u32be(data.length), ...body, ...u32be(crc32(body))];
  };
  const header = new Uint8Array([...u32be(width), ...u32be(height), 8, 2, 0, 0, 0]);
  return new Uint8Array([
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a,
    ...chunk("IHDR", header),
    ...chunk("IDAT", new Uint8Array(deflateSync(raw))),
    ...chunk("IEND", new Uint8Array()),
  ]);
}

export function bmp(seed = 1, width = 16, height = 16): Uint8Array {
  const rgb = pixels(width, height, seed);
  const rowSize = Math.ceil((width * 3) / 4) * 4;
  const data = new Uint8Array(rowSize * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = ((height - 1 - y) * width + x) * 3;
      const dst = y * rowSize + x * 3;
      data[dst] = rgb[src + 2]!;
      data[dst + 1] = rgb[src + 1]!;
      data[dst + 2] = rgb[src]!;
    }
  }
  const size = 54 + data.length;
  return new Uint8Array([
    0x42, 0x4d, ...u32le(size), 0, 0, 0, 0, ...u32le(54),
    ...u32le(40), ...u32le(width), ...u32le(height), ...u16le(1), ...u16le(24), ...u32le(0), ...u32le(data.length), ...u32le(2835), ...u32le(2835), ...u32le(0), ...u32le(0),
    ...data,
  ]);
}

/** Baseline uncompressed RGB TIFF, little-endian, one strip. */
export function tiff(seed = 1, width = 16, height = 16): Uint8Array {
  const data = pixels(width, height, seed);
  const entries: [number, number, number, number][] = [
    [256, 3, 1, width], // ImageWidth
    [257, 3, 1, height], // ImageLength
    [258, 3, 1, 8], // BitsPerSample (8, applied to all samples by readers for count 1)
    [259, 3, 1, 1], // Compression: none
    [262, 3, 1, 2], // Photometric: RGB
    [273, 4, 1, 0], // StripOffsets (filled below)
    [277, 3, 1, 3], // SamplesPerPixel
    [278, 3, 1, height], // RowsPerStrip
    [279, 4, 1, data.length], // StripByteCounts
  ];
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  const dataOffset = ifdOffset + ifdSize;
  entries[5]![3] = dataOffset;
  const ifd: number[] = [...u16le(entries.length)];
  for (const [tag, type, count, value] of entries) {
    ifd.push(...u16le(tag), ...u16le(type), ...u32le(count), ...(type === 3 ? [...u16le(value), 0, 0] : u32le(value)));
  }
  ifd.push(...u32le(0));
  return new Uint8Array([0x49, 0x49, 0x2a, 0x00, ...u32le(ifdOffset), ...ifd, ...data]);
}

/** 16-bit mono PCM WAV of a tone. */
export function wav(seed = 1, seconds = 0.25, sampleRate = 8000): Uint8Array {
  const frequency = 220 + Math.floor(rng(seed)() * 660);
  const n = Math.floor(seconds * sampleRate);
  const pcm: number[] = [];
  for (let i = 0; i < n; i++) pcm.push(...u16le(Math.round(Math.sin((2 * Math.PI * frequency * i) / sampleRate) * 12_000) & 0xffff));
  const fmt = [...u16le(1), ...u16le(1), ...u32le(sampleRate), ...u32le(sampleRate * 2), ...u16le(2), ...u16le(16)];
  const body = [...encoder.encode("WAVE"), ...encoder.encode("fmt "), ...u32le(16), ...fmt, ...encoder.encode("data"), ...u32le(pcm.length), ...pcm];
  return new Uint8Array([...encoder.encode("RIFF"), ...u32le(body.length), ...body]);
}

/** A one-page PDF with a line of text; the cross-reference table has the real offsets. */
export function pdf(text: string): Uint8Array {
  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const stream = `BT /F1 12 Tf 72 720 Td (${escaped}) Tj ET`;
  const objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  let body = "%PDF-1.4\n";
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return encoder.encode(body);
}

/** A ZIP of stored (uncompressed) entries. */
function zip(files: [string, Uint8Array][]): Uint8Array {
  const local: number[] = [];
  const central: number[] = [];
  for (const [name, data] of files) {
    const nameBytes = [...encoder.encode(name)];
    const crc = crc32(data);
    const offset = local.length;
    const common = [...u16le(20), ...u16le(0), ...u16le(0), ...u16le(0), ...u16le(0x21), ...u32le(crc), ...u32le(data.length), ...u32le(data.length), ...u16le(nameBytes.length), ...u16le(0)];
    local.push(0x50, 0x4b, 0x03, 0x04, ...common, ...nameBytes, ...data);
    central.push(0x50, 0x4b, 0x01, 0x02, ...u16le(20), ...common, ...u16le(0), ...u16le(0), ...u16le(0), ...u32le(0), ...u32le(offset), ...nameBytes);
  }
  const end = [0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, ...u16le(files.length), ...u16le(files.length), ...u32le(central.length), ...u32le(local.length), 0, 0];
  return new Uint8Array([...local, ...central, ...end]);
}

/** A minimal WordprocessingML document with one paragraph. */
export function docx(text: string): Uint8Array {
  const xmlText = text.replace(/[<>&]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;" })[c]!);
  const w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
  return zip([
    [
      "[Content_Types].xml",
      encoder.encode(
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
      ),
    ],
    [
      "_rels/.rels",
      encoder.encode(
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
      ),
    ],
    ["word/document.xml", encoder.encode(`<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="${w}"><w:body><w:p><w:r><w:t>${xmlText}</w:t></w:r></w:p></w:body></w:document>`)],
  ]);
}

const TOPICS = ["rivers", "mountains", "deserts", "forests", "oceans", "islands", "lakes", "volcanoes", "glaciers", "valleys"];

/** Distinct text content for seed n. */
export function sentence(seed: number): string {
  const topic = TOPICS[seed % TOPICS.length]!;
  return `Note ${seed}: ${topic} shape the land around them, and each one has a story of its own.`;
}

export function txt(seed = 1): Uint8Array {
  return encoder.encode(`${sentence(seed)}\n${sentence(seed + 100)}\n`);
}

export function md(seed = 1): Uint8Array {
  return encoder.encode(`# ${TOPICS[seed % TOPICS.length]}\n\n${sentence(seed)}\n\n- first fact\n- second fact\n`);
}

export function jsonl(seed = 1): Uint8Array {
  const rows = [0, 1, 2].map((i) => ({ instruction: `What do ${TOPICS[(seed + i) % TOPICS.length]} do? (${seed}.${i})`, input: "", output: sentence(seed + i) }));
  return encoder.encode(rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
}

export function csv(seed = 1): Uint8Array {
  const rows = [0, 1, 2].map((i) => `"What do ${TOPICS[(seed + i) % TOPICS.length]} do? (${seed}.${i})","${sentence(seed + i).replace(/"/g, '""')}"`);
  return encoder.encode(`prompt,response\n${rows.join("\n")}\n`);
}

/** The shipped files made by real encoders (see sdk/samples/make.sh). */
export function shipped(name: "jpeg" | "webp" | "mp3" | "flac", index = 1): Uint8Array {
  const ext = name === "jpeg" ? "jpg" : name;
  return new Uint8Array(readFileSync(path.join(SAMPLES_DIR, `sample-${index}.${ext}`)));
}

/** The number of distinct shipped files of each encoded format. */
export const SHIPPED_VARIANTS = 3;

/** A valid file of any format; `seed` makes the content distinct (shipped formats cycle through their variants). */
export function sampleFile(format: FormatName, seed = 1): Uint8Array {
  switch (format) {
    case "txt":
      return txt(seed);
    case "md":
      return md(seed);
    case "jsonl":
      return jsonl(seed);
    case "csv":
      return csv(seed);
    case "pdf":
      return pdf(sentence(seed));
    case "docx":
      return docx(sentence(seed));
    case "png":
      return png(seed);
    case "bmp":
      return bmp(seed);
    case "tiff":
      return tiff(seed);
    case "wav":
      return wav(seed);
    case "jpeg":
    case "webp":
    case "mp3":
    case "flac":
      return shipped(format, ((seed - 1) % SHIPPED_VARIANTS) + 1);
  }
}
