// The node's HTTP server against a hostile or careless client: command names that are members of
// every JavaScript object, malformed percent-escapes. Each gets a 4xx about the request, and the
// node keeps answering.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestNode } from "./helpers.ts";

let node: Awaited<ReturnType<typeof startTestNode>>;

beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.close();
});

async function ask(method: string, path: string): Promise<{ status: number; text: string }> {
  const r = await fetch(`${node.url}${path}`, { method, signal: AbortSignal.timeout(5_000) });
  return { status: r.status, text: await r.text() };
}

it("answers RPC command names inherited from Object (__proto__, constructor, toString) with 404", async () => {
  for (const command of ["__proto__", "constructor", "toString", "hasOwnProperty", "files/__proto__"]) {
    const r = await ask("POST", `/api/v0/${command}`);
    expect(r.status, command).toBe(404);
    expect(JSON.parse(r.text).Message).toBe(`command /api/v0/${command} is not served by this node; it serves add, cat, block/get, block/stat, pin/add, pin/rm, pin/ls, repo/gc, version`);
  }
});

it("answers a malformed percent-escape in a gateway path with 400 naming the path", async () => {
  for (const path of ["%E0%A4%A", "%zz", "bafkrei%"]) {
    const r = await ask("GET", `/ipfs/${path}`);
    expect(r.status, path).toBe(400);
    expect(r.text).toBe(`the path /ipfs/${path} is not valid percent-encoding\n`);
    expect((await ask("HEAD", `/ipfs/${path}`)).status).toBe(400);
  }
  expect((await ask("POST", "/api/v0/version")).status).toBe(200);
});

it("names no server path in its status answers (/, version, a missing block)", async () => {
  const answers = [await ask("GET", "/"), await ask("POST", "/api/v0/version"), await ask("POST", "/api/v0/block/get?arg=bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e")];
  for (const answer of answers) {
    expect(answer.text).not.toContain(node.dataDir);
    expect(answer.text).not.toMatch(/\/(tmp|home|root|work|var)\//);
  }
});
