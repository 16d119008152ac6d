// Turns the bytes of one contribution into training examples, by the format it was submitted as.
// Everything the engine cannot use is returned as a problem with its reason; nothing is dropped
// silently.
//
//   txt, md            → one `{ text }` example (build.ts then splits it to the training window)
//   jsonl              → one example per line: alpaca (instruction/input/output), sharegpt
//                        (`conversations` of from/value), or `messages` (role/content), or `{ text }`
//   csv (header row)   → one example per row: instruction/input/output, prompt/response
//                        (also question/answer), or a `text` column
//   pdf, docx, images, audio → refused: the shipped engine trains text models on plain text
import type { ChatMessage, TrainingExample } from "../node/engine.ts";
import { FORMAT_NAMES, type FormatName } from "@openledger/protocol";
import { parseCsv } from "@openledger/sdk";

/** The protocol's `Format` names, by index (one source: @openledger/protocol, generated from the Solidity). */
export const FORMATS = FORMAT_NAMES;
export type { FormatName };

export function formatName(format: number | string): FormatName | undefined {
  if (typeof format === "number") return FORMATS[format];
  const lower = format.toLowerCase();
  if (lower === "jpg") return "jpeg";
  if (/^[0-9]+$/.test(lower)) return FORMATS[Number(lower)];
  return (FORMATS as readonly string[]).includes(lower) ? (lower as FormatName) : undefined;
}

/** One thing in a file that did not become a training example. */
export interface Problem {
  /** 1-based line (jsonl) or record line (csv) it concerns; absent for the whole file. */
  line?: number;
  reason: string;
}

export interface Conversion {
  examples: TrainingExample[];
  problems: Problem[];
  /** Set when nothing in the file can be used (unsupported format, not UTF-8, …). */
  refused?: string;
}

const UNSUPPORTED: Partial<Record<FormatName, string>> = {
  pdf: "pdf needs text extraction, which this trainer does not do yet; contribute the text as txt or md",
  docx: "docx needs text extraction, which this trainer does not do yet; contribute the text as txt or md",
};

export function convertContribution(bytes: Uint8Array, format: number | string): Conversion {
  const name = formatName(format);
  if (name === undefined) return { examples: [], problems: [], refused: `unknown format ${String(format)}` };
  const reason = UNSUPPORTED[name];
  if (reason) return { examples: [], problems: [], refused: reason };
  if (FORMATS.indexOf(name) >= FORMATS.indexOf("png")) {
    return { examples: [], problems: [], refused: `${name} is an ${FORMATS.indexOf(name) >= FORMATS.indexOf("wav") ? "audio" : "image"} format; the base model is a text model` };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { examples: [], problems: [], refused: `the file is declared ${name} but is not valid UTF-8 text` };
  }
  if (name === "txt" || name === "md") return convertText(text);
  if (name === "jsonl") return convertJsonl(text);
  return convertCsv(text);
}

