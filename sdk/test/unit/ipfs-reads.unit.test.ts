// The IPFS client's reads (`cat`, `version`) are plain RPC calls sent with fetch, so they are tested
// here against a loopback server that plays a node: one that tampers, refuses, over-sends or
// stalls. Each case must end in a typed error that names the rule and the numbers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeCid, ContentVerificationError, createIpfsClient, IpfsError } from "../../src/index.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let url: string;
let handler: Handler = (_req, res) => void res.writeHead(404).end();
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  return new Promise<void>((resolve) => server.close(() => resolve()));
});

describe("IPFS reads over the RPC API", () => {
  it("asks for the CID with the RPC's POST and returns bytes that hash to it", async () => {
    const bytes = new TextEncoder().encode("a Datanet's metadata");
    const cid = await computeCid(bytes);
    handler = (_req, res) => void res.writeHead(200).end(Buffer.from(bytes));
    seen.length = 0;
    expect(await createIpfsClient(url).get(cid)).toEqual(bytes);
    expect(seen).toEqual([`POST /api/v0/cat?arg=${cid}`]);
  });

  it("keeps a path prefix of the node's URL", async () => {
    const bytes = new TextEncoder().encode("behind a proxy");
    handler = (_req, res) => void res.writeHead(200).end(Buffer.from(bytes));
    seen.length = 0;
    await createIpfsClient(`${url}/ipfs-rpc/`).get(await computeCid(bytes));
    expect(seen[0]).toMatch(/^POST \/ipfs-rpc\/api\/v0\/cat\?arg=/);
  });

  it("refuses bytes that do not hash to the CID", async () => {
    const cid = await computeCid(new TextEncoder().encode("what was asked for"));
    handler = (_req, res) => void res.writeHead(200).end("something else");
    const error = await createIpfsClient(url).get(cid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentVerificationError);
    expect((error as ContentVerificationError).expected).toBe(cid.toString());
  });

  it("stops reading past the size cap and says so with the cap", async () => {
    const cid = await computeCid(new TextEncoder().encode("small"));
    let written = 0;
    const chunk = Buffer.alloc(64 * 1024, 7);
    handler = (_req, res) => {
      res.writeHead(200);
      // A node that would send 64 MiB; the client must hang up long before.
      const more = () => {
        while (written < 1024 && !res.destroyed) {
          written++;
          if (!res.write(chunk)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    };
    const error = await createIpfsClient(url).get(cid, { maxBytes: 100_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpfsError);
    expect((error as Error).message).toBe(`${cid} is larger than 100000 bytes; refused`);
    await new Promise((r) => setTimeout(r, 100));
    expect(written).toBeLessThan(1024);
  });

  it("reports a node's refusal with its own message and status, never [object Object]", async () => {
    handler = (_req, res) =>
      void res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ Message: "block was not found locally (offline)", Code: 0, Type: "error" }));
    const cid = await computeCid(new TextEncoder().encode("absent"));
    const error = await createIpfsClient(url).get(cid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpfsError);
    expect((error as Error).message).toBe(`IPFS cat at ${url} was refused: block was not found locally (offline) (HTTP 500)`);
  });

  it("gives up on a node that never answers, within the client's timeout", async () => {
    handler = () => undefined; // holds the request open
    const started = Date.now();
    const error = await createIpfsClient(url, { timeoutMs: 300 }).get(await computeCid(new Uint8Array(1))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IpfsError);
    expect((error as Error).message).toMatch(/IPFS cat at .* failed/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("reads the node's version, and refuses an answer without one", async () => {
    handler = (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ Version: "0.38.1", Commit: "", System: "amd64/linux" }));
    expect((await createIpfsClient(url).version()).version).toBe("0.38.1");
    handler = (_req, res) => void res.writeHead(200, { "content-type": "application/json" }).end("{}");
    await expect(createIpfsClient(url).version()).rejects.toThrow(/answered without a version/);
  });

  it("refuses a URL that is not an http(s) endpoint when the client is made", () => {
    expect(() => createIpfsClient("ftp://127.0.0.1/")).toThrow(/cannot use ftp:\/\/127.0.0.1\/ as a Kubo RPC endpoint: the scheme is ftp:/);
    expect(() => createIpfsClient("not a url")).toThrow(IpfsError);
  });
});
