// The engine as the node sees it: the interface of trainer/src/engine/index.ts, loaded by module
// path so that the training worker, the chat server and the tests all load the same code.
//
// The types mirror the engine's published interface (see trainer/src/engine/README.md); the node
// only uses these names, so an engine that adds fields stays compatible.
import type { DataAmount, TrainingEstimate } from "../engine/types.ts";

export type { DataAmount, TrainingEstimate };
export type Method = "lora" | "qlora" | "full";
export interface LoraSettings { rank: number; alpha: number; dropout: number; targetModules: string[] }
export interface TrainingConfig {
  method: Method; learningRate: number; epochs: number; batchSize: number; gradientAccumulation: number;
  maxSeqLen: number; warmupSteps: number; weightDecay: number; seed: number; evalFraction: number;
  lora?: LoraSettings; workers?: number;
}
export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };
export type TrainingExample = { text: string } | { messages: ChatMessage[] };
export interface StepProgress { step: number; totalSteps: number; epoch: number; loss: number; tokensPerSecond: number; etaSeconds: number; evalLoss?: number }
export interface TrainingResult { outputDir: string; files: { name: string; sha256: string; bytes: number }[]; log: StepProgress[]; finalLoss: number; evalLoss?: number }
export interface Tokenizer { encode(text: string, options?: { addSpecialTokens?: boolean }): number[]; decode(ids: number[]): string; applyChatTemplate(messages: ChatMessage[], addGenerationPrompt: boolean): string; eosTokenId: number }
export interface BaseModel {
  dir: string; config: Record<string, unknown>; family: string; weightsSha256: string; tokenizer: Tokenizer; dispose(): void;
  /** Positions the model attends over (prompt + completion); unknown when the engine does not say. */
  contextLength?: number;
}
export interface Adapter { id: string; dispose(): void }
export interface GenerateOptions {
  maxTokens: number; temperature: number; topP: number; seed?: number; stop?: string[];
  onToken?: (text: string) => void; signal?: AbortSignal;
}
export interface GenerateResult { text: string; promptTokens: number; completionTokens: number; finishReason: "stop" | "length" }

export interface Engine {
  loadBaseModel(dir: string): Promise<BaseModel>;
  train(base: BaseModel, examples: TrainingExample[], config: TrainingConfig, options: {
    outputDir: string; checkpointDir: string; checkpointEvery?: number;
    onProgress?: (p: StepProgress) => void; signal?: AbortSignal;
  }): Promise<TrainingResult>;
  loadAdapter(base: BaseModel, adapterDir: string): Promise<Adapter>;
  generate(base: BaseModel, adapter: Adapter | null, prompt: string, options: GenerateOptions): Promise<GenerateResult>;
  SHIPPED_BASE_MODEL_DIR: string;
  /** What a job of these settings on this much data will take here (memory, time, steps), before it starts. */
  estimate?(base: BaseModel, config: TrainingConfig, data: DataAmount): Promise<TrainingEstimate>;
  /** The module paths of a model's linear layers, from its config.json (lets the node check lora.targetModules at submission). */
  loraTargets?(config: Record<string, unknown>): string[];
}

/** The engine that ships with the trainer. */
export const DEFAULT_ENGINE_MODULE = new URL("../engine/index.ts", import.meta.url).href;

/** Imports an engine module (a file path or URL); `TRAINER_ENGINE_MODULE` overrides the default. */
export async function loadEngine(modulePath?: string): Promise<Engine> {
  const target = modulePath ?? process.env.TRAINER_ENGINE_MODULE ?? DEFAULT_ENGINE_MODULE;
  const href = /^[a-z]+:/i.test(target) ? target : new URL(`file://${target.startsWith("/") ? "" : process.cwd() + "/"}${target}`).href;
  const mod = (await import(href)) as Engine;
  for (const name of ["loadBaseModel", "train", "loadAdapter", "generate"] as const) {
    if (typeof mod[name] !== "function") throw new Error(`engine module ${target} does not export ${name}()`);
  }
  return mod;
}

/** The file name of the one-file model artifact a method produces. */
export function artifactFileName(method: Method): string {
  return method === "full" ? "model.safetensors" : "adapter_model.safetensors";
}
