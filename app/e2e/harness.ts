// What the end-to-end journeys run against: the real local stack (stack/bin/start.ts on free ports:
// Hardhat node with the protocol, embedded IPFS, the indexer, the trainer node), this app's server
// in front of it, and Debian's Chromium driven by playwright-core.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { createServer } from "node:net";
import path from "node:path";
import { getAddress } from "viem";
import { DEPLOYMENTS_DIR } from "@openledger/protocol/node";
import { readOperatorToken } from "@openledger/trainer/operator-token";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { buildIfNeeded, startAppServer, type RunningAppServer } from "../server/index.ts";
import { appRoot, projectRoot } from "../server/settings.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];
export const SCREENSHOTS = path.join(projectRoot, "docs", "screenshots");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

export interface Stack {
  rpc: string;
  ipfs: string;
  indexer: string;
  trainer: string;
  /** The trainer's operator token file (the stack's trainer writes it at its start). */
  trainerTokenFile: string;
  /** The stack's deployment file, for the CLI (`OPENLEDGER_DEPLOYMENT`). */
  deploymentFile: string;
  stop(): Promise<void>;
}

/** Where the stack in STACK_DIR (default .stack) keeps the trainer's operator token. */
const stackTokenFile = () => path.join(process.env.STACK_DIR ? path.resolve(process.env.STACK_DIR) : path.join(projectRoot, ".stack"), "trainer", "operator-token");
/** Where the stack in STACK_DIR keeps its deployment (the default stack: the protocol package's deployments folder). */
const stackDeploymentFile = () => path.join(process.env.STACK_DIR ? path.join(path.resolve(process.env.STACK_DIR), "deployments") : DEPLOYMENTS_DIR, "31337.json");

/** Headers for the trainer's job writes (submit, cancel, retry) made by a journey itself. */
export function trainerWriteHeaders(stack: Pick<Stack, "trainerTokenFile">): Record<string, string> {
  const token = process.env.TRAINER_TOKEN || readOperatorToken(stack.trainerTokenFile);
  if (!token) throw new Error(`no trainer operator token in ${stack.trainerTokenFile}`);
  return { "content-type": "application/json", authorization: `Bearer ${token}` };
}

/**
 * Starts `stack/bin/start.ts` on free ports, in a state folder of its own (so that it neither meets
 * a stack the developer runs in .stack nor writes the repository's deployment file), and waits for
 * its banner.
 */
export async function startStack(): Promise<Stack> {
  const ports = { CHAIN_PORT: await freePort(), IPFS_PORT: await freePort(), INDEXER_PORT: await freePort(), TRAINER_PORT: await freePort() };
  const stackDir = mkdtempSync(path.join(os.tmpdir(), "app-e2e-stack-"));
  const env = { ...process.env, STACK_DIR: stackDir, ...Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])) };
  const child: ChildProcess = spawn(process.execPath, ["--disable-warning=ExperimentalWarning", path.join(projectRoot, "stack", "bin", "start.ts"), "--no-app"], { cwd: projectRoot, env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr!.on("data", (c: Buffer) => (out += c.toString()));
  const deadline = Date.now() + 300_000;
  while (!out.includes("Press Ctrl-C to stop.")) {
    if (child.exitCode !== null) throw new Error(`the stack exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`the stack did not come up:\n${out}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const at = (port: number) => `http://127.0.0.1:${port}`;
  return {
    rpc: at(ports.CHAIN_PORT),
    ipfs: at(ports.IPFS_PORT),
    indexer: at(ports.INDEXER_PORT),
    trainer: at(ports.TRAINER_PORT),
    trainerTokenFile: path.join(stackDir, "trainer", "operator-token"),
    deploymentFile: path.join(stackDir, "deployments", "31337.json"),
    stop: async () => {
      if (child.exitCode === null) {
        const stopped = new Promise((r) => child.once("exit", r));
        child.kill("SIGINT");
        await stopped;
      }
      rmSync(stackDir, { recursive: true, force: true });
    },
  };
}

/** A stack already running (APP_E2E_STACK="rpc,ipfs,indexer,trainer" URLs), for working on the journeys. */
export function externalStack(): Stack | undefined {
  const spec = process.env.APP_E2E_STACK;
  if (!spec) return undefined;
  const [rpc, ipfs, indexer, trainer] = spec.split(",");
  return { rpc: rpc!, ipfs: ipfs!, indexer: indexer!, trainer: trainer!, trainerTokenFile: stackTokenFile(), deploymentFile: stackDeploymentFile(), stop: async () => {} };
}

export async function startApp(stack: Pick<Stack, "rpc" | "ipfs" | "indexer" | "trainer" | "trainerTokenFile">, overrides: Partial<Stack> = {}): Promise<RunningAppServer> {
  await buildIfNeeded();
  return startAppServer({
    host: "127.0.0.1",
    port: 0,
    upstream: { rpc: overrides.rpc ?? stack.rpc, indexer: overrides.indexer ?? stack.indexer, ipfs: overrides.ipfs ?? stack.ipfs, trainer: overrides.trainer ?? stack.trainer },
    fallbackChainId: 31337,
    distDir: path.join(appRoot, "dist"),
    trainerToken: process.env.TRAINER_TOKEN ? { value: process.env.TRAINER_TOKEN } : { file: stack.trainerTokenFile },
  });
}

export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }) });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** Moves the chain's clock on and mines a block (one at a time: see TOOLCHAIN.md on hardhat_mine). */
export async function advance(rpcUrl: string, seconds: number): Promise<void> {
  await rpc(rpcUrl, "evm_increaseTime", [seconds]);
  await rpc(rpcUrl, "evm_mine", []);
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

export interface Role {
  context: BrowserContext;
  page: Page;
  address: string;
}

/** A person in their own browser profile, connected with development account #index. */
export async function openRole(browser: Browser, appUrl: string, index: number, errors: string[]): Promise<Role> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => errors.push(`#${index}: ${e.message}`));
  await page.goto(`${appUrl}/`);
  await page.getByRole("button", { name: "Connect wallet" }).click();
  const accounts = (await rpc<string[]>(`${appUrl}/rpc`, "eth_accounts")).map((a) => getAddress(a));
  await page.getByLabel("Development account", { exact: true }).selectOption(accounts[index]!);
  await page.locator(".wallet-button").filter({ hasText: "dev" }).waitFor();
  return { context, page, address: accounts[index]! };
}

/** Answers the development account's signing dialog `count` times. */
export async function sign(page: Page, count = 1, answer: "Sign" | "Reject" = "Sign"): Promise<void> {
  for (let i = 0; i < count; i++) {
    const dialog = page.getByRole("alertdialog");
    await dialog.waitFor({ timeout: 30_000 }).catch(async (error: Error) => {
      // Say what the page shows instead of the wallet's dialog (an error, a step that hangs).
      const shown = await page.getByRole("alert").allTextContents().catch(() => []);
      throw new Error(`${error.message}\nthe page shows instead: ${shown.join(" | ") || "(no alert)"}`, { cause: error });
    });
    await dialog.getByRole("button", { name: answer }).click();
    await page.waitForTimeout(150);
  }
}

/** Saves the page at 1280 px and at 390 px wide under docs/screenshots/. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const size = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-1280.png`), fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-390.png`), fullPage: true });
  await page.setViewportSize(size);
}
