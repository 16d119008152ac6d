// The embedded IPFS node of the local stack: Helia on the filesystem, no networking, behind a
// loopback Kubo RPC subset and a trustless gateway.
import { IpfsNode } from "./node.ts";
import { startIpfsServer } from "./server.ts";

export { DEFAULT_GC_INTERVAL_MS, IpfsNode, linksOf, parseCidArg, MAX_DAG_BLOCKS } from "./node.ts";
export type { AddOptions, AddResult, AddSession, IpfsNodeOptions, PinEntry, PinType, VerifiedBlock } from "./node.ts";
export { startIpfsServer, LOOPBACK } from "./server.ts";
export type { IpfsServer, IpfsServerOptions } from "./server.ts";
export { parseAddOptions } from "./add-options.ts";
export { CAR_CONTENT_TYPE, CAR_RESPONSE_TYPE, RAW_CONTENT_TYPE } from "./gateway.ts";
export { DEFAULT_MAX_BODY_BYTES } from "./http.ts";
export { RPC_COMMANDS } from "./rpc.ts";
export { NODE_AGENT, NODE_VERSION } from "./version.ts";
export * from "./errors.ts";

export interface StartIpfsNodeOptions {
  /** Folder for blocks and pins; reused across restarts. */
  dataDir: string;
  /** TCP port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Largest request body accepted (default 64 MiB). */
  maxBodyBytes?: number;
  /** Milliseconds between garbage collections of unpinned blocks (default one hour); 0 disables. */
  gcIntervalMs?: number;
}

export interface RunningIpfsNode {
  /** Base URL for kubo-rpc-client: `create({ url })`. */
  url: string;
  /** The Kubo RPC root, `${url}/api/v0`. */
  apiUrl: string;
  /** The gateway root, `${url}/ipfs/`; append a CID. */
  gatewayUrl: string;
  port: number;
  node: IpfsNode;
  stop(): Promise<void>;
}

/** Opens the node on `dataDir` and serves it on 127.0.0.1. */
export async function startIpfsNode(options: StartIpfsNodeOptions): Promise<RunningIpfsNode> {
  const node = await IpfsNode.open({ dataDir: options.dataDir, gcIntervalMs: options.gcIntervalMs });
  let server;
  try {
    server = await startIpfsServer(node, { port: options.port ?? 0, maxBodyBytes: options.maxBodyBytes });
  } catch (err) {
    await node.stop();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    url: server.url,
    apiUrl: `${server.url}/api/v0`,
    gatewayUrl: `${server.url}/ipfs/`,
    port: server.port,
    node,
    stop: () => {
      stopping ??= (async () => {
        await server.close();
        await node.stop();
      })();
      return stopping;
    },
  };
}
