// Free loopback ports for the services a stack or a test starts.
//
// A port found by binding port 0 and closing it comes from the kernel's ephemeral range, the same
// range that outgoing connections take their local ports from: between the check and the service's
// own bind, any client socket on the machine (and tests open hundreds a second) can take it, and the
// service then fails to start. So ports are drawn at random below that range, checked by binding
// them, and never handed out twice by one process.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** The lowest port drawn: above the registered ports most often configured for local servers. */
export const FREE_PORT_LOWEST = 20_000;
const LOWEST = FREE_PORT_LOWEST;
/** Where the ephemeral range starts when the system does not say (Linux's default). */
const DEFAULT_EPHEMERAL_LOW = 32_768;
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (Linux: /proc/sys/net/ipv4/ip_local_port_range). */
export function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 0 ? low : DEFAULT_EPHEMERAL_LOW;
  } catch {
    return DEFAULT_EPHEMERAL_LOW;
  }
}

/** Resolves to the port when 127.0.0.1:`port` can be bound now (0: the port the kernel picked), else to undefined. */
function bindable(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(undefined));
    server.listen(port, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : undefined));
    });
  });
}

/** A loopback port free now, below the ephemeral range where it has room (else one the kernel picks). */
export async function freePort(): Promise<number> {
  const high = ephemeralRangeStart();
  for (let attempt = 0; high - LOWEST > 1_000 && attempt < 100; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (handedOut.has(port) || (await bindable(port)) === undefined) continue;
    handedOut.add(port);
    return port;
  }
  for (;;) {
    const port = await bindable(0);
    if (port === undefined) throw new Error("no free loopback port");
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}
