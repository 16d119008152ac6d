// @openledger/stack: the local stack's parts, for the launcher (`npm start`) and the test kit.
export * from "./banner.ts";
export * from "./chain.ts";
export * from "./folder-lock.ts";
export * from "./ports.ts";
