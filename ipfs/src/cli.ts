// Runs the embedded IPFS node: `node ipfs/src/cli.ts --data .stack/ipfs --port 5001`.
import { parseArgs } from "node:util";
import { DEFAULT_MAX_BODY_BYTES, NODE_AGENT, startIpfsNode } from "./index.ts";

const USAGE = `usage: node ipfs/src/cli.ts [--data DIR] [--port N] [--max-body-mib N]
  --data DIR        data folder for blocks and pins (default .stack/ipfs)
  --port N          port on 127.0.0.1 (default 5001; 0 picks a free one)
  --max-body-mib N  largest request body in MiB (default ${DEFAULT_MAX_BODY_BYTES / 1048576})`;

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

  const running = await startIpfsNode({
    dataDir: values.data,
    port,
    maxBodyBytes: maxBodyMib === undefined ? undefined : Math.floor(maxBodyMib * 1048576),
  });
  console.log(NODE_AGENT);
  console.log(`data     ${values.data}`);
  console.log(`rpc      ${running.apiUrl}   (kubo-rpc-client: create({ url: "${running.url}" }))`);
  console.log(`gateway  ${running.gatewayUrl}<cid>`);

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
