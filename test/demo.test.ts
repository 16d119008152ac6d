// A newcomer's first hour on one local stack: `npm start` (no app), then `npm run seed`, then the
// README's command-line walkthrough run as written, on free loopback ports and in a state folder of
// its own (STACK_DIR), so the seed and the CLI must find that stack's deployment and trainer token
// there, not the repository's.
//
// The seed goes through every service of the stack (chain, IPFS, indexer, trainer), so this checks
// that they work together as the README says. The walkthrough (the first ```sh block under "A first
// walk through the protocol") goes to `bash -e -o pipefail` with `npx openledger` resolving to this
// checkout's CLI, after the seed, as a reader who ran both meets it: it must use the Datanet id it
// created, not assume the first one. If the README and the CLI drift apart, this fails.
//
// One stack for the three steps, in order: a stack start is the dearest part of a suite like this.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "@openledger/stack";
import { launchStack, type LaunchedStack, type StackPorts } from "@openledger/testkit";

function walkthroughBlock(): string {
  const readme = readFileSync(path.join(projectRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## A first walk through the protocol"));
  const match = /```sh\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error("README.md has no ```sh block under \"A first walk through the protocol\"");
  return match[1]!;
}

let stack: LaunchedStack | undefined;
let stackDir = "";
let env: NodeJS.ProcessEnv = {};
let ports: StackPorts;
let work: string | undefined;
let cliEnv: NodeJS.ProcessEnv = {};
let indexerUrl = "";

beforeAll(async () => {
  stack = await launchStack();
  ({ stackDir, env, ports } = stack);
}, 320_000);

afterAll(async () => {
  if (stack) {
    await stack.stop("SIGINT");
    expect(stack.output()).toMatch(/Stopping the local stack/);
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the demo (npm start, then npm run seed)", () => {
  it("seeds Datanets of every modality, reviews, claims, and a training run that registers a model and answers", async () => {
    const seed = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/seed.ts"], { cwd: projectRoot, env, encoding: "utf8", timeout: 600_000 });
    assert.equal(seed.status, 0, `${seed.stdout}\n${seed.stderr}`);
    // The deployment of this stack, in its own folder (not the repository's file of another stack).
    assert.ok(seed.stdout.includes(`(deployment ${path.join(stackDir, "deployments", "31337.json")})`), seed.stdout);
    assert.match(seed.stdout, /Datanet 1: World geography \(text\)/);
    assert.match(seed.stdout, /Datanet 1: 10 accepted/);
    assert.match(seed.stdout, /Datanet 2: 7 accepted, 1 rejected/);
    assert.match(seed.stdout, /Datanet 3: 3 accepted/);
    assert.match(seed.stdout, /#6 claimed 110 OPEN/);
    assert.match(seed.stdout, /registered on chain as model 1/);
    // ModelFactory's first run (the app's default settings, STARTER_JOB) visibly learns: the loss
    // falls several-fold (step 1 against the mean of the last epoch, from the job's whole event
    // history: a step sampled by polling is one batch's and jumps), and the tuned model answers a fact of the Datanet that the base model does
    // not. Training is deterministic (seeded, one worker), so the answer is the fact it learnt.
    const loss = /loss ([\d.]+) → ([\d.]+)/.exec(seed.stdout);
    assert.ok(loss, seed.stdout);
    console.log(`seed: ${loss[0]}`);
    assert.ok(Number(loss[2]) < Number(loss[1]) / 3, `the loss fell only from ${loss[1]} to ${loss[2]}`);
    assert.match(seed.stdout, /chat: "What pet does Ann have\?" → "Ann has a red fox\."/);
    const base = /chat, base model [^:]+: "What pet does Ann have\?" → "([^"]*)"/.exec(seed.stdout);
    assert.ok(base, seed.stdout);
    assert.doesNotMatch(base[1]!, /red fox/);
    // The indexer saw it all, and checked the model's manifest against the chain.
    type Body = { data: { datanets: { items: { id: number; acceptedCount: number }[] }; models: { items: { manifestStatus: string }[] } } };
    let body: Body | undefined;
    for (let i = 0; i < 120; i++) {
      const res = await fetch(`http://127.0.0.1:${ports.INDEXER_PORT}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ datanets { items { id acceptedCount } } models { items { id manifestStatus } } }" }),
      });
      body = (await res.json()) as Body;
      // The model's row comes first; the manifest worker checks it a moment later.
      if (body.data.models.items.length > 0 && body.data.models.items.every((m) => m.manifestStatus !== "Unchecked")) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok(body);
    assert.deepEqual(
      body.data.datanets.items.map((d) => d.acceptedCount),
      [10, 7, 3],
    );
    assert.deepEqual(
      body.data.models.items.map((m) => m.manifestStatus),
      ["Valid"],
    );
    // A second seed on the same chain is refused, not doubled.
    const again = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/seed.ts", "--no-train"], { cwd: projectRoot, env, encoding: "utf8" });
    assert.equal(again.status, 1);
    assert.match(again.stderr, /already has Datanets/);
  });
});

describe("the README walkthrough, after the seed", () => {
  it("runs as written on the seeded stack, with the Datanet id it created", async () => {
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
    // The seed made Datanets 1 to 3: the walkthrough funds (and then uses) the one it created.
    expect(run.stdout).toMatch(/Funded Datanet 4 with 1000 OPEN/);
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
