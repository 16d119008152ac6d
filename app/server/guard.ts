// Who may use this server. It binds loopback, but a web page on another origin can still make the
// visitor's browser send requests to it (cross-site requests, DNS rebinding). So a request must name
// this server in its Host header, and a request with an Origin must come from this server's own
// origin: a foreign page can neither drive the proxied IPFS node or trainer nor read the answers.
import type { IncomingMessage } from "node:http";

const LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"];

export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set([...LOOPBACK_NAMES, host.includes(":") && !host.startsWith("[") ? `[${host}]` : host]);
  return new Set([...names].map((name) => `${name}:${port}`));
}

export type Verdict = { ok: true } | { ok: false; status: number; reason: string };

export function checkRequest(req: IncomingMessage, hosts: Set<string>): Verdict {
  const host = (req.headers.host ?? "").toLowerCase();
  if (!hosts.has(host)) return { ok: false, status: 403, reason: `Host "${host}" is not this server (expected one of ${[...hosts].join(", ")})` };
  const origin = req.headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return { ok: false, status: 403, reason: `Origin "${origin}" is not a URL` };
    }
    if (!hosts.has(originHost)) return { ok: false, status: 403, reason: `requests from ${origin} are refused: only this app's own pages may call it` };
  }
  return { ok: true };
}
