// The services under this server's origin: the chain's JSON-RPC, the indexer, the IPFS node's RPC
// and the trainer. Only the calls the app makes are forwarded (an allow-list per service), bodies are
// capped, answers stream through unbuffered (server-sent events and streamed chat work), and an
// unreachable service is answered 502 with the service's name so that the page can say which one.
import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { readOperatorToken } from "@openledger/trainer/operator-token";
import type { AppServerSettings } from "./settings.ts";

export const PROXY_PATHS = { rpc: "/rpc", indexer: "/svc/indexer", ipfs: "/svc/ipfs", trainer: "/svc/trainer" } as const;
export type ServiceName = keyof typeof PROXY_PATHS;

export const SERVICE_LABELS: Record<ServiceName, string> = { rpc: "chain", indexer: "indexer", ipfs: "IPFS node", trainer: "trainer node" };

interface Route {
  method: "GET" | "POST";
  path: RegExp;
  /** Largest request body, bytes. */
  maxBody: number;
}

const KIB = 1024;
const MIB = 1024 * KIB;

const ROUTES: Record<ServiceName, Route[]> = {
  rpc: [{ method: "POST", path: /^\/?$/, maxBody: 1 * MIB }],
  indexer: [
    { method: "POST", path: /^\/graphql$/, maxBody: 64 * KIB },
    { method: "GET", path: /^\/(leaderboard|ready|health|status)$/, maxBody: 0 },
    { method: "GET", path: /^\/validators\/0x[0-9a-fA-F]{40}\/queue$/, maxBody: 0 },
    { method: "GET", path: /^\/contributors\/0x[0-9a-fA-F]{40}\/quota$/, maxBody: 0 },
  ],
  ipfs: [
    // A file is at most 10 MiB; the multipart envelope adds a little.
    { method: "POST", path: /^\/api\/v0\/add$/, maxBody: 10 * MIB + 64 * KIB },
    { method: "POST", path: /^\/api\/v0\/(cat|version|pin\/add|pin\/ls)$/, maxBody: 4 * KIB },
  ],
  trainer: [
    { method: "GET", path: /^\/(health|v1\/.*)$/, maxBody: 0 },
    { method: "POST", path: /^\/v1\/.*$/, maxBody: 1 * MIB },
  ],
};

/** The trainer calls that need its operator token: creating, estimating, cancelling and retrying jobs. */
export function trainerWriteCall(method: string | undefined, rest: string): boolean {
  return method === "POST" && /^\/v1\/jobs(\/estimate|\/[^/]+\/(cancel|retry))?$/.test(rest);
}

/** The operator token the server sends for the browser, or undefined when it has none configured. */
export function trainerToken(source: AppServerSettings["trainerToken"]): string | undefined {
  if (source === undefined) return undefined;
  return "value" in source ? source.value : readOperatorToken(source.file);
}

/**
 * JSON-RPC methods the browser may send to the chain through the app (no node-control methods).
 * `eth_signTypedData_v4` is how the development account signs a deposit permit, as
 * `eth_sendTransaction` is how it sends: both with the stack's public test keys, local chain only.
 */
export function rpcMethodAllowed(method: unknown): boolean {
  return (
    typeof method === "string" &&
    (/^eth_[A-Za-z0-9]+$/.test(method) || method === "eth_signTypedData_v4" || method === "net_version" || method === "web3_clientVersion")
  );
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store" });
  res.end(text);
}

function problem(res: ServerResponse, status: number, service: ServiceName, type: string, message: string): void {
  send(res, status, { error: { type, service, message } });
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) throw new BodyTooLarge(`request body of ${declared} bytes is over the ${max} bytes this route takes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) throw new BodyTooLarge(`request body is over the ${max} bytes this route takes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const FORWARDED_REQUEST_HEADERS = ["content-type", "accept", "last-event-id"];
const FORWARDED_RESPONSE_HEADERS = ["content-type", "cache-control", "x-stream-output", "x-chunked-output", "x-content-length"];

/** Which service a path belongs to, and the path below the service's prefix. */
export function matchService(pathname: string): { service: ServiceName; rest: string } | undefined {
  for (const [service, prefix] of Object.entries(PROXY_PATHS) as [ServiceName, string][]) {
    if (pathname === prefix || pathname.startsWith(`${prefix}/`)) return { service, rest: pathname.slice(prefix.length) || "/" };
  }
  return undefined;
}

export async function proxy(
  req: IncomingMessage,
  res: ServerResponse,
  target: { service: ServiceName; rest: string; search: string },
  upstream: Record<ServiceName, string>,
  tokenSource?: AppServerSettings["trainerToken"],
): Promise<void> {
  const { service, rest, search } = target;
  const route = ROUTES[service].find((r) => r.method === req.method && r.path.test(rest));
  if (!route) return problem(res, 404, service, "not-forwarded", `${req.method} ${rest} is not a call the app makes to the ${SERVICE_LABELS[service]}`);
  let body: Buffer | undefined;
  try {
    body = route.maxBody > 0 ? await readBody(req, route.maxBody) : undefined;
  } catch (error) {
    if (error instanceof BodyTooLarge) return problem(res, 413, service, "too-large", error.message);
    throw error;
  }
  if (service === "rpc") {
    let calls: unknown;
    try {
      calls = JSON.parse(body!.toString("utf8"));
    } catch {
      return send(res, 400, { jsonrpc: "2.0", id: null, error: { code: -32700, message: "the request body is not JSON" } });
    }
    const list = Array.isArray(calls) ? calls : [calls];
    const refused = list.find((c) => !rpcMethodAllowed((c as { method?: unknown })?.method));
    if (refused !== undefined) {
      const method = String((refused as { method?: unknown })?.method);
      return send(res, 403, { jsonrpc: "2.0", id: (refused as { id?: unknown })?.id ?? null, error: { code: -32601, message: `${method} is not available through the app` } });
    }
  }
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers[name] = value;
  }
  if (service === "trainer" && trainerWriteCall(req.method, rest)) {
    const token = trainerToken(tokenSource);
    if (token === undefined) {
      return problem(res, 401, service, "no-token", "this app server has no trainer operator token, so it cannot submit, estimate, cancel or retry jobs: start it with TRAINER_TOKEN_FILE naming the trainer's operator-token file (npm start does this)");
    }
    headers.authorization = `Bearer ${token}`;
  }
  const base = upstream[service];
  const url = service === "rpc" ? base : `${base}${rest}${search}`;
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  let answer: Response;
  try {
    answer = await fetch(url, { method: req.method, headers, ...(body ? { body: new Uint8Array(body) } : {}), signal: abort.signal, redirect: "manual" });
  } catch (error) {
    if (abort.signal.aborted) return;
    return problem(res, 502, service, "unreachable", `the ${SERVICE_LABELS[service]} at ${base} is not answering (${(error as Error).cause ? String((error as { cause: { code?: string } }).cause.code ?? "") : (error as Error).message})`);
  }
  const out: Record<string, string> = { "cache-control": "no-store" };
  for (const name of FORWARDED_RESPONSE_HEADERS) {
    const value = answer.headers.get(name);
    if (value !== null) out[name] = value;
  }
  res.writeHead(answer.status, out);
  res.flushHeaders();
  if (!answer.body) return void res.end();
  const stream = Readable.fromWeb(answer.body as import("node:stream/web").ReadableStream<Uint8Array>);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}
