// The local stack, on loopback only: a Hardhat node with the protocol deployed and funded
// development accounts, the embedded IPFS node, the indexer (Ponder on PGlite), the trainer node
// and the web app, each its own process. Ctrl-C stops everything. `npm run seed` fills it with a demo.
//
//   npm start                      run until Ctrl-C
//   npm start -- --exit            start everything, print, stop (a smoke test of the whole path)
//   npm start -- --no-trainer --no-app   leave those services out
//   CHAIN_PORT=9545 IPFS_PORT=5101 INDEXER_PORT=42169 TRAINER_PORT=8791 APP_PORT=5174 npm start
//   STACK_DIR=/tmp/stack2 …        a second, independent stack (state and deployment file there)
//
// The chain lives in memory and starts empty on every start, so the indexer's and trainer's state
// (in .stack/) starts over with it; IPFS content (.stack/ipfs) is kept. While the stack runs, a
// service that dies (IPFS, indexer, trainer, app) is restarted with backoff: the indexer resumes
// from its database and the trainer resumes its jobs. The chain's death ends the stack, since its
// state is gone with it. One stack per state folder (see ../src/state.ts).
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatEther, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { governanceOf } from "@openledger/protocol";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, distributeOpen, publicClientFor, type Deployment } from "@openledger/protocol/deploy";
import { deploymentFile as deploymentPath, writeDeployment } from "@openledger/protocol/node";
import { runHardhatSync } from "@openledger/protocol/build";
import { STACK_READY_LINE } from "../src/banner.ts";
import { projectRoot as root, startChain, type LocalChain } from "../src/chain.ts";
import { freePort } from "../src/ports.ts";
import { DEFAULT_MAX_RPC_BODY_BYTES, startRpcGuard, type RpcGuard } from "../src/rpc-guard.ts";
import { StateFolder, stackFolders } from "../src/state.ts";
import { withFolderLock } from "../src/folder-lock.ts";
import { Supervisor, terminate, type ServiceSpec } from "../src/supervisor.ts";

