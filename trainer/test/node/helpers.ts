// Shared test helpers: which engine the node tests run against, and small HTTP utilities.
import { existsSync } from "node:fs";
import path from "node:path";
import { loadEngine, type Engine } from "../../src/node/engine.ts";

export const STUB_ENGINE = path.join(import.meta.dirname, "stub-engine.ts");
export const REAL_ENGINE = path.join(import.meta.dirname, "..", "..", "src", "engine", "index.ts");

/** The real engine and its shipped base model; the stand-in only when asked for (TRAINER_TEST_ENGINE=stub). */
export async function testEngine(): Promise<Engine> {
  if (process.env.TRAINER_TEST_ENGINE === "stub") return loadEngine(STUB_ENGINE);
  const engine = await loadEngine(REAL_ENGINE);
  if (!existsSync(path.join(engine.SHIPPED_BASE_MODEL_DIR, "model.safetensors"))) {
    throw new Error(`the shipped base model is missing from ${engine.SHIPPED_BASE_MODEL_DIR}`);
  }
  return engine;
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 60_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; Date.now() < deadline; i++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Reads a server-sent-event stream into {event, data} records until it ends. */
export async function readSse(response: Response, onEvent?: (e: { event?: string; data: string }) => void): Promise<{ event?: string; data: string }[]> {
  const out: { event?: string; data: string }[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (!data) continue;
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const record = event === undefined ? { data } : { event, data };
      out.push(record);
      onEvent?.(record);
    }
  }
  return out;
}

/**
 * A tiny random Llama checkpoint (byte-level tokenizer, ChatML template) written with the real
 * engine's own helpers, for tests that need the real engine before its shipped model exists.
 */
export async function writeTinyRealModel(dir: string): Promise<string> {
  const init = await import("../../src/engine/random-init.ts");
  const cfg = init.tinyLlamaConfig();
  init.writeModelFolder(dir, cfg, init.randomCheckpoint(cfg, { seed: 7 }), init.byteLevelTokenizerJson(), { eos_token: "<|im_end|>", bos_token: null, chat_template: init.CHATML_TEMPLATE, model_max_length: 256 });
  return dir;
}

/** The real engine's shipped base model when it exists, else a tiny random one written to `dir`. */
export async function realBaseModel(dir: string): Promise<string> {
  const engine = await loadEngine(REAL_ENGINE);
  if (existsSync(path.join(engine.SHIPPED_BASE_MODEL_DIR, "model.safetensors"))) return engine.SHIPPED_BASE_MODEL_DIR;
  return writeTinyRealModel(dir);
}
