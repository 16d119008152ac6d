// @openledger/protocol: the one source of the protocol's facts. Browser-safe: nothing here reads
// files or starts processes (see `@openledger/protocol/node` and `@openledger/protocol/deploy`).
export * from "./generated/abis.ts";
export * from "./generated/constants.ts";
export * from "./cid.ts";
export * from "./contracts.ts";
export * from "./deployment.ts";
export * from "./formats.ts";
export * from "./governance.ts";
export * from "./manifest.ts";
