// One stack per state folder: `<folder>/state.json` names the running stack (its pid, ports and the
// pids of its services). A start over a live one, or on a port in use, is refused before anything
// is built or deployed.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { processAlive } from "./folder-lock.ts";

/**
 * Where a stack keeps its state: `STACK_DIR`, or `<project>/.stack`. The default stack writes its
 * deployment to the repository's deployments folder (where the CLI finds it by chain id); a stack
 * in another folder keeps its own, under `<folder>/deployments`.
 */
export function stackFolders(projectRoot: string, env: NodeJS.ProcessEnv = process.env): { stateDir: string; deploymentsDir: string | undefined } {
  const defaultStateDir = path.join(projectRoot, ".stack");
  const stateDir = env.STACK_DIR ? path.resolve(env.STACK_DIR) : defaultStateDir;
  return { stateDir, deploymentsDir: stateDir === defaultStateDir ? undefined : path.join(stateDir, "deployments") };
}

export interface StackState {
  pid: number;
  startedAt: string;
  ports: Record<string, number>;
  /** The current process of each supervised service (they change on restarts). */
  services?: Record<string, number>;
}

export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

export class StateFolder {
  readonly dir: string;
  readonly file: string;
  private claimed = false;
  private state?: StackState;

  constructor(dir: string) {
    this.dir = dir;
    this.file = path.join(dir, "state.json");
  }

  /** Refuses a live stack in this folder or a busy port; then writes this process's state. */
  async claim(ports: Record<string, number>): Promise<void> {
    if (existsSync(this.file)) {
      const running = JSON.parse(readFileSync(this.file, "utf8")) as StackState;
      if (running.pid !== process.pid && processAlive(running.pid)) {
        const list = Object.entries(running.ports).map(([name, port]) => `${name} ${port}`).join(", ");
        throw new Error(
          `a local stack is already running from ${path.relative(process.cwd(), this.dir) || this.dir} (pid ${running.pid}, started ${running.startedAt}; ports: ${list}).\n` +
            `  Use it as it is, stop it (Ctrl-C in its terminal, or kill ${running.pid}), or start another with STACK_DIR=<folder> and other ports.`,
        );
      }
    }
    const busy: string[] = [];
    for (const [name, port] of Object.entries(ports)) if (!(await portFree(port))) busy.push(`${name} port ${port}`);
    if (busy.length > 0) {
      const one = busy.length === 1;
      throw new Error(`${busy.join(", ")} ${one ? "is" : "are"} in use by another program: nothing was started. Free ${one ? "it" : "them"}, or choose other ports (CHAIN_PORT, IPFS_PORT, INDEXER_PORT, TRAINER_PORT, APP_PORT).`);
    }
    mkdirSync(this.dir, { recursive: true });
    this.state = { pid: process.pid, startedAt: new Date().toISOString(), ports };
    this.write();
    this.claimed = true;
  }

  /** Records the services' current pids (after a start or a restart). */
  services(pids: Record<string, number>): void {
    if (!this.state) return;
    this.state.services = pids;
    this.write();
  }

  release(): void {
    if (!this.claimed) return;
    try {
      const state = JSON.parse(readFileSync(this.file, "utf8")) as StackState;
      if (state.pid === process.pid) rmSync(this.file, { force: true });
    } catch {
      // already gone
    }
  }

  private write(): void {
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state, null, 2) + "\n");
    renameSync(temporary, this.file);
  }
}
