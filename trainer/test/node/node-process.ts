// Runs a trainer node as its own process for the kill -9 test: `node node-process.ts <config.json>`.
// The config names the data dir, the IPFS URL, the engine, the base model and a JSON file of the
// accepted contributions (standing in for the indexer). Prints one JSON line {"url": …} when ready.
import { readFileSync } from "node:fs";
import { startTrainerNode } from "../../src/node/index.ts";
import type { AcceptedContribution } from "../../src/dataset/indexer.ts";

const config = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as { dataDir: string; ipfsUrl: string; engineModule: string; baseModelDir: string; contributionsFile: string; port?: number };
const node = await startTrainerNode({
  dataDir: config.dataDir, port: config.port ?? 0, ipfsUrl: config.ipfsUrl, engineModule: config.engineModule, baseModelDir: config.baseModelDir,
  contributionSource: async (datanetId) => (JSON.parse(readFileSync(config.contributionsFile, "utf8")) as AcceptedContribution[]).filter((c) => c.datanetId === datanetId),
});
process.stdout.write(`${JSON.stringify({ url: node.url, pid: process.pid })}\n`);
process.once("SIGTERM", () => { void node.stop().then(() => process.exit(0)); });
