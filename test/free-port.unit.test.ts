// `freePort` hands out ports below the kernel's ephemeral range, so that no outgoing connection
// takes one between the check and the service's bind; each is free when handed out and none twice.
import { createServer, type Server } from "node:net";
import { afterAll, expect, test, vi } from "vitest";
import { ephemeralRangeStart, FREE_PORT_LOWEST, freePort } from "@openledger/stack";

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
    expect(port).toBeGreaterThanOrEqual(FREE_PORT_LOWEST);
    expect(port).toBeLessThan(low);
  }
  // Each can be bound as handed out (what a service does next).
  for (const port of ports.slice(0, 20)) held.push(await bind(port));
});

test("a port in use is not handed out", async () => {
  // Hold one port of the range that this process never handed out, and make it the first one drawn.
  const low = ephemeralRangeStart();
  let busy: Server | undefined;
  let port = 0;
  for (let attempt = 0; !busy && attempt < 50; attempt++) {
    port = FREE_PORT_LOWEST + Math.floor(Math.random() * (low - FREE_PORT_LOWEST));
    busy = await bind(port).catch(() => undefined);
  }
  expect(busy).toBeDefined();
  held.push(busy!);
  const random = vi.spyOn(Math, "random").mockReturnValueOnce((port - FREE_PORT_LOWEST + 0.5) / (low - FREE_PORT_LOWEST));
  try {
    const got = await freePort();
    expect(random).toHaveBeenCalledTimes(2);
    expect(got).not.toBe(port);
  } finally {
    random.mockRestore();
  }
});
