// Keeps the stack's services running: each is its own process, and one that exits while the stack
// is up is started again after a backoff (1 s, doubling to 30 s; back to 1 s once it has run a
// minute), with its log appended, so a crashed indexer resumes from its database and a crashed
// trainer resumes its jobs. Each service runs in a process group of its own, so what it started
// (Ponder under the indexer's launcher, a training process under the trainer) goes with it: a
// service that died has its leftovers killed before it is started again, and stopping sends SIGTERM
// to every group and SIGKILL to one that has not exited 10 s later.
import { spawn, type ChildProcess } from "node:child_process";
import { openSync } from "node:fs";

export interface ServiceSpec {
  /** For people: "indexer", "IPFS node". */
  name: string;
  /** Arguments to `node`. */
  args: string[];
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** The service's log file (appended to on restarts). */
  log: string;
}

export interface SupervisorEvents {
  /** A service exited on its own and will be started again after `delayMs`. */
  restarting(name: string, reason: string, attempt: number, delayMs: number): void;
  /** A service was started (again); `pid` is its process id. */
  started(name: string, pid: number): void;
}

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
const HEALTHY_AFTER_MS = 60_000;
const KILL_AFTER_MS = 10_000;

interface Running {
  spec: ServiceSpec;
  child: ChildProcess;
  startedAt: number;
  attempt: number;
  timer?: NodeJS.Timeout;
}

export class Supervisor {
  private readonly services = new Map<string, Running>();
  private stopping = false;
  private readonly events: SupervisorEvents;

  constructor(events: SupervisorEvents) {
    this.events = events;
  }

  /** Starts a service and keeps it running until `stopAll`. */
  start(spec: ServiceSpec): ChildProcess {
    const running: Running = { spec, child: this.spawn(spec), startedAt: Date.now(), attempt: 0 };
    this.services.set(spec.name, running);
    this.watch(running);
    if (running.child.pid) this.events.started(spec.name, running.child.pid);
    return running.child;
  }

  /** The current process of a service (it changes on restarts). */
  child(name: string): ChildProcess | undefined {
    return this.services.get(name)?.child;
  }

  pids(): Record<string, number> {
    return Object.fromEntries([...this.services].map(([name, r]) => [name, r.child.pid ?? 0]));
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.services.values()].map((r) => (clearTimeout(r.timer), terminate(r.child, { group: true }))));
  }

  private spawn(spec: ServiceSpec): ChildProcess {
    const out = openSync(spec.log, "a");
    return spawn(process.execPath, spec.args, { cwd: spec.cwd, env: spec.env, stdio: ["ignore", out, out], detached: true });
  }

  private watch(running: Running): void {
    running.child.once("exit", (code, signal) => {
      if (this.stopping) return;
      // Whatever the dead service started would hold its port against the restart.
      signalGroup(running.child, "SIGKILL");
      const ranFor = Date.now() - running.startedAt;
      running.attempt = ranFor >= HEALTHY_AFTER_MS ? 1 : running.attempt + 1;
      const delayMs = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (running.attempt - 1));
      this.events.restarting(running.spec.name, signal ?? `exit code ${code}`, running.attempt, delayMs);
      running.timer = setTimeout(() => {
        if (this.stopping) return;
        running.child = this.spawn(running.spec);
        running.startedAt = Date.now();
        this.watch(running);
        if (running.child.pid) this.events.started(running.spec.name, running.child.pid);
      }, delayMs);
    });
  }
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // the group is already empty
  }
}

/**
 * SIGTERM, then SIGKILL if the process has not exited in time; resolves once it has exited. With
 * `group`, the signals go to its whole process group, and what is left of the group is killed once
 * the leader has exited.
 */
export async function terminate(child: ChildProcess, options: { group?: boolean } = {}): Promise<void> {
  const send = (signal: NodeJS.Signals) => (options.group ? signalGroup(child, signal) : child.kill(signal));
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    send("SIGTERM");
    const timer = setTimeout(() => send("SIGKILL"), KILL_AFTER_MS);
    await exited;
    clearTimeout(timer);
  }
  if (options.group) signalGroup(child, "SIGKILL");
}
