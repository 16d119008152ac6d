// The node's HTTP server: the Kubo RPC subset under /api/v0/ and the trustless gateway under
// /ipfs/, on 127.0.0.1 only (the RPC can add and unpin; it is never exposed beyond the machine).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handleGateway } from "./gateway.ts";
import { DEFAULT_MAX_BODY_BYTES, sendKuboError } from "./http.ts";
import { IpfsNodeError } from "./errors.ts";
import type { IpfsNode } from "./node.ts";
import { handleRpc, RPC_COMMANDS } from "./rpc.ts";
import { NODE_AGENT } from "./version.ts";

/** The only interface the server binds. */
export const LOOPBACK = "127.0.0.1";

export interface IpfsServerOptions {
  /** TCP port; 0 picks a free one. */
  port?: number;
  /** Largest request body accepted (default 64 MiB); larger ones get a 413. */
  maxBodyBytes?: number;
}

export interface IpfsServer {
  server: Server;
  port: number;
  /** Base URL, e.g. http://127.0.0.1:5001 (kubo-rpc-client's `create({ url })` adds /api/v0). */
  url: string;
  close(): Promise<void>;
}

const API_PREFIX = "/api/v0/";
const GATEWAY_PREFIX = "/ipfs/";

/** Starts the HTTP server for `node` and resolves once it listens. */
export async function startIpfsServer(node: IpfsNode, options: IpfsServerOptions = {}): Promise<IpfsServer> {
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const path = url.pathname;
    let work: Promise<void>;
    if (path.startsWith(API_PREFIX)) {
      work = handleRpc({ node, maxBodyBytes }, path.slice(API_PREFIX.length), req, res, url.searchParams);
    } else if (path.startsWith(GATEWAY_PREFIX)) {
      work = handleGateway(node, path.slice(GATEWAY_PREFIX.length), req, res, url.searchParams);
    } else if (path === "/") {
      const body = JSON.stringify({ agent: NODE_AGENT, rpc: RPC_COMMANDS.map((c) => `${API_PREFIX}${c}`), gateway: `${GATEWAY_PREFIX}<cid>` });
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "X-Content-Type-Options": "nosniff" });
      res.end(body);
      return;
    } else {
      work = Promise.resolve(sendKuboError(res, new IpfsNodeError(`${path} is not served here; use ${API_PREFIX}… or ${GATEWAY_PREFIX}<cid>`, 404)));
    }
    work.catch((err: unknown) => sendKuboError(res, err));
  });
  // A slow client cannot hold a connection open forever.
  server.requestTimeout = 5 * 60_000;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, LOOPBACK, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    url: `http://${LOOPBACK}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        // Idle keep-alive sockets (kubo-rpc-client keeps them) would hold close() open.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      }),
  };
}
