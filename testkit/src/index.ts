// @openledger/testkit: what the test suites of every package share. Everything binds 127.0.0.1 on
// free ports and cleans up after itself.
export { freePort } from "@openledger/stack";
export * from "./chain.ts";
export * from "./indexer.ts";
export * from "./launcher.ts";
export * from "./postgres.ts";
export * from "./stack.ts";
