// The throwaway PostgreSQL of the indexer's tests stops for good: when the tests run as root it runs
// under runuser, which does not pass SIGINT on, so a stop that signalled the child alone waited 10 s
// and left postgres running on a deleted data folder.
import { execFileSync } from "node:child_process";
import { expect, test } from "vitest";
import { skipPostgres, startPostgres } from "@openledger/testkit";

/** Processes whose command line runs postgres on `port`. */
function postgresOn(port: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", `postgres -D .* -p ${port} `], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

test.skipIf(skipPostgres)("a stopped test PostgreSQL leaves no postgres process behind", async () => {
  const pg = await startPostgres();
  const port = new URL(pg.url).port;
  expect(postgresOn(port).length).toBeGreaterThan(0);
  await pg.stop();
  expect(postgresOn(port)).toEqual([]);
});
