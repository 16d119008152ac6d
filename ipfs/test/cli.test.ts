// The command-line launcher prints its URLs, serves, and stops cleanly on SIGINT and SIGTERM.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { tempDir } from "./helpers.ts";

const CLI = fileURLToPath(new URL("../src/cli.ts", import.meta.url));

async function runUntilSignal(signal: NodeJS.Signals): Promise<{ code: number | null; output: string; versionOk: boolean }> {
  const dir = await tempDir();
  try {
    const child = spawn(process.execPath, [CLI, "--data", dir.path, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline && child.exitCode === null) {
      url = /create\(\{ url: "([^"]+)" \}\)/.exec(output)?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 50));
    }
    expect(url, output).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/api/v0/version`, { method: "POST" });
    const versionOk = res.ok && ((await res.json()) as { Version: string }).Version === "0.1.0";
    const exited = once(child, "exit");
    child.kill(signal);
    const [code] = (await exited) as [number | null];
    return { code, output, versionOk };
  } finally {
    await dir.cleanup();
  }
}

describe("cli", () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`prints its URLs, serves, and exits 0 on ${signal}`, { timeout: 30_000 }, async () => {
      const { code, output, versionOk } = await runUntilSignal(signal);
      expect(versionOk).toBe(true);
      expect(output).toMatch(/rpc {6}http:\/\/127\.0\.0\.1:\d+\/api\/v0/);
      expect(output).toMatch(/gateway {2}http:\/\/127\.0\.0\.1:\d+\/ipfs\/<cid>/);
      expect(output).toContain(`${signal}: stopping`);
      expect(code).toBe(0);
    });
  }
});
