// The local stack, on loopback only: a Hardhat node with the protocol deployed and funded
// development accounts, the embedded IPFS node, the indexer (Ponder on PGlite) and the trainer
// node. Ctrl-C stops everything. `npm run seed` then fills it with a demo.
//
//   npm start                      run until Ctrl-C
//   npm start -- --exit            start everything, print, stop (a smoke test of the whole path)
//   CHAIN_PORT=9545 IPFS_PORT=5101 INDEXER_PORT=42169 TRAINER_PORT=8791 npm start   other ports
//
// The chain starts empty on every start, so the indexer's and trainer's state (in .stack/) starts
// over with it; IPFS content (.stack/ipfs) is kept.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync, openSync, rmSync } from "node:fs";
import path from "node:path";
import { formatEther, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startIpfsNode, type RunningIpfsNode } from "@openledger/ipfs-node";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, distributeOpen, publicClientFor } from "@openledger/protocol/deploy";
import { deploymentFile as deploymentPath } from "@openledger/protocol/node";
import { hardhatCli, projectRoot as root, startChain } from "../src/chain.ts";

const stateDir = path.join(root, ".stack");
const ports = {
  chain: Number(process.env.CHAIN_PORT ?? 8545),
  ipfs: Number(process.env.IPFS_PORT ?? 5001),
  indexer: Number(process.env.INDEXER_PORT ?? 42069),
  trainer: Number(process.env.TRAINER_PORT ?? 8790),
};
const rpcUrl = `http://127.0.0.1:${ports.chain}`;
const exitAfterStart = process.argv.includes("--exit");
const withTrainer = !process.argv.includes("--no-trainer");
const OPEN_PER_ACCOUNT = parseEther("100000");
/** Development account #0 deploys, administers and holds TRAINER_ROLE; the trainer node signs with it. */
const TRAINER_ACCOUNT = 0;

const children: ChildProcess[] = [];
const closers: (() => Promise<void>)[] = [];
let stopping = false;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  for (const close of closers.reverse()) await close().catch(() => {});
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
}
process.on("SIGINT", () => {
  console.log("\nStopping the local stack…");
  void stop(0);
});
process.on("SIGTERM", () => void stop(0));

