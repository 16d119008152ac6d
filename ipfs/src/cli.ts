// Runs the embedded IPFS node: `node ipfs/src/cli.ts --data .stack/ipfs --port 5001`.
import { parseArgs } from "node:util";
import { DEFAULT_GC_INTERVAL_MS, DEFAULT_MAX_BODY_BYTES, NODE_AGENT, startIpfsNode } from "./index.ts";

const USAGE = `usage: node ipfs/src/cli.ts [--data DIR] [--port N] [--max-body-mib N]
  --data DIR        data folder for blocks and pins (default .stack/ipfs)
  --port N          port on 127.0.0.1 (default 5001; 0 picks a free one)
  --max-body-mib N  largest request body in MiB (default ${DEFAULT_MAX_BODY_BYTES / 1048576})
environment:
  IPFS_GC_INTERVAL_S  seconds between garbage collections of unpinned blocks (default ${DEFAULT_GC_INTERVAL_MS / 1000}; 0 disables)`;

/** The garbage-collection interval from IPFS_GC_INTERVAL_S, in milliseconds. */
function gcIntervalMs(): number {
  const text = process.env.IPFS_GC_INTERVAL_S;
  if (text === undefined || text === "") return DEFAULT_GC_INTERVAL_MS;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`IPFS_GC_INTERVAL_S=${JSON.stringify(text)} must be a number of seconds (0 disables collection)\n${USAGE}`);
  return Math.round(seconds * 1000);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      data: { type: "string", default: ".stack/ipfs" },
      port: { type: "string", default: "5001" },
      "max-body-mib": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${values.port} is not a port number\n${USAGE}`);
  const maxBodyMib = values["max-body-mib"] === undefined ? undefined : Number(values["max-body-mib"]);
  if (maxBodyMib !== undefined && !(maxBodyMib > 0)) throw new Error(`--max-body-mib ${values["max-body-mib"]} must be a positive number`);

  const gcInterval = gcIntervalMs();
  const running = await startIpfsNode({
    dataDir: values.data,
    port,
    maxBodyBytes: maxBodyMib === undefined ? undefined : Math.floor(maxBodyMib * 1048576),
    gcIntervalMs: gcInterval,
  });
  console.log(NODE_AGENT);
  console.log(`data     ${values.data}`);
  console.log(`rpc      ${running.apiUrl}   (kubo-rpc-client: create({ url: "${running.url}" }))`);
  console.log(`gateway  ${running.gatewayUrl}<cid>`);
  console.log(`gc       ${gcInterval > 0 ? `unpinned blocks removed every ${gcInterval / 1000} s (IPFS_GC_INTERVAL_S)` : "scheduled collection off (IPFS_GC_INTERVAL_S=0); POST /api/v0/repo/gc runs one"}`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
