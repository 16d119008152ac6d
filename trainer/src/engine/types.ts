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
/** What the data of a job amounts to, as the node counted it (examples after conversion, tokens each counted up to maxSeqLen + 1). */
export interface DataAmount { examples: number; tokens: number }
/**
 * What a training job will take on this machine, before it starts: its steps counted as `train` counts
 * them, memory and time from one real step measured on rows of the data's average length.
 */
export interface TrainingEstimate {
  examples: { train: number; eval: number };
  /** Tokens of the average row (a micro-batch pads its rows to the longest, so real rows may cost more). */
  rowTokens: number;
  microBatches: number;
  steps: number;
  parameters: number;
  trainableParameters: number;
  memoryBytes: {
    /** The base model's weights as the training process holds them. */
    weights: number;
    /** Trainable copies or adapters, AdamW's moments, NF4 copies, and the gradient sum when accumulating. */
    trainingState: number;
    /** The peak of one step above that: activations kept for the backward pass, gradients, temporaries. */
    step: number;
    total: number;
  };
  /**
   * The micro-batch the engine ran to measure: the job's own (batchSize rows of `rowTokens`) unless
   * that exceeds what it measures at once; then memory and time are scaled from this one (by rows,
   * and by the square of the length ratio for longer rows: an upper bound).
   */
  measured: { rows: number; rowTokens: number };
  /** Measured time of one micro-batch's step, and that times the job's micro-batches (evaluation passes not counted). */
  secondsPerMicroBatch: number;
  seconds: number;
}
