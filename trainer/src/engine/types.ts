// The engine's public types (the node codes against these names).
export type Method = "lora" | "qlora" | "full";
export interface LoraSettings { rank: number; alpha: number; dropout: number; targetModules: string[] }
export interface TrainingConfig {
  method: Method; learningRate: number; epochs: number; batchSize: number; gradientAccumulation: number;
  maxSeqLen: number; warmupSteps: number; weightDecay: number; seed: number; evalFraction: number;
  lora?: LoraSettings;
  /** Global gradient-norm clipping (default 1.0, as transformers' Trainer; 0 turns it off). */
  maxGradNorm?: number;
  /**
   * Data-parallel threads (this one included), each with its own 1-thread wasm backend; they split each
   * micro-batch's rows and sum gradients. Default 1, so that a seed gives the same curve on any machine;
   * 2 threads were 7–24% faster on 10M LoRA when a core was free, slower when none was (engine README).
   * The same seed, data and thread count give the same curve bit for bit; another count sums in another order.
   */
  workers?: number;
}
export type ChatMessage = { role: "system" | "user" | "assistant"; content: string };
export type TrainingExample = { text: string } | { messages: ChatMessage[] };
export interface StepProgress { step: number; totalSteps: number; epoch: number; loss: number; tokensPerSecond: number; etaSeconds: number; evalLoss?: number; learningRate?: number }
export interface TrainingResult { outputDir: string; files: { name: string; sha256: string; bytes: number }[]; log: StepProgress[]; finalLoss: number; evalLoss?: number }
export interface Tokenizer {
  encode(text: string): number[];
  decode(ids: number[]): string;
  applyChatTemplate(messages: ChatMessage[], addGenerationPrompt: boolean): string;
  eosTokenId: number;
}
