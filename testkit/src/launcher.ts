// The whole local stack as its users start it (`npm start`: stack/bin/start.ts) in a child process,
// on free loopback ports and in a state folder of its own, so that it neither meets a stack the
// developer runs in .stack nor writes the repository's deployment file. For the suites that test
// the stack as a whole (test/: the launcher, the demo, the faults).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, projectRoot, STACK_READY_LINE } from "@openledger/stack";

export type StackPorts = Record<"CHAIN_PORT" | "IPFS_PORT" | "INDEXER_PORT" | "TRAINER_PORT" | "APP_PORT", number>;

/** Free loopback ports for every service of a stack, by the environment variables the launcher reads. */
export async function freeStackPorts(): Promise<StackPorts> {
  return { CHAIN_PORT: await freePort(), IPFS_PORT: await freePort(), INDEXER_PORT: await freePort(), TRAINER_PORT: await freePort(), APP_PORT: await freePort() };
}

/** The environment of a stack on `ports` in `stackDir` (also what the seed and the CLI need to find it). */
export function stackEnv(ports: StackPorts, stackDir: string): NodeJS.ProcessEnv {
  return { ...process.env, STACK_DIR: stackDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
}

export interface LaunchedStack {
  child: ChildProcess;
  ports: StackPorts;
  stackDir: string;
  env: NodeJS.ProcessEnv;
  /** Everything the launcher printed so far, stdout and stderr together. */
  output(): string;
  /** Sends `signal` (default SIGTERM) to the launcher and resolves once it has exited; then removes the state folder. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface LaunchOptions {
  /** The launcher's arguments (default `--no-app`). */
  args?: string[];
  /**
   * Start it as `npm start` does, through scripts/bootstrap.mjs (a chain of launcher processes), so
   * that signals reach the outermost one; default: stack/bin/start.ts directly.
   */
  throughBootstrap?: boolean;
  /** How long the services may take to answer (default 300 s). */
  timeoutMs?: number;
}

/** Starts a stack and resolves once the launcher prints its ready line; throws with its output when it exits first or times out. */
export async function launchStack(options: LaunchOptions = {}): Promise<LaunchedStack> {
  const ports = await freeStackPorts();
  const stackDir = mkdtempSync(path.join(os.tmpdir(), "stack-"));
  const env = stackEnv(ports, stackDir);
  const args = options.args ?? ["--no-app"];
  const argv = options.throughBootstrap
    ? [path.join(projectRoot, "scripts", "bootstrap.mjs"), "run", "stack/bin/start.ts", ...args]
    : ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", ...args];
  const child = spawn(process.execPath, argv, { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stack: LaunchedStack = {
    child,
    ports,
    stackDir,
    env,
    output: () => out,
    stop: async (signal = "SIGTERM") => {
      if (!exited()) {
        const gone = new Promise((resolve) => child.once("exit", resolve));
        child.kill(signal);
        await gone;
      }
      rmSync(stackDir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + (options.timeoutMs ?? 300_000);
  while (!out.includes(STACK_READY_LINE)) {
    if (exited()) {
      rmSync(stackDir, { recursive: true, force: true });
      throw new Error(`the stack exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}`);
    }
    if (Date.now() > deadline) {
      await stack.stop("SIGKILL");
      throw new Error(`the stack was not ready after ${(options.timeoutMs ?? 300_000) / 1000} s:\n${out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return stack;
}
