// The local stack, on loopback only: a Hardhat node with the protocol deployed and funded
// development accounts, the embedded IPFS node, the indexer (Ponder on PGlite) and the trainer
// node. Ctrl-C stops everything. `npm run seed` then fills it with a demo.
//
//   npm start                      run until Ctrl-C
//   npm start -- --exit            start everything, print, stop (a smoke test of the whole path)
//   npm start -- --no-trainer --no-app   leave those services out
//   CHAIN_PORT=9545 IPFS_PORT=5101 INDEXER_PORT=42169 TRAINER_PORT=8791 APP_PORT=5174 npm start
//   STACK_DIR=/tmp/stack2 …        a second, independent stack (state and deployment file there)
//
// The chain starts empty on every start, so the indexer's and trainer's state (in .stack/) starts
// over with it; IPFS content (.stack/ipfs) is kept. One stack per state folder: a second start on
// the same folder, or on a port in use, is refused before anything is built or deployed
// (.stack/state.json names the running one).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatEther, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { startIpfsNode, type RunningIpfsNode } from "@openledger/ipfs-node";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, distributeOpen, publicClientFor } from "@openledger/protocol/deploy";
import { deploymentFile as deploymentPath, writeDeployment } from "@openledger/protocol/node";
import { hardhatCli, projectRoot as root, startChain } from "../src/chain.ts";

const defaultStateDir = path.join(root, ".stack");
const stateDir = process.env.STACK_DIR ? path.resolve(process.env.STACK_DIR) : defaultStateDir;
/** The repository's deployment file for the default stack (the CLI finds it by chain id); a stack elsewhere keeps its own. */
const deploymentsDir = stateDir === defaultStateDir ? undefined : path.join(stateDir, "deployments");
const ports = {
  chain: Number(process.env.CHAIN_PORT ?? 8545),
  ipfs: Number(process.env.IPFS_PORT ?? 5001),
  indexer: Number(process.env.INDEXER_PORT ?? 42069),
  trainer: Number(process.env.TRAINER_PORT ?? 8790),
  app: Number(process.env.APP_PORT ?? 5173),
};
const stateFile = path.join(stateDir, "state.json");
const rpcUrl = `http://127.0.0.1:${ports.chain}`;
const exitAfterStart = process.argv.includes("--exit");
const withTrainer = !process.argv.includes("--no-trainer");
const withApp = !process.argv.includes("--no-app");
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
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    }),
  );
  releaseState();
}
process.on("SIGINT", () => {
  if (!stopping) console.log("\nStopping the local stack…");
  void stop(0);
});
process.on("SIGTERM", () => void stop(0));

// ─── one stack per state folder ─────────────────────────────────────────────

interface StackState {
  pid: number;
  startedAt: string;
  ports: typeof ports;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/** Refuses to start over a running stack (same state folder) or on a port in use; then claims the folder. */
async function claimState(): Promise<void> {
  if (existsSync(stateFile)) {
    const running = JSON.parse(readFileSync(stateFile, "utf8")) as StackState;
    if (running.pid !== process.pid && alive(running.pid)) {
      const list = Object.entries(running.ports).map(([name, port]) => `${name} ${port}`).join(", ");
      throw new Error(
        `a local stack is already running from ${path.relative(process.cwd(), stateDir) || stateDir} (pid ${running.pid}, started ${running.startedAt}; ports: ${list}).\n` +
          `  Use it as it is, stop it (Ctrl-C in its terminal, or kill ${running.pid}), or start another with STACK_DIR=<folder> and other ports.`,
      );
    }
  }
  const wanted = Object.entries(ports).filter(([name]) => (name !== "trainer" || withTrainer) && (name !== "app" || withApp));
  const busy = [];
  for (const [name, port] of wanted) if (!(await portFree(port))) busy.push(`${name} port ${port}`);
  if (busy.length > 0) {
    throw new Error(`${busy.join(", ")} ${busy.length === 1 ? "is" : "are"} in use by another program: nothing was started. Free ${busy.length === 1 ? "it" : "them"}, or choose other ports (CHAIN_PORT, IPFS_PORT, INDEXER_PORT, TRAINER_PORT, APP_PORT).`);
  }
  mkdirSync(stateDir, { recursive: true });
  const state: StackState = { pid: process.pid, startedAt: new Date().toISOString(), ports };
  writeFileSync(stateFile, JSON.stringify(state, null, 2) + "\n");
  claimed = true;
}

let claimed = false;
function releaseState(): void {
  if (!claimed) return;
  try {
    const state = JSON.parse(readFileSync(stateFile, "utf8")) as StackState;
    if (state.pid === process.pid) rmSync(stateFile, { force: true });
  } catch {
    // already gone
  }
}

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

function startApp(deploymentFile: string, trainerUrl: string | undefined): ChildProcess {
  const log = path.join(stateDir, "app.log");
  const out = openSync(log, "w");
  const child = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", fileURLToPath(import.meta.resolve("@openledger/app/server/main"))], {
    cwd: root,
    env: {
      ...process.env,
      APP_HOST: "127.0.0.1",
      APP_PORT: String(ports.app),
      OPENLEDGER_RPC_URL: rpcUrl,
      INDEXER_URL: `http://127.0.0.1:${ports.indexer}`,
      IPFS_URL: `http://127.0.0.1:${ports.ipfs}`,
      TRAINER_URL: trainerUrl ?? `http://127.0.0.1:${ports.trainer}`,
      OPENLEDGER_DEPLOYMENT: deploymentFile,
    },
    stdio: ["ignore", out, out],
  });
  watch(child, "app server", log);
  return child;
}

async function main(): Promise<void> {
  await claimState();
  build();

  console.log(`• starting the Hardhat node on ${rpcUrl} (log: .stack/chain.log)…`);
  const chain = await startChain({ port: ports.chain, logFile: path.join(stateDir, "chain.log") });
  watch(chain.process, "Hardhat node", path.join(stateDir, "chain.log"));

  console.log("• deploying the protocol…");
  const wallet = devWallet(rpcUrl);
  const client = publicClientFor(rpcUrl);
  const accounts = DEV_PRIVATE_KEYS.map((key) => privateKeyToAccount(key).address);
  const deployment = await deployProtocol({ wallet, client, trainers: accounts.slice(0, 4), write: !deploymentsDir });
  await distributeOpen(wallet, client, deployment.contracts.OpenToken, accounts.slice(1), OPEN_PER_ACCOUNT);
  const deploymentFile = deploymentsDir ? writeDeployment(deployment, deploymentsDir) : deploymentPath(deployment.chainId);

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

  let appUrl: string | undefined;
  if (withApp) {
    console.log(`• starting the app on 127.0.0.1:${ports.app} (builds it the first time; log: ${path.relative(root, path.join(stateDir, "app.log"))})…`);
    const app = startApp(deploymentFile, trainerUrl);
    appUrl = `http://127.0.0.1:${ports.app}`;
    await waitFor(`${appUrl}/config.json`, "app server", 300_000, app);
  }

  console.log("\nOpenLedger local stack is up (loopback only)\n");
  if (appUrl) console.log(`  app        ${appUrl}/  (open it in a browser: every role, no terminal needed)`);
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
