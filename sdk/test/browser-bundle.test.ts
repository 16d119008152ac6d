// The SDK's core entry runs in a browser: a one-line page that imports it is built with Vite (any
// import of a Node built-in fails the build instead of being quietly stubbed out), served from
// loopback, and loaded in Debian's Chromium, where it computes a CID and a commitment key that
// must equal what the SDK computes in Node.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { builtinModules } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { build, type Plugin } from "vite";
import { afterAll, describe, expect, it } from "vitest";
import { commitmentKeyOf, computeCid } from "@openledger/sdk";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
// The page lives inside the repository so that "@openledger/sdk" resolves as an app's would: through
// node_modules and the package's exports.
const scratch = path.join(path.dirname(path.dirname(path.dirname(fileURLToPath(import.meta.url)))), "node_modules", ".cache");

/** Fails the build on any Node built-in, naming the module that imported it. */
function noNodeBuiltins(): Plugin {
  const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
  return {
    name: "no-node-builtins",
    enforce: "pre",
    resolveId(id, importer) {
      if (id.startsWith("node:") || builtins.has(id)) this.error(`${importer ?? "the page"} imports the Node built-in "${id}"`);
      return null;
    },
  };
}

let server: Server | undefined;
let dir: string | undefined;
afterAll(() => {
  server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the SDK in a browser", () => {
  it("builds with Vite without Node built-ins, and computes in Chromium what it computes in Node", async () => {
    mkdirSync(scratch, { recursive: true });
    dir = mkdtempSync(path.join(scratch, "sdk-browser-"));
    writeFileSync(path.join(dir, "index.html"), `<!doctype html><script type="module">import * as sdk from "@openledger/sdk"; window.sdk = sdk;</script>\n`);
    await build({ root: dir, logLevel: "silent", configFile: false, plugins: [noNodeBuiltins()], resolve: { preserveSymlinks: false }, build: { outDir: path.join(dir!, "dist"), emptyOutDir: true } });
    const dist = path.join(dir!, "dist");
    server = createServer((req, res) => {
      const file = path.join(dist, path.normalize(req.url === "/" ? "/index.html" : req.url!.split("?")[0]!));
      if (!file.startsWith(dist)) return void res.writeHead(404).end();
      try {
        const body = readFileSync(file);
        res.writeHead(200, { "content-type": file.endsWith(".js") ? "text/javascript" : "text/html" }).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`http://127.0.0.1:${port}/`);
      await page.waitForFunction(() => "sdk" in window);
      const validator = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
      const digest = `0x${"11".repeat(32)}`;
      const inBrowser = await page.evaluate(
        async ([v, d]) => {
          const sdk = (window as unknown as { sdk: typeof import("@openledger/sdk") }).sdk;
          return { cid: (await sdk.computeCid(new TextEncoder().encode("hello from a browser\n"))).toString(), key: sdk.commitmentKeyOf(v as `0x${string}`, 7, [d as `0x${string}`]) };
        },
        [validator, digest] as const,
      );
      expect(errors).toEqual([]);
      expect(inBrowser.cid).toBe((await computeCid(new TextEncoder().encode("hello from a browser\n"))).toString());
      expect(inBrowser.key).toBe(commitmentKeyOf(validator, 7, [digest as `0x${string}`]));
    } finally {
      await browser.close();
    }
  });
});
