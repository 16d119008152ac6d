// Types of the node's HTTP API that clients share (the app imports them by package name): types
// only, so that importing them brings no server code into a browser bundle.
import type { TrainingEstimate } from "../engine/types.ts";

export type { TrainingEstimate };

/** `POST /v1/jobs/estimate`: the engine's estimate of a job, and the data it was counted on. */
export interface JobEstimate extends TrainingEstimate {
  upToBlock: number;
  dataset: {
    /** Accepted contributions of the Datanets up to the block, and their bytes. */
    contributions: number;
    bytes: number;
    /** The ones read to count examples and tokens (all of them unless `extrapolated`). */
    read: number;
    readBytes: number;
    /** Contributions the job would leave out (unreadable, not convertible), among those read. */
    refused: number;
    examples: number;
    tokens: number;
    extrapolated: boolean;
  };
}
