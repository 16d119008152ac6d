// What every command group gets from the program: its context (chain, deployment, IPFS, key, vote
// store) built from the global options, and whether to print JSON.
import type { Command } from "commander";
import { createContext, type Context, type GlobalOptions } from "./context.ts";

export interface Cli {
  ctxOf(cmd: Command): Promise<Context>;
  json(cmd: Command): boolean;
}

export const cli: Cli = {
  ctxOf: (cmd) => createContext(cmd.optsWithGlobals() as GlobalOptions),
  json: (cmd) => Boolean((cmd.optsWithGlobals() as GlobalOptions).json),
};
