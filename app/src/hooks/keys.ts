// Query keys, by source: what a write invalidates is chosen by where the data comes from (the chain
// answers at once; the indexer a moment later).
export const keys = {
  chain: (...parts: unknown[]) => ["chain", ...parts] as const,
  indexer: (...parts: unknown[]) => ["indexer", ...parts] as const,
  ipfs: (...parts: unknown[]) => ["ipfs", ...parts] as const,
  trainer: (...parts: unknown[]) => ["trainer", ...parts] as const,
  /** Apart from "trainer": a job write refreshes the jobs, not the estimate (each one times a step). */
  estimate: (request: string) => ["estimate", request] as const,
  health: (...parts: unknown[]) => ["health", ...parts] as const,
};