function convertText(text: string): Conversion {
  const body = text.replace(/^\uFEFF/, "").replace(/\r\n/g, "\n");
  if (body.trim().length === 0) return { examples: [], problems: [], refused: "the file holds no text" };
  if (body.includes("\u0000")) return { examples: [], problems: [], refused: "the file holds NUL bytes: binary data declared as text" };
  return { examples: [{ text: body }], problems: [] };
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** Alpaca: instruction (+ optional input) → output, with an optional system prompt. */
function fromAlpaca(instruction: string, input: string | undefined, output: string, system?: string): ChatMessage[] {
  const user = input && input.trim().length > 0 ? `${instruction}\n\n${input}` : instruction;
  return [...(system ? [{ role: "system" as const, content: system }] : []), { role: "user", content: user }, { role: "assistant", content: output }];
}

const SHAREGPT_ROLES: Record<string, ChatMessage["role"]> = {
  system: "system", human: "user", user: "user", gpt: "assistant", assistant: "assistant", bot: "assistant", model: "assistant",
};

function checkChat(messages: ChatMessage[]): string | undefined {
  if (messages.length === 0) return "the conversation is empty";
  if (!messages.some((m) => m.role === "assistant")) return "the conversation has no assistant turn to learn from";
  if (messages.some((m) => m.content.length === 0)) return "a turn has empty content";
  return undefined;
}

/** One JSON object → an example, or the reason it is not one. */
export function exampleFromRecord(record: unknown): TrainingExample | string {
  if (record === null || typeof record !== "object" || Array.isArray(record)) return "the line is not a JSON object";
  const r = record as Record<string, unknown>;
  if (Array.isArray(r.messages)) {
    const messages: ChatMessage[] = [];
    for (const [i, m] of r.messages.entries()) {
      const role = str((m as Record<string, unknown>)?.role);
      const content = str((m as Record<string, unknown>)?.content);
      if (role !== "system" && role !== "user" && role !== "assistant") return `messages[${i}].role is ${JSON.stringify(role ?? null)}; expected system, user or assistant`;
      if (content === undefined) return `messages[${i}].content is not a string`;
      messages.push({ role, content });
    }
    return checkChat(messages) ?? { messages };
  }
  if (Array.isArray(r.conversations)) {
    const messages: ChatMessage[] = [];
    for (const [i, m] of r.conversations.entries()) {
      const from = str((m as Record<string, unknown>)?.from);
      const value = str((m as Record<string, unknown>)?.value);
      const role = from === undefined ? undefined : SHAREGPT_ROLES[from.toLowerCase()];
      if (role === undefined) return `conversations[${i}].from is ${JSON.stringify(from ?? null)}; expected system, human or gpt`;
      if (value === undefined) return `conversations[${i}].value is not a string`;
      messages.push({ role, content: value });
    }
    const system = str(r.system);
    if (system) messages.unshift({ role: "system", content: system });
    return checkChat(messages) ?? { messages };
  }
  if ("instruction" in r || "output" in r) {
    const instruction = str(r.instruction);
    const output = str(r.output);
    if (instruction === undefined || instruction.length === 0) return "alpaca record without a string instruction";
    if (output === undefined || output.length === 0) return "alpaca record without a string output";
    if (r.input !== undefined && typeof r.input !== "string") return "alpaca input is not a string";
    return { messages: fromAlpaca(instruction, str(r.input), output, str(r.system)) };
  }
  if ("prompt" in r || "response" in r || "completion" in r) {
    const prompt = str(r.prompt);
    const response = str(r.response) ?? str(r.completion);
    if (!prompt || !response) return "prompt/response record without both strings";
    return { messages: fromAlpaca(prompt, undefined, response) };
  }
  if (typeof r.text === "string") return r.text.trim().length > 0 ? { text: r.text } : "the text is empty";
  return `no known layout: expected messages, conversations, instruction/output, prompt/response or text (keys: ${Object.keys(r).slice(0, 8).join(", ") || "none"})`;
}

function convertJsonl(text: string): Conversion {
  const examples: TrainingExample[] = [];
  const problems: Problem[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [i, line] of lines.entries()) {
    if (line.trim().length === 0) continue;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch (error) {
      problems.push({ line: i + 1, reason: `not JSON: ${(error as Error).message}` });
      continue;
    }
    const example = exampleFromRecord(record);
    if (typeof example === "string") problems.push({ line: i + 1, reason: example });
    else examples.push(example);
  }
  if (examples.length === 0) return { examples, problems, refused: problems.length ? "no line of the file is a usable example" : "the file holds no lines" };
  return { examples, problems };
}

/** Column layouts a csv may use, tried in order; the header names them (case-insensitive). */
const CSV_LAYOUTS: { needs: string[]; build: (get: (name: string) => string | undefined) => TrainingExample | string }[] = [
  {
    needs: ["instruction", "output"],
    build: (get) => {
      const instruction = get("instruction"), output = get("output");
      if (!instruction) return "empty instruction";
      if (!output) return "empty output";
      return { messages: fromAlpaca(instruction, get("input"), output, get("system")) };
    },
  },
  ...[["prompt", "response"], ["prompt", "completion"], ["question", "answer"]].map(([p, a]) => ({
    needs: [p!, a!],
    build: (get: (name: string) => string | undefined) => {
      const prompt = get(p!), answer = get(a!);
      if (!prompt) return `empty ${p}`;
      if (!answer) return `empty ${a}`;
      return { messages: fromAlpaca(prompt, undefined, answer, get("system")) } as TrainingExample;
    },
  })),
  { needs: ["text"], build: (get) => { const t = get("text"); return t && t.trim() ? { text: t } : "empty text"; } },
];

function convertCsv(text: string): Conversion {
  const parsed = parseCsv(text);
  const problems: Problem[] = [];
  const rows = parsed.rows;
  if (parsed.error) problems.push({ line: parsed.error.line, reason: `csv syntax: ${parsed.error.message}; the rest of the file is unread` });
  const header = rows[0]?.map((h) => h.trim().toLowerCase());
  if (!header || header.every((h) => h === "")) return { examples: [], problems, refused: "the csv has no header row" };
  const layout = CSV_LAYOUTS.find((l) => l.needs.every((c) => header.includes(c)));
  if (!layout) {
    return { examples: [], problems, refused: `the csv header (${header.join(", ")}) names no known columns: instruction/input/output, prompt/response, question/answer or text` };
  }
  const examples: TrainingExample[] = [];
  for (let r = 1; r < rows.length; r++) {
    const row = rows[r]!;
    if (row.length === 1 && row[0] === "") continue; // blank line
    if (row.length !== header.length) {
      problems.push({ line: r + 1, reason: `row has ${row.length} fields, the header has ${header.length}` });
      continue;
    }
    const get = (name: string) => { const k = header.indexOf(name); return k < 0 ? undefined : row[k]; };
    const example = layout.build(get);
    if (typeof example === "string") problems.push({ line: r + 1, reason: example });
    else examples.push(example);
  }
  if (examples.length === 0) return { examples, problems, refused: "no row of the csv is a usable example" };
  return { examples, problems };
}
