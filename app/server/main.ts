// The app server as its own process (what the launcher starts): builds the app if its inputs
// changed, then serves it on APP_HOST:APP_PORT (127.0.0.1:5173 by default) with /config.json and the
// proxied services. Environment: see server/settings.ts and app/README.md.
//
//   APP_PORT=5173 OPENLEDGER_RPC_URL=http://127.0.0.1:8545 INDEXER_URL=http://127.0.0.1:42069 \
//   IPFS_URL=http://127.0.0.1:5001 TRAINER_URL=http://127.0.0.1:8790 node app/server/main.ts
import { buildIfNeeded, settingsFromEnv, startAppServer } from "./index.ts";

async function main(): Promise<void> {
  const settings = settingsFromEnv();
  if (!process.argv.includes("--no-build")) await buildIfNeeded({ distDir: settings.distDir, log: (line) => console.log(line) });
  const app = await startAppServer(settings);
  console.log(`app        ${app.url}/`);
  const stop = () => void app.stop().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(`✖ app server: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