function build(): void {
  const steps: [string, string[]][] = [
    ["compiling contracts", [hardhatCli, "build", "--no-tests"]],
    ["generating the protocol package", ["--disable-warning=ExperimentalWarning", path.join(root, "protocol", "scripts", "generate.ts")]],
  ];
  for (const [what, args] of steps) {
    console.log(`• ${what}…`);
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status})`);
  }
}

function watch(child: ChildProcess, name: string, log: string): void {
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`The ${name} stopped unexpectedly (${signal ?? `code ${code}`}); see ${path.relative(root, log)}`);
      void stop(1);
    }
  });
}

async function waitFor(url: string, what: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the ${what} exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the ${what} was not ready at ${url} after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function startIndexer(deploymentFile: string): ChildProcess {
  const dir = path.join(stateDir, "indexer");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const log = path.join(stateDir, "indexer.log");
  const out = openSync(log, "w");
  // indexer/bin/start.ts runs `ponder start` with the indexer's config (see indexer/README.md).
  const child = spawn(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", path.join(root, "indexer", "bin", "start.ts"), "--schema", "openledger", "--port", String(ports.indexer), "--log-format", "json"],
    {
      cwd: root,
      env: {
        ...process.env,
        PONDER_TELEMETRY_DISABLED: "true",
        PONDER_RPC_URL_31337: rpcUrl,
        INDEXER_DEPLOYMENT_FILE: deploymentFile,
        INDEXER_POLLING_INTERVAL_MS: process.env.INDEXER_POLLING_INTERVAL_MS ?? "200",
        PGLITE_DIR: path.join(dir, "pglite"),
        IPFS_URL: `http://127.0.0.1:${ports.ipfs}`,
      },
      stdio: ["ignore", out, out],
    },
  );
  watch(child, "indexer", log);
  return child;
}

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  build();

  console.log(`• starting the Hardhat node on ${rpcUrl} (log: .stack/chain.log)…`);
  const chain = await startChain({ port: ports.chain, logFile: path.join(stateDir, "chain.log") });
  watch(chain.process, "Hardhat node", path.join(stateDir, "chain.log"));

  console.log("• deploying the protocol…");
  const wallet = devWallet(rpcUrl);
  const client = publicClientFor(rpcUrl);
  const accounts = DEV_PRIVATE_KEYS.map((key) => privateKeyToAccount(key).address);
  const deployment = await deployProtocol({ wallet, client, trainers: accounts.slice(0, 4) });
  await distributeOpen(wallet, client, deployment.contracts.OpenToken, accounts.slice(1), OPEN_PER_ACCOUNT);
  const deploymentFile = deploymentPath(deployment.chainId);

  console.log(`• starting the embedded IPFS node on 127.0.0.1:${ports.ipfs} (data: .stack/ipfs)…`);
  const ipfs: RunningIpfsNode = await startIpfsNode({ dataDir: path.join(stateDir, "ipfs"), port: ports.ipfs });
  closers.push(() => ipfs.stop());

  console.log(`• starting the indexer on 127.0.0.1:${ports.indexer} (log: .stack/indexer.log)…`);
  const indexer = startIndexer(deploymentFile);
  const indexerUrl = `http://127.0.0.1:${ports.indexer}`;
  await waitFor(`${indexerUrl}/health`, "indexer", 120_000, indexer);

  let trainerUrl: string | undefined;
  if (withTrainer) {
    console.log(`• starting the trainer node on 127.0.0.1:${ports.trainer} (data: .stack/trainer)…`);
    const trainerDir = path.join(stateDir, "trainer");
    rmSync(trainerDir, { recursive: true, force: true });
    const { startTrainerNode } = await import("@openledger/trainer");
    const trainer = await startTrainerNode({
      dataDir: trainerDir,
      port: ports.trainer,
      rpcUrl,
      deploymentFile,
      ipfsUrl: ipfs.url,
      indexerUrl,
      trainerKey: DEV_PRIVATE_KEYS[TRAINER_ACCOUNT]!,
    });
    closers.push(() => trainer.stop());
    trainerUrl = trainer.url;
  }

  console.log("\nOpenLedger local stack is up (loopback only)\n");
  console.log(`  chain      ${rpcUrl}  (chain id ${deployment.chainId})`);
  console.log(`  ipfs       ${ipfs.url}/api/v0  (Kubo RPC)   ${ipfs.url}/ipfs/<cid>  (trustless gateway)`);
  console.log(`  indexer    ${indexerUrl}/graphql  (GraphQL, POST)   ${indexerUrl}/sql  (SQL over HTTP)`);
  if (trainerUrl) console.log(`  trainer    ${trainerUrl}/v1  (jobs, models, OpenAI-compatible chat)`);
  for (const [name, address] of Object.entries(deployment.contracts)) {
    console.log(`  ${name.padEnd(17)}${address}`);
  }
  console.log(`  deployment ${path.relative(root, deploymentFile)}`);
  console.log("\nDevelopment accounts (public test keys: never use them on a real network)\n");
  for (const [i, key] of DEV_PRIVATE_KEYS.entries()) {
    const address = accounts[i]!;
    const open = i === 0 ? "deployer, admin, treasury" : `${formatEther(OPEN_PER_ACCOUNT)} OPEN`;
    const roles = `${i < 4 ? ", trainer" : ""}${i === TRAINER_ACCOUNT && trainerUrl ? " (the trainer node signs with it)" : ""}`;
    console.log(`  #${i} ${address}  ${key}  ${open}${roles}`);
  }
  if (exitAfterStart) {
    await stop(0);
    return;
  }
  console.log("\nTry: npm run seed   (a demo: Datanets, contributions, reviews, a training run)");
  console.log("Press Ctrl-C to stop.");
}

main().catch((error: unknown) => {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});
