import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import type { Address } from "viem";
import { generatePrivateKey, privateKeyToAccount } from "viem/accounts";
import {
  chainTime,
  getAccount,
  getOpenBalance,
  getStakePosition,
  governanceOf,
  OpenLedgerError,
  stake,
  formatBytes,
} from "@openledger/sdk";
import { encryptKeystore } from "@openledger/sdk/node";
import { when, UsageError } from "../args.ts";
import { ENV, loadKey, type Context, type GlobalOptions } from "../context.ts";
import { open, printFields, printJson } from "../output.ts";
import type { Cli } from "../cli.ts";

export function registerStatus(program: Command, { ctxOf, json }: Cli): void {
  program
    .command("status")
    .description("the chain, the contracts, the IPFS node and your account")
    .action(async (_opts, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const [block, time] = await Promise.all([ctx.client.getBlockNumber(), chainTime(ctx.client)]);
      const ipfs: { url: string; version: string | null; error: string | null } = { url: ctx.options.ipfs, version: null, error: null };
      try {
        ipfs.version = (await ctx.ipfs.version()).version;
      } catch (error) {
        ipfs.error = (error as Error).message.split("\n")[0]!;
      }
      const account = await accountStatus(ctx);
      if (json(cmd)) return printJson({ chain: { id: ctx.chain.id, rpc: ctx.options.rpc, block, time: new Date(time * 1000) }, ipfs, contracts: ctx.contracts, account });
      printFields({
        chain: `${ctx.chain.id} at ${ctx.options.rpc}`,
        block: block.toString(),
        chainTime: when(time),
        ipfs: ipfs.version ? `${ipfs.version} at ${ipfs.url}` : `unreachable (${ipfs.error})`,
        ...ctx.contracts,
        ...(ctx.deployment.governance ? { governance: `timelock ${governanceOf(ctx.deployment).timelock}, changes wait ${governanceOf(ctx.deployment).delay} s (openledger governance list)` } : {}),
        ...(account
          ? {
              account: account.address,
              balance: open(account.balance),
              claimable: open(account.claimable),
              accepted: `${account.acceptedCount} contributions, ${formatBytes(account.acceptedBytes)}`,
              stake: `${open(account.stake.active)} active, ${open(account.stake.activating)} activating, ${open(account.stake.unbonding)} unbonding`,
            }
          : { account: "(no key configured)" }),
      });
    });

  const account = program.command("account").description("keys and keystores");
  account
    .command("new")
    .description("create a new key in an encrypted keystore file (password from OPENLEDGER_KEYSTORE_PASSWORD or a prompt)")
    .requiredOption("--out <file>", "where to write the keystore")
    .option("--import", `encrypt the key in ${ENV.privateKey} instead of a new one`)
    .action(async (opts: { out: string; import?: boolean }, cmd: Command) => {
      const key = opts.import ? await loadKey({ ...(cmd.optsWithGlobals() as GlobalOptions), keystore: undefined as never }) : generatePrivateKey();
      const password = process.env[ENV.password];
      if (!password) throw new UsageError(`set ${ENV.password} to the password for the new keystore`);
      const keystore = encryptKeystore(key, password);
      writeFileSync(opts.out, JSON.stringify(keystore, null, 2) + "\n", { mode: 0o600, flag: "wx" });
      const address = privateKeyToAccount(key).address;
      if (json(cmd)) printJson({ address, keystore: opts.out });
      else console.log(`Keystore for ${address} written to ${opts.out}. The key itself was never printed.`);
    });
  account
    .command("address")
    .description("the address of the configured key")
    .action(async (_o, cmd: Command) => {
      const address = privateKeyToAccount(await loadKey(cmd.optsWithGlobals() as GlobalOptions)).address;
      if (json(cmd)) printJson({ address });
      else console.log(address);
    });
}

/** The account's balance, rewards and stake; null when no key or address is configured. */
async function accountStatus(ctx: Context) {
  let address: Address;
  try {
    address = await ctx.address();
  } catch (error) {
    if (error instanceof OpenLedgerError && /no key/.test(error.message)) return null;
    throw error;
  }
  const [balance, account, position] = await Promise.all([
    getOpenBalance(ctx.client, { contracts: ctx.contracts, account: address }),
    getAccount(ctx.client, { contracts: ctx.contracts, account: address }),
    getStakePosition(ctx.client, { contracts: ctx.contracts, validator: address }),
  ]);
  return {
    address,
    balance,
    claimable: account.claimable,
    acceptedCount: account.acceptedCount,
    acceptedBytes: account.acceptedBytes,
    stake: { active: position.active, activating: position.activating, unbonding: position.unbonding },
  };
}
