// The main command, as a newcomer runs it: `npm start` brings every service up on free loopback
// ports (the app included) and prints where each listens. Then the launcher as an attacker of its
// own state would meet it: a second start over the running stack is refused before anything is
// deployed, a start on a port in use is refused, and SIGTERM sent to the outermost launcher process
// stops every child and frees every port. Before that, two cheap starts that end early: a
// misspelt option is refused with the usage before anything starts, and a launcher whose output
// reader goes away mid-start (the pipe closed: a write fails with EPIPE) stops the chain it started
// instead of dying and leaving it behind.
//
// One full stack for the rest (a stack start is the dearest part of this suite). `--exit` stops through
// the same path as SIGTERM once the banner is printed. A service killed while the stack runs is
// restarted: the fault suite (faults.test.ts) kills the indexer, IPFS and the trainer and checks
// what each brings back.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { publicClientFor } from "@openledger/protocol/deploy";
import { projectRoot } from "@openledger/stack";
import { freeStackPorts, launchStack, stackEnv } from "@openledger/testkit";

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(true));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(false)));
  });
}

/** Processes (by pid) whose environment names `stackDir` as STACK_DIR: the launcher and every service it started. */
function processesOf(stackDir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(`STACK_DIR=${stackDir}`)) found.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return found;
}

describe("the main command (npm start)", () => {
  it("refuses a misspelt option with usage, before anything starts", () => {
    const stackDir = mkdtempSync(path.join(os.tmpdir(), "stack-usage-"));
    const run = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", "--no-ap"], { cwd: projectRoot, env: { ...process.env, STACK_DIR: stackDir }, encoding: "utf8", timeout: 60_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/Unknown option '--no-ap'/);
    expect(run.stderr).toMatch(/--no-app\s+leave the web app out/);
    expect(readdirSync(stackDir)).toEqual([]);
    rmSync(stackDir, { recursive: true, force: true });
  });

  it.runIf(process.platform === "linux")("stops what it started when the reader of its output goes away mid-start (EPIPE), leaving no service behind", async () => {
    const ports = await freeStackPorts();
    const stackDir = mkdtempSync(path.join(os.tmpdir(), "stack-epipe-"));
    const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", "--no-trainer", "--no-app"], { cwd: projectRoot, env: stackEnv(ports, stackDir), stdio: ["ignore", "pipe", "pipe"] });
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    try {
      let out = "";
      // The reader goes away as the chain starts: the launcher's next line (the deployment's) fails.
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on("data", (c: Buffer) => {
          out += c.toString();
          if (out.includes("• starting the Hardhat node")) resolve();
        });
        void exited.then(() => reject(new Error(`the launcher exited before starting the chain:\n${out}`)));
      });
      child.stdout!.destroy();
      child.stderr!.destroy();
      expect(await exited).toBe(1);
      // The chain had been started (its log is there), and nothing of the stack runs any more.
      expect(existsSync(path.join(stackDir, "chain.log"))).toBe(true);
      expect(processesOf(stackDir)).toEqual([]);
      expect(await listening(ports.CHAIN_PORT)).toBe(false);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
      for (const pid of processesOf(stackDir)) process.kill(pid, "SIGKILL");
      rmSync(stackDir, { recursive: true, force: true });
    }
  });

  it("brings up every service and prints every endpoint and funded account; refuses a second stack on the same folder or a busy port; stops every child on SIGTERM to the outer launcher", async () => {
    // Every service, the app included, through the launchers `npm start` runs.
    const stack = await launchStack({ args: [], throughBootstrap: true, timeoutMs: 400_000 });
    const { ports: p, stackDir, child: first } = stack;
    try {
      const out = stack.output();
      expect(out).toMatch(new RegExp(`app\\s+http://127\\.0\\.0\\.1:${p.APP_PORT}/`));
      expect(out).toMatch(new RegExp(`chain\\s+http://127\\.0\\.0\\.1:${p.CHAIN_PORT}`));
      expect(out).toMatch(new RegExp(`ipfs\\s+http://127\\.0\\.0\\.1:${p.IPFS_PORT}/api/v0`));
      expect(out).toMatch(new RegExp(`indexer\\s+http://127\\.0\\.0\\.1:${p.INDEXER_PORT}/graphql`));
      expect(out).toMatch(new RegExp(`trainer\\s+http://127\\.0\\.0\\.1:${p.TRAINER_PORT}/v1`));
      for (const name of ["OpenToken", "ValidatorStaking", "Datanets", "ModelRegistry"]) expect(out).toMatch(new RegExp(`${name}\\s+0x[0-9a-fA-F]{40}`));
      expect(out).toMatch(/#9 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720/);
      // A stack in its own folder keeps its deployment there, not over the repository's.
      expect(existsSync(path.join(stackDir, "deployments", "31337.json"))).toBe(true);
      // The chain endpoint refuses oversized bodies before the node reads them, and keeps answering.
      const chainUrl = `http://127.0.0.1:${p.CHAIN_PORT}`;
      const huge = await fetch(chainUrl, { method: "POST", headers: { "content-type": "application/json" }, body: `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["${"x".repeat(20 * 1024 * 1024)}"]}` });
      expect(huge.status).toBe(413);
      expect(((await huge.json()) as { error: { message: string } }).error.message).toMatch(/over the chain endpoint's limit of 8388608 bytes/);
      expect((await fetch(chainUrl)).status).toBe(405);
      expect(await publicClientFor(chainUrl).getChainId()).toBe(31337);

      const state = JSON.parse(readFileSync(path.join(stackDir, "state.json"), "utf8")) as { pid: number };
      const deployment = readFileSync(path.join(stackDir, "deployments", "31337.json"), "utf8");

      const again = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", "--no-trainer", "--no-app"], { cwd: projectRoot, env: stackEnv(await freeStackPorts(), stackDir), encoding: "utf8", timeout: 120_000 });
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(new RegExp(`already running .*\\(pid ${state.pid},.*chain ${p.CHAIN_PORT}`));
      expect(again.stdout).not.toMatch(/deploying/);
      expect(readFileSync(path.join(stackDir, "deployments", "31337.json"), "utf8")).toBe(deployment);

      const elsewhere = mkdtempSync(path.join(os.tmpdir(), "stack-busy-"));
      const busy = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", "--no-trainer", "--no-app"], { cwd: projectRoot, env: stackEnv({ ...(await freeStackPorts()), CHAIN_PORT: p.CHAIN_PORT }, elsewhere), encoding: "utf8", timeout: 120_000 });
      expect(busy.status).toBe(1);
      expect(busy.stderr).toMatch(new RegExp(`chain port ${p.CHAIN_PORT} is in use by another program: nothing was started`));
      rmSync(elsewhere, { recursive: true, force: true });
      expect(await publicClientFor(`http://127.0.0.1:${p.CHAIN_PORT}`).getChainId()).toBe(31337);

      const exited = new Promise<void>((resolve) => first.once("exit", () => resolve()));
      first.kill("SIGTERM");
      await exited;
      // Nothing is left listening once it stopped, and the folder is released.
      await expect(publicClientFor(`http://127.0.0.1:${p.CHAIN_PORT}`).getChainId()).rejects.toThrow();
      for (const port of Object.values(p)) expect(await listening(port), `port ${port}`).toBe(false);
      expect(existsSync(path.join(stackDir, "state.json"))).toBe(false);
    } finally {
      await stack.stop("SIGKILL");
    }
  });
});
