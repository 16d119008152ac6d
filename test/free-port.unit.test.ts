// `freePort` hands out ports below the kernel's ephemeral range, so that no outgoing connection
// takes one between the check and the service's bind; each is free when handed out and none twice.
import { createServer, type Server } from "node:net";
import { afterAll, expect, test } from "vitest";
import { ephemeralRangeStart, freePort } from "@openledger/stack";

const held: Server[] = [];
afterAll(async () => {
  await Promise.all(held.map((s) => new Promise((resolve) => s.close(resolve))));
});

const bind = (port: number) =>
  new Promise<Server>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve(server));
  });

test("ports are free, below the ephemeral range, and never handed out twice", async () => {
  const low = ephemeralRangeStart();
  const ports = [];
  for (let i = 0; i < 200; i++) ports.push(await freePort());
  expect(new Set(ports).size).toBe(ports.length);
  for (const port of ports) {
    expect(port).toBeGreaterThanOrEqual(20_000);
    expect(port).toBeLessThan(low);
  }
  // Each can be bound as handed out (what a service does next).
  for (const port of ports.slice(0, 20)) held.push(await bind(port));
});

test("a port in use is not handed out", async () => {
  // Hold a block of ports in the range; none of them may come back.
  const taken = new Set<number>();
  for (let port = 20_000; port < 20_200; port++) {
    try {
      held.push(await bind(port));
      taken.add(port);
    } catch {
      // in use by something else already: also not to be handed out
      taken.add(port);
    }
  }
  for (let i = 0; i < 300; i++) expect(taken.has(await freePort())).toBe(false);
});
