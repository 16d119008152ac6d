// The README's command-line walkthrough, run as written: the first ```sh block under "A first walk
// through the protocol" goes to `bash -e -o pipefail` against a fresh stack (its own folder and
// free ports), with `npx openledger` resolving to this checkout's CLI. If the README and the CLI
// drift apart, this fails.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort, projectRoot } from "@openledger/stack";

function walkthroughBlock(): string {
  const readme = readFileSync(path.join(projectRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## A first walk through the protocol"));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error("README.md has no ```sh block under \"A first walk through the protocol\"");
  return match[1]!;
}

let stack: ChildProcess | undefined;
let work: string | undefined;
let cliEnv: NodeJS.ProcessEnv = {};
let indexerUrl = "";
afterAll(async () => {
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack!.once("exit", r));
    stack.kill("SIGINT");
    await exited;
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the README walkthrough", () => {
  it("runs as written on a fresh stack", async () => {
    const ports = { CHAIN_PORT: await freePort(), IPFS_PORT: await freePort(), INDEXER_PORT: await freePort() };
    const stackDir = mkdtempSync(path.join(os.tmpdir(), "stack-walkthrough-"));
    const env = { ...process.env, STACK_DIR: stackDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
    stack = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", "--no-trainer", "--no-app"], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    stack.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    stack.stderr!.on("data", (c: Buffer) => (out += c.toString()));
    const deadline = Date.now() + 300_000;
    while (!out.includes("Press Ctrl-C to stop.")) {
      if (stack.exitCode !== null || Date.now() > deadline) throw new Error(`the stack did not come up:\n${out}`);
      await new Promise((r) => setTimeout(r, 300));
    }
    // A folder inside the checkout, so that `npx openledger` finds this checkout's CLI.
    mkdirSync(path.join(projectRoot, "node_modules", ".cache"), { recursive: true });
    work = mkdtempSync(path.join(projectRoot, "node_modules", ".cache", "walkthrough-"));
    cliEnv = {
      ...process.env,
      PATH: [path.dirname(process.execPath), path.join(projectRoot, "node_modules", ".bin"), process.env.PATH].join(path.delimiter),
      OPENLEDGER_RPC_URL: `http://127.0.0.1:${ports.CHAIN_PORT}`,
      IPFS_URL: `http://127.0.0.1:${ports.IPFS_PORT}`,
      OPENLEDGER_DEPLOYMENT: path.join(stackDir, "deployments", "31337.json"),
      OPENLEDGER_HOME: path.join(work, "home"),
    };
    indexerUrl = `http://127.0.0.1:${ports.INDEXER_PORT}`;
    const run = spawnSync("bash", ["-e", "-o", "pipefail", "-c", walkthroughBlock()], { cwd: work, encoding: "utf8", timeout: 600_000, env: cliEnv });
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/Funded Datanet \d+ with 1000 OPEN/);
    expect(run.stdout).toMatch(/refused with exit code 3: nothing uploaded or sent/);
    expect(run.stdout).toMatch(/Verified \S+ .* and wrote review\//);
    expect(run.stdout).toMatch(/Committed 1 vote\(s\)/);
    expect(run.stdout).toMatch(/revealed \(tx 0x/);
    expect(run.stdout).toMatch(/accepted/);
    expect(run.stdout).toMatch(/credited 3(\.0+)? OPEN/);
    expect(run.stdout.match(/Claimed \d/g)).toHaveLength(2);
  });

  it("lists through the indexer when given one, the same as from the chain, and falls back to the chain with a warning", async () => {
    const openledger = (...args: string[]) => spawnSync("openledger", args, { cwd: work, encoding: "utf8", timeout: 120_000, env: cliEnv });
    for (const list of [["datanets", "list"], ["models", "list"]]) {
      const fromChain = openledger(...list, "--json");
      expect(fromChain.status, fromChain.stderr).toBe(0);
      // The indexer follows the chain a moment behind: ask until it has caught up (bounded).
      let viaIndexer = openledger(...list, "--json", "--indexer", indexerUrl);
      for (let i = 0; i < 60 && viaIndexer.stdout !== fromChain.stdout; i++) {
        await new Promise((r) => setTimeout(r, 1_000));
        viaIndexer = openledger(...list, "--json", "--indexer", indexerUrl);
      }
      expect(viaIndexer.stderr).not.toMatch(/warning/);
      expect(viaIndexer.stdout).toBe(fromChain.stdout);
      const fallback = openledger(...list, "--json", "--indexer", "http://127.0.0.1:9");
      expect(fallback.status, fallback.stderr).toBe(0);
      expect(fallback.stderr).toMatch(/warning: the indexer at http:\/\/127\.0\.0\.1:9 did not answer .*; reading the chain instead/);
      expect(fallback.stdout).toBe(fromChain.stdout);
    }
    expect(JSON.parse(openledger("datanets", "list", "--json", "--indexer", indexerUrl).stdout).length).toBeGreaterThan(0);

    // A validator's review queue: one fresh contribution in its commit window, the same through the
    // indexer as from the chain (the walkthrough's validator, #3, has voted on everything before it).
    const datanets = JSON.parse(openledger("datanets", "list", "--json").stdout) as { id: number }[];
    const datanetId = String(Math.max(...datanets.map((d) => Number(d.id))));
    const file = path.join(work!, "pending.jsonl");
    writeFileSync(file, `{"prompt":"What waits for review?","completion":"This file, at ${Date.now()}."}\n`);
    const alice = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";
    const sent = spawnSync("openledger", ["contribute", datanetId, file], { cwd: work, encoding: "utf8", timeout: 120_000, env: { ...cliEnv, OPENLEDGER_PRIVATE_KEY: alice } });
    expect(sent.status, sent.stderr).toBe(0);
    const pending = ["validator", "pending", datanetId, "--address", "0x90F79bf6EB2c4f870365E785982E1f101E93b906", "--json"];
    const fromChain = openledger(...pending);
    expect(fromChain.status, fromChain.stderr).toBe(0);
    expect((JSON.parse(fromChain.stdout) as { toReview: unknown[] }).toReview).toHaveLength(1);
    let viaIndexer = openledger(...pending, "--indexer", indexerUrl);
    for (let i = 0; i < 60 && viaIndexer.stdout !== fromChain.stdout; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      viaIndexer = openledger(...pending, "--indexer", indexerUrl);
    }
    expect(viaIndexer.stderr).not.toMatch(/warning/);
    expect(viaIndexer.stdout).toBe(fromChain.stdout);
  });
});
