// `npm run dev -w app`: the same server (config, proxies, host and origin checks) with Vite's
// middleware in place of the built files, so edits reload in the page at once (Vite's hot-reload
// socket shares this server's port).
import path from "node:path";
import { createServer as createVite, type ViteDevServer } from "vite";
import { settingsFromEnv, startAppServer } from "./index.ts";
import { appRoot } from "./settings.ts";

const settings = settingsFromEnv();
let vite: ViteDevServer | undefined;
const app = await startAppServer(settings, {
  pages: (req, res, next) => (vite ? vite.middlewares(req, res, next) : next()),
});
vite = await createVite({
  root: appRoot,
  configFile: path.join(appRoot, "vite.config.ts"),
  appType: "spa",
  server: { middlewareMode: true, hmr: { server: app.server } },
});
console.log(`app (dev, hot reload)  ${app.url}/`);
const stop = () => void Promise.all([app.stop(), vite?.close()]).then(() => process.exit(0));
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
