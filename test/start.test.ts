// The main command, as a newcomer runs it: `npm start -- --exit` brings every service up on free
// loopback ports, prints where each listens, and stops them all.
import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { publicClientFor } from "@openledger/protocol/deploy";

describe("the main command (npm start)", () => {
  it("brings up the chain, IPFS, the indexer and the trainer, prints every endpoint and funded account, and stops cleanly", async () => {
    const { spawnSync } = await import("node:child_process");
    const { freePort, projectRoot } = await import("@openledger/stack");
    const [port, ipfsPort, indexerPort, trainerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const result = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", "stack/bin/start.ts", "--exit"], {
      cwd: projectRoot,
      env: { ...process.env, CHAIN_PORT: String(port), IPFS_PORT: String(ipfsPort), INDEXER_PORT: String(indexerPort), TRAINER_PORT: String(trainerPort) },
      encoding: "utf8",
      timeout: 300_000,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`chain\\s+http://127\\.0\\.0\\.1:${port}`));
    assert.match(result.stdout, new RegExp(`ipfs\\s+http://127\\.0\\.0\\.1:${ipfsPort}/api/v0`));
    assert.match(result.stdout, new RegExp(`indexer\\s+http://127\\.0\\.0\\.1:${indexerPort}/graphql`));
    assert.match(result.stdout, new RegExp(`trainer\\s+http://127\\.0\\.0\\.1:${trainerPort}/v1`));
    for (const name of ["OpenToken", "ValidatorStaking", "Datanets", "ModelRegistry"]) {
      assert.match(result.stdout, new RegExp(`${name}\\s+0x[0-9a-fA-F]{40}`));
    }
    assert.match(result.stdout, /#9 0xa0Ee7A142d267C1f36714E4a8F75612F20a79720/);
    // Nothing is left listening once it stopped.
    await assert.rejects(publicClientFor(`http://127.0.0.1:${port}`).getChainId());
    for (const p of [ipfsPort, indexerPort, trainerPort]) await assert.rejects(fetch(`http://127.0.0.1:${p}/`));
  });
});
