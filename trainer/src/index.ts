// @openledger/trainer: the engine (model, tokenizer, training, adapters, generation) and the node
// (dataset pipeline, jobs, model registration, chat API).
export * from "./engine/index.ts";
export { startTrainerNode, type TrainerNode, type TrainerNodeOptions, parseJobRequest, ValidationError, canonicalJson, type JobSpec, type JobRecord, type JobState, type JobEvent } from "./node/index.ts";
export { buildDataset, type BuiltDataset, type ContributionReport } from "./dataset/build.ts";
export { convertContribution, FORMATS } from "./dataset/formats.ts";
export { acceptedContributions, type AcceptedContribution } from "./dataset/indexer.ts";
