// The app server's settings, from its environment. The launcher (or a person) passes the URLs of
// the services; the browser only ever sees the same-origin paths the server proxies them under.
import path from "node:path";
import { fileURLToPath } from "node:url";

export const appRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const projectRoot = path.dirname(appRoot);

export interface AppServerSettings {
  host: string;
  port: number;
  upstream: { rpc: string; indexer: string; ipfs: string; trainer: string };
  /** A deployment file (`protocol/deployments/<chainId>.json` shape); found by chain id when unset. */
  deploymentFile?: string;
  /** The chain id to assume while the chain cannot be asked. */
  fallbackChainId: number;
  /** The built app (`vite build` output). */
  distDir: string;
  /**
   * Where the trainer's operator token comes from: the server adds it to the trainer calls that need
   * it (submit, cancel, retry), so the browser never holds it. A file is read at each call (the
   * trainer writes it at its first start, possibly after this server started).
   */
  trainerToken?: { file: string } | { value: string };
}

export const ENV = {
  port: "APP_PORT",
  host: "APP_HOST",
  rpc: "OPENLEDGER_RPC_URL",
  indexer: "INDEXER_URL",
  ipfs: "IPFS_URL",
  trainer: "TRAINER_URL",
  trainerTokenFile: "TRAINER_TOKEN_FILE",
  trainerToken: "TRAINER_TOKEN",
  deployment: "OPENLEDGER_DEPLOYMENT",
  chainId: "OPENLEDGER_CHAIN_ID",
} as const;

function url(value: string | undefined, fallback: string, name: string): string {
  const raw = value && value.trim() !== "" ? value.trim() : fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  return parsed.toString().replace(/\/$/, "");
}

/** Reads the settings; defaults are the local stack's (`npm start`) defaults. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): AppServerSettings {
  const port = Number(env[ENV.port] ?? 5173);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`${ENV.port} must be a port number from 0 to 65535, got "${env[ENV.port]}"`);
  const chainId = Number(env[ENV.chainId] ?? 31337);
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new Error(`${ENV.chainId} must be a positive integer, got "${env[ENV.chainId]}"`);
  return {
    host: env[ENV.host] ?? "127.0.0.1",
    port,
    upstream: {
      rpc: url(env[ENV.rpc], "http://127.0.0.1:8545", ENV.rpc),
      indexer: url(env[ENV.indexer], "http://127.0.0.1:42069", ENV.indexer),
      ipfs: url(env[ENV.ipfs], "http://127.0.0.1:5001", ENV.ipfs),
      trainer: url(env[ENV.trainer], "http://127.0.0.1:8790", ENV.trainer),
    },
    ...(env[ENV.deployment] ? { deploymentFile: path.resolve(env[ENV.deployment]!) } : {}),
    fallbackChainId: chainId,
    distDir: path.join(appRoot, "dist"),
    ...(env[ENV.trainerToken] ? { trainerToken: { value: env[ENV.trainerToken]!.trim() } }
      : env[ENV.trainerTokenFile] ? { trainerToken: { file: path.resolve(env[ENV.trainerTokenFile]!) } } : {}),
  };
}
