// The app's HTTP server: the built app (static files, every unknown path answered with index.html so
// that client-side routes load), GET /config.json, and the services proxied under this origin.
// `startAppServer` is what the launcher starts (in its own process: `node app/server/main.ts`); the
// development server (server/dev.ts) puts Vite's hot-reloading middleware where the static files are.
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import sirv from "sirv";
import { clientConfig, DeploymentMissingError } from "./client-config.ts";
import { allowedHosts, checkRequest } from "./guard.ts";
import { matchService, proxy } from "./proxy.ts";
import type { AppServerSettings } from "./settings.ts";

export { buildIfNeeded } from "./build.ts";
export { settingsFromEnv, ENV } from "./settings.ts";
export type { AppServerSettings } from "./settings.ts";

export type Handler = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

export interface RunningAppServer {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(text);
}

/** Starts the server; `pages` serves everything that is not config or a service (static files by default). */
export async function startAppServer(settings: AppServerSettings, options: { pages?: Handler } = {}): Promise<RunningAppServer> {
  let pages = options.pages;
  if (!pages) {
    if (!existsSync(path.join(settings.distDir, "index.html"))) {
      throw new Error(`the app is not built (${settings.distDir} has no index.html): run \`npm run build -w app\`, or start with build-if-needed`);
    }
    const files = sirv(settings.distDir, { single: true, etag: true, gzip: false, brotli: false, setHeaders: (res, pathname) => {
      // Hashed assets never change; index.html must always be fetched fresh.
      res.setHeader("cache-control", pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
    } });
    pages = files as unknown as Handler;
  }
  let hosts = new Set<string>();
  const server = createServer((req, res) => {
    const verdict = checkRequest(req, hosts);
    if (!verdict.ok) return json(res, verdict.status, { error: { type: "forbidden", message: verdict.reason } });
    const url = new URL(req.url ?? "/", "http://app.invalid");
    if (url.pathname === "/config.json") {
      clientConfig(settings).then(
        (config) => json(res, 200, config),
        (error: Error) => json(res, error instanceof DeploymentMissingError ? 503 : 500, { error: { type: "config", message: error.message } }),
      );
      return;
    }
    const target = matchService(url.pathname);
    if (target) {
      proxy(req, res, { ...target, search: url.search }, settings.upstream, settings.trainerToken).catch((error: Error) => {
        if (!res.headersSent) json(res, 500, { error: { type: "proxy", message: error.message } });
        else res.destroy();
      });
      return;
    }
    pages!(req, res, () => json(res, 404, { error: { type: "not-found", message: `nothing at ${url.pathname}` } }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(settings.port, settings.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  hosts = allowedHosts(settings.host, port);
  const host = settings.host.includes(":") ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
