// The demo a newcomer runs: `npm start`, then `npm run seed`, on free loopback ports. The seed goes
// through every service of the stack (chain, IPFS, indexer, trainer), so this checks that they
// work together as the README says. The stack runs in its own folder (STACK_DIR), so the seed must
// find that stack's deployment and trainer token there, not the repository's.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "vitest";
import { freePort, projectRoot } from "@openledger/stack";

describe("the demo (npm start, then npm run seed)", () => {
  it("seeds Datanets of every modality, reviews, claims, and a training run that registers a model and answers", async () => {
    const ports = { CHAIN_PORT: await freePort(), IPFS_PORT: await freePort(), INDEXER_PORT: await freePort(), TRAINER_PORT: await freePort() };
    const stackDir = mkdtempSync(path.join(os.tmpdir(), "seed-stack-"));
    const env = { ...process.env, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), STACK_DIR: stackDir };
    const stack = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", "--no-app"], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    stack.stdout.on("data", (c: Buffer) => (out += c.toString()));
    stack.stderr.on("data", (c: Buffer) => (out += c.toString()));
    try {
      const deadline = Date.now() + 300_000;
      while (!out.includes("Press Ctrl-C to stop.")) {
        assert.equal(stack.exitCode, null, `the stack exited early:\n${out}`);
        assert.ok(Date.now() < deadline, `the stack did not come up:\n${out}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
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
    } finally {
      const stopped = new Promise((resolve) => stack.once("exit", resolve));
      stack.kill("SIGINT");
      await stopped;
      rmSync(stackDir, { recursive: true, force: true });
    }
    assert.match(out, /Stopping the local stack/);
  });
});
