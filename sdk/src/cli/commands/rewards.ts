import type { Command } from "commander";
import { type Address } from "viem";
import {
  claimRewards,
  getAccount,
  getOpenBalance,
  formatBytes,
} from "@openledger/sdk";
import { open, printFields, printJson } from "../output.ts";
import type { Cli } from "../cli.ts";

export function registerRewards(program: Command, { ctxOf, json }: Cli): void {
  const rewards = program.command("rewards").description("what you earned, and claiming it");
  rewards
    .command("show")
    .description("claimable OPEN and your accepted work")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const me = await ctx.address();
      const [a, balance] = await Promise.all([getAccount(ctx.client, { contracts: ctx.contracts, account: me }), getOpenBalance(ctx.client, { contracts: ctx.contracts, account: me })]);
      if (json(cmd)) return printJson({ account: me, ...a, balance });
      printFields({ account: me, claimable: open(a.claimable), "accepted contributions": a.acceptedCount, "accepted bytes": formatBytes(a.acceptedBytes), balance: open(balance) });
    });
  rewards
    .command("claim")
    .description("pay out everything credited to you (rewards, refunds, validator rewards)")
    .option("--to <address>", "pay to another address")
    .action(async (o: { to?: Address }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await claimRewards(await ctx.wallet(), { contracts: ctx.contracts, ...(o.to ? { to: o.to } : {}) });
      if (json(cmd)) return printJson({ amount: sent.result.amount, transaction: sent.hash });
      console.log(`Claimed ${open(sent.result.amount)} (tx ${sent.hash})`);
    });
}
