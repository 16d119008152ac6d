// The app server: config from the deployment and the live chain id, the static build with
// client-side routes, and the proxied services with their guards (a foreign page, a rebinding
// host, a node-control RPC method, an oversized body, a dead service).
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAppServer, type RunningAppServer } from "../server/index.ts";
import type { AppServerSettings } from "../server/settings.ts";

interface Seen {
  method: string;
  url: string;
  body: string;
  headers: IncomingMessage["headers"];
}

async function fakeService(answer: (seen: Seen) => { status: number; body: string; type?: string }): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    const s = { method: req.method!, url: req.url!, body, headers: req.headers };
    seen.push(s);
    const a = answer(s);
    res.writeHead(a.status, { "content-type": a.type ?? "application/json" });
    res.end(a.body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

let app: RunningAppServer;
let chain: Awaited<ReturnType<typeof fakeService>>;
let indexer: Awaited<ReturnType<typeof fakeService>>;
const contracts = {
  OpenToken: "0x5FbDB2315678afecb367f032d93F642f64180aa3",
  ValidatorStaking: "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512",
  Datanets: "0x9fE46736679d2D9a65F0992F2272dE9f3c7fa6e0",
  ModelRegistry: "0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9",
};

beforeAll(async () => {
  chain = await fakeService((s) => ({ status: 200, body: JSON.stringify({ jsonrpc: "2.0", id: 1, result: s.body.includes("eth_chainId") ? "0x7a69" : "0x10" }) }));
  indexer = await fakeService(() => ({ status: 200, body: JSON.stringify({ data: { datanets: { items: [] } } }) }));
  const dir = mkdtempSync(path.join(os.tmpdir(), "app-server-"));
  const dist = path.join(dir, "dist");
  mkdirSync(path.join(dist, "assets"), { recursive: true });
  writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>app</title>");
  writeFileSync(path.join(dist, "assets", "main-abc.js"), "console.log(1)");
  const deployment = path.join(dir, "31337.json");
  writeFileSync(deployment, JSON.stringify({ chainId: 31337, startBlock: 1, contracts }));
  const settings: AppServerSettings = {
    host: "127.0.0.1",
    port: 0,
    upstream: { rpc: chain.url, indexer: indexer.url, ipfs: "http://127.0.0.1:9", trainer: "http://127.0.0.1:9" },
    deploymentFile: deployment,
    fallbackChainId: 31337,
    distDir: dist,
  };
  app = await startAppServer(settings);
});

afterAll(async () => {
  await app.stop();
  chain.server.close();
  indexer.server.close();
});

const rpc = (body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/rpc`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("the app server", () => {
  it("binds loopback and serves /config.json from the deployment and the live chain id, with same-origin service paths", async () => {
    expect(app.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const config = (await (await fetch(`${app.url}/config.json`)).json()) as Record<string, unknown>;
    expect(config).toMatchObject({ chainId: 31337, contracts, startBlock: 1, devAccounts: true, walletRpcUrl: chain.url });
    expect(config.services).toEqual({ rpc: "/rpc", indexer: "/svc/indexer", ipfs: "/svc/ipfs", trainer: "/svc/trainer" });
  });

  it("serves the build, answering client-side routes with index.html", async () => {
    const page = await fetch(`${app.url}/validator`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<title>app</title>");
    const asset = await fetch(`${app.url}/assets/main-abc.js`);
    expect(asset.headers.get("cache-control")).toContain("immutable");
  });

  it("forwards the calls the app makes", async () => {
    const res = await rpc({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] });
    expect(((await res.json()) as { result: string }).result).toBe("0x10");
    const q = await fetch(`${app.url}/svc/indexer/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"query":"{ datanets { items { id } } }"}' });
    expect(q.status).toBe(200);
    expect(indexer.seen.at(-1)).toMatchObject({ method: "POST", url: "/graphql" });
  });

  it("forwards the development account's permit signatures (eth_signTypedData_v4), not other underscored methods", async () => {
    const res = await rpc({ jsonrpc: "2.0", id: 3, method: "eth_signTypedData_v4", params: [] });
    expect(res.status).toBe(200);
    expect(chain.seen.at(-1)?.body).toContain("eth_signTypedData_v4");
    expect((await rpc({ jsonrpc: "2.0", id: 4, method: "eth_signTypedData_v3", params: [] })).status).toBe(403);
  });

  it("refuses node-control RPC methods (a page cannot move the chain's clock or mint through the app)", async () => {
    const before = chain.seen.length;
    for (const method of ["evm_increaseTime", "hardhat_setBalance", "debug_traceTransaction"]) {
      const res = await rpc({ jsonrpc: "2.0", id: 7, method, params: [] });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(`${method} is not available through the app`);
    }
    const batch = await rpc([
      { jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] },
      { jsonrpc: "2.0", id: 2, method: "evm_mine", params: [] },
    ]);
    expect(batch.status).toBe(403);
    expect(chain.seen.length).toBe(before);
  });

  it("refuses requests from another origin and from a host name that is not this server (DNS rebinding)", async () => {
    const foreign = await rpc({ jsonrpc: "2.0", id: 1, method: "eth_sendTransaction", params: [] }, { origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(await foreign.text()).toContain("only this app's own pages may call it");
    const own = await rpc({ jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] }, { origin: app.url });
    expect(own.status).toBe(200);
    const port = new URL(app.url).port;
    const rebound = await new Promise<number>((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path: "/config.json", headers: { host: `attacker.example:${port}` } }, (res) => resolve(res.statusCode!));
      req.on("error", reject);
      req.end();
    });
    expect(rebound).toBe(403);
  });

  it("forwards only the routes the app uses, and caps bodies", async () => {
    const other = await fetch(`${app.url}/svc/indexer/sql/db`, { method: "GET" });
    expect(other.status).toBe(404);
    const big = await fetch(`${app.url}/svc/indexer/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: "x".repeat(70 * 1024) });
    expect(big.status).toBe(413);
  });

  it("names a service that does not answer (502), so that the page can say which one is down", async () => {
    const res = await fetch(`${app.url}/svc/trainer/health`);
    expect(res.status).toBe(502);
    const body = (await res.json()) as { error: { service: string; message: string } };
    expect(body.error.service).toBe("trainer");
    expect(body.error.message).toContain("trainer node");
  });
});

describe("the trainer's operator token", () => {
  it("is added by the server to job writes only, read from the token file at each call; the browser's own Authorization is dropped", async () => {
    const trainer = await fakeService(() => ({ status: 200, body: "{}" }));
    const dir = mkdtempSync(path.join(os.tmpdir(), "app-token-"));
    const file = path.join(dir, "operator-token");
    const withToken = await startAppServer({ host: "127.0.0.1", port: 0, upstream: { rpc: chain.url, indexer: indexer.url, ipfs: "http://127.0.0.1:9", trainer: trainer.url }, fallbackChainId: 31337, distDir: dir, trainerToken: { file } }, { pages: (_q, _s, next) => next() });
    const noToken = await startAppServer({ host: "127.0.0.1", port: 0, upstream: { rpc: chain.url, indexer: indexer.url, ipfs: "http://127.0.0.1:9", trainer: trainer.url }, fallbackChainId: 31337, distDir: dir }, { pages: (_q, _s, next) => next() });
    try {
      const post = (base: string, route: string) => fetch(`${base}/svc/trainer${route}`, { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer from-the-page" }, body: "{}" });
      // The trainer has not written its token yet: the server says what is missing.
      const early = await post(withToken.url, "/v1/jobs");
      expect(early.status).toBe(401);
      expect(((await early.json()) as { error: { message: string } }).error.message).toMatch(/no trainer operator token.*TRAINER_TOKEN_FILE/);
      writeFileSync(file, "secret-token-0123456789\n", { mode: 0o600 });
      for (const route of ["/v1/jobs", "/v1/jobs/job-1/cancel", "/v1/jobs/job-1/retry", "/v1/jobs/estimate"]) expect((await post(withToken.url, route)).status).toBe(200);
      await post(withToken.url, "/v1/chat/completions");
      await fetch(`${withToken.url}/svc/trainer/v1/jobs`);
      expect(trainer.seen.map((s) => [s.method, s.url, s.headers.authorization])).toEqual([
        ["POST", "/v1/jobs", "Bearer secret-token-0123456789"],
        ["POST", "/v1/jobs/job-1/cancel", "Bearer secret-token-0123456789"],
        ["POST", "/v1/jobs/job-1/retry", "Bearer secret-token-0123456789"],
        ["POST", "/v1/jobs/estimate", "Bearer secret-token-0123456789"],
        ["POST", "/v1/chat/completions", undefined],
        ["GET", "/v1/jobs", undefined],
      ]);
      expect((await post(noToken.url, "/v1/jobs")).status).toBe(401);
      expect(trainer.seen).toHaveLength(6);
    } finally {
      await withToken.stop();
      await noToken.stop();
      trainer.server.close();
    }
  });
});
