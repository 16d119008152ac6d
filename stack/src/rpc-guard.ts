// What the stack exposes as its chain: a small HTTP proxy in front of the Hardhat node that refuses
// request bodies over a limit (Hardhat reads any body whole: a 50 MB request grew the node by about
// 570 MB) before they reach the node. JSON-RPC over HTTP POST is passed through as it is, responses
// are streamed back; anything else gets a JSON-RPC error naming the rule.
import { request, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer, type Server } from "node:http";

export const DEFAULT_MAX_RPC_BODY_BYTES = 8 * 1024 * 1024;

export interface RpcGuard {
  url: string;
  server: Server;
  stop(): Promise<void>;
}

/** Past this much, a refused body is no longer read to its end: the connection is dropped. */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

function refuse(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ jsonrpc: "2.0", id: null, error: { code: -32600, message } }));
}

/**
 * Reads and discards the rest of a refused body before answering, so that a client still sending it
 * gets the answer instead of a broken pipe; nothing of it is kept.
 */
function drainThenRefuse(req: IncomingMessage, res: ServerResponse, status: number, message: string, alreadyRead = 0): void {
  let read = alreadyRead;
  req.removeAllListeners("data");
  req.on("data", (chunk: Buffer) => {
    read += chunk.length;
    if (read > DRAIN_LIMIT_BYTES) req.destroy();
  });
  req.once("end", () => refuse(res, status, message));
  req.resume();
}

function forward(req: IncomingMessage, res: ServerResponse, upstream: URL, maxBodyBytes: number): void {
  const declared = Number(req.headers["content-length"] ?? NaN);
  const limit = `the request body is over the chain endpoint's limit of ${maxBodyBytes} bytes`;
  if (declared > maxBodyBytes) return drainThenRefuse(req, res, 413, `${limit} (it declares ${declared})`);
  const out = request(
    { host: upstream.hostname, port: upstream.port, method: "POST", path: req.url ?? "/", headers: { "content-type": req.headers["content-type"] ?? "application/json" } },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, { "content-type": answer.headers["content-type"] ?? "application/json" });
      answer.pipe(res);
    },
  );
  out.on("error", () => refuse(res, 502, "the chain node did not answer"));
  let seen = 0;
  req.on("data", (chunk: Buffer) => {
    seen += chunk.length;
    if (seen > maxBodyBytes) {
      out.destroy();
      return drainThenRefuse(req, res, 413, limit, seen);
    }
    out.write(chunk);
  });
  req.on("end", () => out.end());
}

/** Listens on 127.0.0.1:`port` and passes JSON-RPC POSTs of at most `maxBodyBytes` to `upstream`. */
export async function startRpcGuard(options: { port: number; upstream: string; maxBodyBytes?: number }): Promise<RpcGuard> {
  const upstream = new URL(options.upstream);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_RPC_BODY_BYTES;
  const server = createServer((req, res) => {
    if (req.method !== "POST") return drainThenRefuse(req, res, 405, `the chain endpoint takes JSON-RPC as HTTP POST, not ${req.method}`);
    forward(req, res, upstream, maxBodyBytes);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, "127.0.0.1", () => resolve());
  });
  const address = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