const { stateDir, deploymentsDir } = stackFolders(root);
const USAGE = `Usage: npm start [-- OPTIONS]   (or: node stack/bin/start.ts [OPTIONS])

  --no-trainer   leave the trainer node out
  --no-app       leave the web app out
  --exit         start everything, print the endpoints, then stop (a smoke test of the whole path)
  --help         this text

Ports: CHAIN_PORT, IPFS_PORT, INDEXER_PORT, TRAINER_PORT, APP_PORT; state folder: STACK_DIR (default .stack).`;
/** The options, strictly: a misspelt one (\`--no-ap\`) is refused before anything starts, not ignored. */
function options(argv: string[]): { noTrainer: boolean; noApp: boolean; exit: boolean } {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { "no-trainer": { type: "boolean" }, "no-app": { type: "boolean" }, exit: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
    if (values.help) {
      console.log(USAGE);
      process.exit(0);
    }
    return { noTrainer: values["no-trainer"] === true, noApp: values["no-app"] === true, exit: values.exit === true };
  } catch (error) {
    console.error(`✖ ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    process.exit(2);
  }
}
const chosen = options(process.argv.slice(2));
const withTrainer = !chosen.noTrainer;
const withApp = !chosen.noApp;
const exitAfterStart = chosen.exit;
const ports = {
  chain: Number(process.env.CHAIN_PORT ?? 8545),
  ipfs: Number(process.env.IPFS_PORT ?? 5001),
  indexer: Number(process.env.INDEXER_PORT ?? 42069),
  ...(withTrainer ? { trainer: Number(process.env.TRAINER_PORT ?? 8790) } : {}),
  ...(withApp ? { app: Number(process.env.APP_PORT ?? 5173) } : {}),
};
const url = (port: number | undefined) => `http://127.0.0.1:${port}`;
const rpcUrl = url(ports.chain);
const OPEN_PER_ACCOUNT = parseEther("100000");
/** Development account #0 deploys, administers and holds TRAINER_ROLE; the trainer node signs with it. */
const TRAINER_ACCOUNT = 0;
const log = (name: string) => path.join(stateDir, `${name}.log`);
/** The trainer node writes its operator token here at its first start; the app server reads it to send the trainer writes for the browser. */
const trainerTokenFile = path.join(stateDir, "trainer", "operator-token");
const shown = (file: string) => path.relative(root, file) || file;

const state = new StateFolder(stateDir);
const supervisor = new Supervisor({
  started: () => state.services({ ...(chain?.process.pid ? { chain: chain.process.pid } : {}), ...supervisor.pids() }),
  restarting: (name, reason, attempt, delayMs) =>
    console.error(`! The ${name} stopped (${reason}); restarting it in ${delayMs / 1000} s (restart ${attempt}; log: ${shown(log(name))}).`),
});
let chain: LocalChain | undefined;
let guard: RpcGuard | undefined;
let stopping = false;
const maxRpcBodyBytes = process.env.CHAIN_MAX_BODY_MIB ? Number(process.env.CHAIN_MAX_BODY_MIB) * 1024 * 1024 : DEFAULT_MAX_RPC_BODY_BYTES;

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  process.exitCode = code;
  await supervisor.stopAll();
  await guard?.stop();
  if (chain) await terminate(chain.process);
  state.release();
}
process.on("SIGINT", () => {
  if (!stopping) console.log("\nStopping the local stack…");
  void stop(0);
});
process.on("SIGTERM", () => void stop(0));
process.on("SIGHUP", () => void stop(0));
// Whatever else would end the launcher (an error nothing caught; or the reader of its output gone,
// its terminal or the program it was piped into, so that a write fails with EPIPE) stops the
// services first, as SIGTERM does, instead of leaving them running without it.
process.on("uncaughtException", (error) => {
  if (!stopping) console.error(`\n✖ ${error.message}`);
  void stop(1);
});

function build(): void {
  console.log("• compiling contracts…");
  // People who start the stack see errors and warnings about the project's files, not a count of the test library's.
  // One build at a time on this checkout: Hardhat saves its compile cache through one fixed temporary
  // file, so two stacks starting together could corrupt it.
  const compiled = withFolderLock(path.join(root, "cache", "build.lock"), () => runHardhatSync(root, ["build", "--no-tests"], "ignore", { summary: false }));
  if (compiled !== 0) throw new Error(`compiling contracts failed (exit ${compiled})`);
  console.log("• generating the protocol package…");
  const generated = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", path.join(root, "protocol", "scripts", "generate.ts")], { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
  if (generated.status !== 0) throw new Error(`generating the protocol package failed (exit ${generated.status})`);
}

async function waitFor(target: string, name: string, timeoutMs: number, method = "GET"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(target, { method, signal: AbortSignal.timeout(2_000) });
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (stopping) throw new Error(`stopped while waiting for the ${name}`);
    if (Date.now() > deadline) throw new Error(`the ${name} was not ready at ${target} after ${timeoutMs / 1000} s (log: ${shown(log(name))})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const entry = (specifier: string) => fileURLToPath(import.meta.resolve(specifier));
const node = (file: string, ...args: string[]) => ["--disable-warning=ExperimentalWarning", file, ...args];

/** Each service as the supervisor starts (and restarts) it. */
function services(deploymentFile: string): ServiceSpec[] {
  const base = { cwd: root };
  const specs: ServiceSpec[] = [
    { ...base, name: "ipfs", log: log("ipfs"), env: process.env, args: node(entry("@openledger/ipfs-node/cli"), "--data", path.join(stateDir, "ipfs"), "--port", String(ports.ipfs)) },
    {
      ...base,
      name: "indexer",
      log: log("indexer"),
      // `ponder start` with the indexer's config (see indexer/README.md); it resumes from its database.
      args: node(entry("@openledger/indexer/start"), "--schema", "openledger", "--port", String(ports.indexer), "--log-format", "json"),
      env: {
        ...process.env,
        PONDER_TELEMETRY_DISABLED: "true",
        PONDER_RPC_URL_31337: rpcUrl,
        INDEXER_DEPLOYMENT_FILE: deploymentFile,
        INDEXER_POLLING_INTERVAL_MS: process.env.INDEXER_POLLING_INTERVAL_MS ?? "200",
        PGLITE_DIR: path.join(stateDir, "indexer", "pglite"),
        IPFS_URL: url(ports.ipfs),
      },
    },
  ];
  if (withTrainer) {
    specs.push({
      ...base,
      name: "trainer",
      log: log("trainer"),
      args: node(entry("@openledger/trainer/cli"), "serve", "--port", String(ports.trainer), "--data-dir", path.join(stateDir, "trainer"), "--rpc", rpcUrl, "--deployment", deploymentFile, "--ipfs", url(ports.ipfs), "--indexer", url(ports.indexer)),
      env: { ...process.env, TRAINER_PRIVATE_KEY: DEV_PRIVATE_KEYS[TRAINER_ACCOUNT]! },
    });
  }
  if (withApp) {
    specs.push({
      ...base,
      name: "app",
      log: log("app"),
      args: node(entry("@openledger/app/server/main")),
      env: { ...process.env, APP_HOST: "127.0.0.1", APP_PORT: String(ports.app), OPENLEDGER_RPC_URL: rpcUrl, INDEXER_URL: url(ports.indexer), IPFS_URL: url(ports.ipfs), TRAINER_URL: url(ports.trainer), OPENLEDGER_DEPLOYMENT: deploymentFile, TRAINER_TOKEN_FILE: trainerTokenFile },
    });
  }
  return specs;
}

/** How each service says it is ready (the Kubo RPC answers POST only). */
const READY: Record<string, [path: string, timeoutMs: number, what: string, method?: string]> = {
  ipfs: ["/api/v0/version", 60_000, "the embedded IPFS node", "POST"],
  indexer: ["/health", 120_000, "the indexer"],
  trainer: ["/health", 120_000, "the trainer node"],
  app: ["/config.json", 300_000, "the app (built the first time)"],
};

async function deploy(): Promise<{ deployment: Deployment; deploymentFile: string; accounts: string[] }> {
  console.log("• deploying the protocol…");
  const wallet = devWallet(rpcUrl);
  const client = publicClientFor(rpcUrl);
  const accounts = DEV_PRIVATE_KEYS.map((key) => privateKeyToAccount(key).address);
  const deployment = await deployProtocol({ wallet, client, trainers: accounts.slice(0, 4), write: !deploymentsDir });
  await distributeOpen(wallet, client, deployment.contracts.OpenToken, accounts.slice(1), OPEN_PER_ACCOUNT);
  const deploymentFile = deploymentsDir ? writeDeployment(deployment, deploymentsDir) : deploymentPath(deployment.chainId);
  return { deployment, deploymentFile, accounts };
}

function banner(deployment: Deployment, deploymentFile: string, accounts: string[]): void {
  console.log("\nOpenLedger local stack is up (loopback only)\n");
  if (withApp) console.log(`  app        ${url(ports.app)}/  (open it in a browser: every role, no terminal needed)`);
  console.log(`  chain      ${rpcUrl}  (chain id ${deployment.chainId})`);
  console.log(`  ipfs       ${url(ports.ipfs)}/api/v0  (Kubo RPC)   ${url(ports.ipfs)}/ipfs/<cid>  (trustless gateway)`);
  console.log(`  indexer    ${url(ports.indexer)}/graphql  (GraphQL, POST)   ${url(ports.indexer)}/sql  (SQL over HTTP)`);
  if (withTrainer) console.log(`  trainer    ${url(ports.trainer)}/v1  (jobs, models, OpenAI-compatible chat; jobs need the operator token in ${shown(trainerTokenFile)}, which the app sends for you)`);
  for (const [name, address] of Object.entries(deployment.contracts)) console.log(`  ${name.padEnd(17)}${address}`);
  const governance = governanceOf(deployment);
  console.log(`  ${"Timelock".padEnd(17)}${governance.timelock}  (governance: every parameter change waits ${governance.delay} s; openledger governance list)`);
  console.log(`  deployment ${shown(deploymentFile)}`);
  console.log(`  logs       ${shown(stateDir)}/*.log`);
  console.log("\nDevelopment accounts (public test keys: never use them on a real network)\n");
  for (const [i, key] of DEV_PRIVATE_KEYS.entries()) {
    const open = i === 0 ? "deployer, governance proposer, pauser, treasury" : `${formatEther(OPEN_PER_ACCOUNT)} OPEN`;
    const roles = `${i < 4 ? ", trainer" : ""}${i === TRAINER_ACCOUNT && withTrainer ? " (the trainer node signs with it)" : ""}`;
    console.log(`  #${i} ${accounts[i]}  ${key}  ${open}${roles}`);
  }
}

async function main(): Promise<void> {
  await state.claim(ports);
  build();
  // The chain starts empty, so what indexed and trained it starts over too.
  for (const folder of ["indexer", "trainer"]) rmSync(path.join(stateDir, folder), { recursive: true, force: true });
  mkdirSync(path.join(stateDir, "indexer"), { recursive: true });

  // The node listens on a private port; what the stack exposes is a guard that limits request bodies.
  console.log(`• starting the Hardhat node behind ${rpcUrl} (request bodies up to ${maxRpcBodyBytes / 1048576} MiB; log: ${shown(log("chain"))})…`);
  chain = await startChain({ port: await freePort(), logFile: log("chain") });
  guard = await startRpcGuard({ port: ports.chain, upstream: chain.rpcUrl, maxBodyBytes: maxRpcBodyBytes });
  chain.process.once("exit", (code, signal) => {
    if (stopping) return;
    console.error(`✖ The Hardhat node stopped (${signal ?? `exit code ${code}`}); the chain's state lived in it and is gone, so the stack stops. See ${shown(log("chain"))}.`);
    void stop(1);
  });
  const { deployment, deploymentFile, accounts } = await deploy();

  // The services start side by side: each finds the others by URL when it needs them (the indexer
  // checks manifests on IPFS with retries, the trainer and the app call on demand), so none waits
  // on another's start.
  await Promise.all(
    services(deploymentFile).map((spec) => {
      const [readyPath, timeoutMs, what, method] = READY[spec.name]!;
      console.log(`• starting ${what} on 127.0.0.1:${ports[spec.name as keyof typeof ports]} (log: ${shown(spec.log)})…`);
      supervisor.start(spec);
      return waitFor(`${url(ports[spec.name as keyof typeof ports])}${readyPath}`, spec.name, timeoutMs, method);
    }),
  );

  banner(deployment, deploymentFile, accounts);
  if (exitAfterStart) return stop(0);
  console.log("\nTry: npm run seed   (a demo: Datanets, contributions, reviews, a training run)");
  console.log(STACK_READY_LINE);
}

main().catch((error: unknown) => {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  void stop(1);
});
