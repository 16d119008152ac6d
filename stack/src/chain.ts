// Starts a real Hardhat node (`hardhat node`, EDR) on a loopback port: for the local stack and tests.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { publicClientFor } from "@openledger/protocol/deploy";
import { freePort } from "./ports.ts";

/** The repository root: the Hardhat project whose node this starts. */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const hardhatCli = path.join(root, "node_modules", "hardhat", "dist", "src", "cli.js");
export const projectRoot = root;

export interface LocalChain {
  rpcUrl: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export interface ChainOptions {
  /** Port on 127.0.0.1; a free one when omitted. */
  port?: number;
  /** File that receives the node's output (it logs every RPC call); discarded when omitted. */
  logFile?: string;
  /**
   * Whether the node reads the contracts' build info, so that its log names the contract and
   * function of each call and its revert messages carry Solidity stack traces (default true: what an
   * operator reading the stack's chain log wants). Reading it (one compilation job of the protocol and
   * its Solidity tests, about 57 MB) costs about 1.7 s and 2 CPU-s of the node's 3 s start; tests,
   * which decode reverts from the ABIs, pass false.
   */
  decodeContracts?: boolean;
}

/**
 * Set to "1" in a node's environment: hardhat.config.ts then gives it an artifacts folder without
 * build info (see `decodeContracts`).
 */
const UNDECODED_NODE_ENV = "OPENLEDGER_UNDECODED_NODE";

export async function startChain(options: ChainOptions = {}): Promise<LocalChain> {
  const port = options.port ?? (await freePort());
  const rpcUrl = `http://127.0.0.1:${port}`;
  const out = options.logFile ? openSync(options.logFile, "w") : "ignore";
  const child: ChildProcess = spawn(process.execPath, [hardhatCli, "node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: root,
    stdio: ["ignore", out, "pipe"],
    env: options.decodeContracts === false ? { ...process.env, [UNDECODED_NODE_ENV]: "1" } : process.env,
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = publicClientFor(rpcUrl);
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited with ${child.exitCode}: ${stderr}`);
    try {
      await client.getChainId();
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill("SIGKILL");
        throw new Error(`hardhat node did not start on ${rpcUrl}: ${stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    rpcUrl,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
