// Build-if-needed: the app is rebuilt when any of its inputs changed since the last build (its
// sources, the SDK it bundles, the ABIs and deployments' shape, the lockfile), judged by a digest
// of their contents kept beside the build (package.json files included: their `sideEffects` and
// `exports` change what the bundle holds). A fresh clone builds once; later starts reuse it.
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { appRoot, projectRoot } from "./settings.ts";

const INPUTS = ["app/src", "app/index.html", "app/vite.config.ts", "app/public", "app/package.json", "sdk/src", "sdk/package.json", "protocol/src", "protocol/package.json", "trainer/src/node/job-rules.ts", "package-lock.json"];
// Named for what it vouches for: a production build of these inputs (a build that an earlier version
// made inside a test run, in development flavour, has no such stamp and is rebuilt).
const STAMP = ".build-digest-production";

function* filesUnder(p: string): Generator<string> {
  if (!existsSync(p)) return;
  if (statSync(p).isFile()) {
    yield p;
    return;
  }
  for (const entry of readdirSync(p).sort()) yield* filesUnder(path.join(p, entry));
}

/** A digest of every input's path and contents. */
export function inputsDigest(root = projectRoot): string {
  const hash = createHash("sha256");
  for (const input of INPUTS) {
    for (const file of filesUnder(path.join(root, input))) {
      hash.update(path.relative(root, file));
      hash.update("\0");
      hash.update(readFileSync(file));
      hash.update("\0");
    }
  }
  return hash.digest("hex");
}

/** Builds the app with Vite unless `dist/` was built from the same inputs; returns whether it built. */
export async function buildIfNeeded(options: { distDir?: string; force?: boolean; log?: (line: string) => void } = {}): Promise<boolean> {
  const distDir = options.distDir ?? path.join(appRoot, "dist");
  const stamp = path.join(distDir, STAMP);
  const digest = inputsDigest();
  if (!options.force && existsSync(path.join(distDir, "index.html")) && existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return false;
  options.log?.("• building the app (vite build)…");
  // Built beside `dist/` and put in place by renames: a server reading `dist/` meanwhile, or another
  // process building the same inputs at the same time (two stacks starting together), never sees
  // half a build.
  const building = `${distDir}.building-${process.pid}`;
  const { build } = await import("vite");
  // Always a production build (minified, React's production runtime), also when the caller runs
  // under a test runner that set NODE_ENV=test: Vite and the React plugin read NODE_ENV, and a
  // development build served by `npm start` weighs four times as much.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = "production";
  try {
    await build({ root: appRoot, configFile: path.join(appRoot, "vite.config.ts"), mode: "production", logLevel: "warn", build: { outDir: building, emptyOutDir: true } });
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  writeFileSync(path.join(building, STAMP), digest);
  const old = `${distDir}.old-${process.pid}`;
  if (existsSync(distDir)) renameSync(distDir, old);
  try {
    renameSync(building, distDir);
  } catch {
    // Another process put its build of the same inputs in place first.
    rmSync(building, { recursive: true, force: true });
  }
  rmSync(old, { recursive: true, force: true });
  return true;
}
