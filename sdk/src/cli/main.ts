// `openledger`: the command-line client of the protocol, for every role. Commands parse their
// arguments, call the SDK and print; each group lives in `commands/`. Exit codes: see `exit.ts`.
import { Command, Option } from "commander";
import { cli } from "./cli.ts";
import { registerCheck } from "./commands/check.ts";
import { registerContribute } from "./commands/contribute.ts";
import { registerDatanets } from "./commands/datanets.ts";
import { registerGovernance } from "./commands/governance.ts";
import { registerModels } from "./commands/models.ts";
import { registerRewards } from "./commands/rewards.ts";
import { registerStatus } from "./commands/status.ts";
import { registerValidator } from "./commands/validator.ts";
import { DEFAULTS, ENV } from "./context.ts";
import { EXIT, report } from "./exit.ts";

export { EXIT, report };

export function buildProgram(): Command {
  const program = new Command("openledger")
    .description("Command-line client of the OpenLedger protocol: Datanets, contributions, review, rewards and models.")
    .addOption(new Option("--rpc <url>", `chain JSON-RPC URL (env ${ENV.rpc})`).default(DEFAULTS.rpc))
    .addOption(new Option("--ipfs <url>", `Kubo RPC URL of an IPFS node (env ${ENV.ipfs})`).default(DEFAULTS.ipfs))
    .addOption(new Option("--indexer <url>", `the indexer's URL: lists read it first, the chain when it does not answer (env ${ENV.indexer})`).default(DEFAULTS.indexer))
    .addOption(new Option("--deployment <file>", `deployment JSON (env ${ENV.deployment}; default protocol/deployments/<chainId>.json)`).default(process.env[ENV.deployment]))
    .addOption(new Option("--keystore <file>", `encrypted keystore to sign with (env ${ENV.keystore}); otherwise ${ENV.privateKey}`))
    .addOption(new Option("--home <dir>", `where the CLI keeps vote secrets (env ${ENV.home})`).default(DEFAULTS.home))
    .option("--address <address>", "read-only commands (status, quota, rewards show, validator position, validator pending) look at this account; no key needed")
    .option("--json", "print JSON for scripts instead of tables")
    .showHelpAfterError()
    .exitOverride();
  for (const register of [registerStatus, registerDatanets, registerCheck, registerContribute, registerValidator, registerRewards, registerModels, registerGovernance]) register(program, cli);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : EXIT.ok;
  } catch (error) {
    return report(error);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exit(await main(process.argv.slice(2)));
}
