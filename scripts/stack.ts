// The local stack, on loopback only: a Hardhat node on 127.0.0.1, the protocol deployed to it,
// and funded development accounts. Ctrl-C stops everything. Later services (IPFS, indexer, trainer,
// app) join here.
//
//   npm start                      run until Ctrl-C
//   npm start -- --exit            start, deploy, print, stop (a smoke test of the whole path)
//   CHAIN_PORT=9545 npm start      another port
import { spawnSync, type ChildProcess } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatEther, parseEther } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { DEV_PRIVATE_KEYS, deployProtocol, devWallet, distributeOpen, publicClientFor } from "./deploy.ts";
import { hardhatCli, startChain } from "./lib/chain.ts";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const stateDir = path.join(root, ".stack");
const port = Number(process.env.CHAIN_PORT ?? 8545);
const rpcUrl = `http://127.0.0.1:${port}`;
const exitAfterStart = process.argv.includes("--exit");
const OPEN_PER_ACCOUNT = parseEther("100000");

const children: ChildProcess[] = [];
let stopping = false;

function stop(code: number): void {
  if (stopping) return;
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  process.exitCode = code;
}
process.on("SIGINT", () => {
  console.log("\nStopping the local stack…");
  stop(0);
});
process.on("SIGTERM", () => stop(0));

function build(): void {
  const steps: [string, string[]][] = [
    ["compiling contracts", [hardhatCli, "build", "--no-tests"]],
    ["generating ABIs", ["--disable-warning=ExperimentalWarning", path.join(root, "scripts", "generate-abis.ts")]],
  ];
  for (const [what, args] of steps) {
    console.log(`• ${what}…`);
    const result = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "ignore", "inherit"] });
    if (result.status !== 0) throw new Error(`${what} failed (exit ${result.status})`);
  }
}

async function main(): Promise<void> {
  mkdirSync(stateDir, { recursive: true });
  build();

  console.log(`• starting the Hardhat node on ${rpcUrl} (log: .stack/chain.log)…`);
  const chain = await startChain({ port, logFile: path.join(stateDir, "chain.log") });
  children.push(chain.process);
  chain.process.on("exit", (code) => {
    if (!stopping) {
      console.error(`The Hardhat node stopped unexpectedly (code ${code}); see .stack/chain.log`);
      stop(1);
    }
  });

  console.log("• deploying the protocol…");
  const wallet = devWallet(rpcUrl);
  const client = publicClientFor(rpcUrl);
  const accounts = DEV_PRIVATE_KEYS.map((key) => privateKeyToAccount(key).address);
  const deployment = await deployProtocol({ wallet, client, trainers: accounts.slice(0, 4) });
  await distributeOpen(wallet, client, deployment.contracts.OpenToken, accounts.slice(1), OPEN_PER_ACCOUNT);

  console.log("\nOpenLedger local stack is up (loopback only)\n");
  console.log(`  chain      ${rpcUrl}  (chain id ${deployment.chainId})`);
  for (const [name, address] of Object.entries(deployment.contracts)) {
    console.log(`  ${name.padEnd(17)}${address}`);
  }
  console.log(`  deployment generated/deployments/${deployment.chainId}.json`);
  console.log("\nDevelopment accounts (public test keys: never use them on a real network)\n");
  for (const [i, key] of DEV_PRIVATE_KEYS.entries()) {
    const address = accounts[i]!;
    const open = i === 0 ? "deployer, admin, treasury" : `${formatEther(OPEN_PER_ACCOUNT)} OPEN`;
    console.log(`  #${i} ${address}  ${key}  ${open}${i < 4 ? ", trainer" : ""}`);
  }
  if (exitAfterStart) {
    stop(0);
    return;
  }
  console.log("\nPress Ctrl-C to stop.");
}

main().catch((error: unknown) => {
  console.error(`\n✖ ${error instanceof Error ? error.message : String(error)}`);
  stop(1);
});
