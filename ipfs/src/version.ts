// What this node says it is (`/api/v0/version`, the CLI banner).
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

function versionOf(spec: string): string {
  try {
    return (require(spec) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

/** This package's version. */
export const NODE_VERSION: string = versionOf("../package.json");
/** The Helia release underneath (its package.json is not exported, so it is found from its entry point). */
export const HELIA_VERSION: string = heliaVersion();

function heliaVersion(): string {
  try {
    return versionOf(new URL("../../package.json", import.meta.resolve("helia")).pathname);
  } catch {
    return versionOf("../../node_modules/helia/package.json");
  }
}
/** A one-line description: not Kubo, but an embedded Helia node speaking a subset of its RPC. */
export const NODE_AGENT = `openledger-ipfs-node/${NODE_VERSION} (embedded Helia ${HELIA_VERSION}, offline; Kubo RPC subset and trustless gateway)`;
