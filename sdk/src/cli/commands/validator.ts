import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import {
  chainTime,
  commitBallot,
  creditValidatorRewards,
  dueForFinalization,
  fetchContribution,
  finalizeContributions,
  formatName,
  getLastCommittedSequence,
  getStakePosition,
  isBytes32,
  MAX_BATCH,
  pendingReview,
  planReveals,
  revealDue,
  stake,
  unstake,
  withdrawStake,
  type CidCodec,
  type Format,
  type ReviewItem,
  formatBytes,
} from "@openledger/sdk";
import { getAddress, type Address, type Hex } from "viem";
import { amount, datanetArg, digestOf, list, when, UsageError } from "../args.ts";
import { EXIT } from "../exit.ts";
import { open, printFields, printJson, printTable } from "../output.ts";
import type { Cli } from "../cli.ts";
import type { Context } from "../context.ts";
import { fromIndexerOrChain, indexerRows } from "../indexer.ts";

export function registerValidator(program: Command, cli: Cli): void {
  const validator = program.command("validator").description("stake, review (commit, reveal), finalise and earn");
  stakeCommand(validator, cli);
  unstakeCommand(validator, cli);
  withdrawCommand(validator, cli);
  positionCommand(validator, cli);
  pendingCommand(validator, cli);
  downloadCommand(validator, cli);
  commitCommand(validator, cli);
  revealCommand(validator, cli);
  finalizeCommand(validator, cli);
  claimCommand(validator, cli);
}

function stakeCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("stake <amount>")
    .description("stake OPEN (it votes after the activation delay)")
    .action(async (value: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await stake(await ctx.wallet(), { contracts: ctx.contracts, amount: amount(value) });
      if (json(cmd)) return printJson({ activeAt: sent.result.activeAt, transaction: sent.hash });
      console.log(`Staked ${value} OPEN; it votes from ${when(sent.result.activeAt)} (tx ${sent.hash})`);
    });
}

function unstakeCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("unstake <amount>")
    .description("start unbonding OPEN (withdraw after the unbonding period)")
    .action(async (value: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await unstake(await ctx.wallet(), { contracts: ctx.contracts, amount: amount(value) });
      if (json(cmd)) return printJson({ withdrawableAt: sent.result.withdrawableAt, transaction: sent.hash });
      console.log(`Unbonding ${value} OPEN; withdrawable from ${when(sent.result.withdrawableAt)} (tx ${sent.hash})`);
    });
}

function withdrawCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("withdraw")
    .description("withdraw stake whose unbonding is over")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const sent = await withdrawStake(await ctx.wallet(), { contracts: ctx.contracts });
      if (json(cmd)) return printJson({ amount: sent.result.amount, transaction: sent.hash });
      console.log(`Withdrew ${open(sent.result.amount)} (tx ${sent.hash})`);
    });
}

function positionCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("position")
    .description("your stake: active, activating, unbonding, open votes")
    .action(async (_o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const p = await getStakePosition(ctx.client, { contracts: ctx.contracts, validator: await ctx.address() });
      if (json(cmd)) return printJson(p);
      printFields({
        eligible: `${open(p.eligible)} (minimum to vote ${open(p.minimumStake)})`,
        active: open(p.active),
        activating: `${open(p.activating)}${p.activating > 0n ? ` (votes from ${when(p.activeAt)})` : ""}`,
        unbonding: `${open(p.unbonding)}${p.unbonding > 0n ? ` (withdrawable from ${when(p.withdrawableAt)})` : ""}`,
        "open votes": p.openVotes,
      });
    });
}

function pendingCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("pending <datanet>")
    .description("your work: contributions in their commit window you have not voted on, and commits to reveal")
    .action(async (id: string, _o, cmd: Command) => {
      const datanetId = datanetArg(id);
      const ctx = await ctxOf(cmd);
      const me = await ctx.address();
      const now = await chainTime(ctx.client);
      const fromBlock = BigInt(ctx.deployment.startBlock ?? 0);
      const [review, reveals] = await Promise.all([
        fromIndexerOrChain(ctx, (url) => indexedReview(ctx, url, datanetId, me, now), () => pendingReview(ctx.client, { contracts: ctx.contracts, datanetId, validator: me, fromBlock, now })),
        planReveals(ctx.client, { contracts: ctx.contracts, store: ctx.votes, validator: me, datanetId, now }),
      ]);
      const toReview = review.map((r) => ({ cid: r.cid, format: formatName(r.format), size: r.size, sequence: r.sequence, contributor: r.contributor, commitClosesAt: when(r.commitClosesAt) }));
      const toReveal = reveals.map((p) => ({ commitment: p.votes.commitment, contributions: p.votes.digests.length, state: p.votes.state, action: p.action, opensAt: when(p.window.opensAt), closesAt: when(p.window.closesAt) }));
      if (json(cmd)) return printJson({ toReview, toReveal });
      console.log(`To review in Datanet ${datanetId} (chain time ${when(now)}):`);
      if (toReview.length === 0) console.log("  nothing");
      else printTable(toReview.map((r) => [r.sequence, r.cid, r.format, formatBytes(r.size), r.commitClosesAt]), ["seq", "CID", "format", "size", "commit closes"]);
      console.log("\nCommits to reveal:");
      if (toReveal.length === 0) console.log("  nothing");
      else printTable(toReveal.map((r) => [r.commitment, r.contributions, r.action, r.opensAt, r.closesAt]), ["commitment", "contributions", "now", "reveal opens", "reveal closes"]);
    });
}

/**
 * The review queue as the indexer has it: the Datanet's pending contributions still in their commit
 * window, after the validator's last committed sequence (read from the chain: one call), in
 * submission order. The same rule as `pendingReview`, which reads every submission from the chain.
 */
async function indexedReview(ctx: Context, url: string, datanetId: number, validator: Address, now: number): Promise<ReviewItem[]> {
  const last = await getLastCommittedSequence(ctx.client, { contracts: ctx.contracts, datanetId, validator });
  type Row = { id: Hex; contributor: Address; digest: Hex; codec: number; cid: string; format: number; size: number; sequence: number; commitEndsAt: string; submittedBlock: string };
  const rows = await indexerRows<Row>(url, "contributions", "id contributor digest codec cid format size sequence commitEndsAt submittedBlock", {
    where: `datanetId: ${datanetId}, status: Pending, sequence_gt: ${last}, commitEndsAt_gt: "${now}"`,
    orderBy: "sequence",
  });
  return rows.map((r) => ({
    contributionId: r.id, datanetId, contributor: getAddress(r.contributor), digest: r.digest, codec: r.codec as CidCodec, cid: r.cid, format: r.format as Format, size: r.size,
    blockNumber: BigInt(r.submittedBlock), sequence: r.sequence, commitClosesAt: Number(r.commitEndsAt),
  }));
}

/** The Datanet's pending contributions whose review is over, as the indexer has them (the rule of `dueForFinalization`). */
async function indexedDue(ctx: Context, url: string, datanetId: number): Promise<Hex[]> {
  const now = await chainTime(ctx.client);
  const rows = await indexerRows<{ digest: Hex }>(url, "contributions", "digest", { where: `datanetId: ${datanetId}, status: Pending, revealEndsAt_lte: "${now}"`, orderBy: "sequence" });
  return rows.map((r) => r.digest);
}

function downloadCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("download <datanet> <cid>")
    .description("download a contribution, verify it against its CID and check its format")
    .option("--out <dir>", "folder to write it to", ".")
    .action(async (id: string, cidText: string, o: { out: string }, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const fetched = await fetchContribution(ctx.client, { contracts: ctx.contracts, ipfs: ctx.ipfs, datanetId: datanetArg(id), digest: digestOf(cidText) });
      mkdirSync(o.out, { recursive: true });
      // A file larger than its declared size is not downloaded past it, so there is nothing to write.
      const file = fetched.bytes.length > 0 ? path.join(o.out, `${fetched.cid}.${formatName(fetched.declaredFormat)}`) : null;
      if (file) writeFileSync(file, fetched.bytes);
      const summary = {
        file,
        cid: fetched.cid.toString(),
        bytes: fetched.bytes.length,
        declaredSize: fetched.declaredSize,
        verified: fetched.bytes.length > 0,
        declaredFormat: formatName(fetched.declaredFormat),
        formatCheck: fetched.check,
      };
      if (json(cmd)) return printJson(summary);
      if (file) console.log(`Verified ${fetched.cid} (${formatBytes(fetched.bytes.length)}) and wrote ${file}`);
      console.log(fetched.check.ok ? `The bytes are a valid ${formatName(fetched.declaredFormat)} file of the declared size.` : `Check failed, propose rejection: ${fetched.check.reason}`);
    });
}

function commitCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("commit <datanet>")
    .description("commit sealed votes (the salt is written to your vote folder before the commit is sent, and kept)")
    .option("--approve <cids>", "comma-separated CIDs (or digests) to approve")
    .option("--reject <cids>", "comma-separated CIDs (or digests) to reject")
    .action(async (id: string, o: { approve?: string; reject?: string }, cmd: Command) => {
      const datanetId = datanetArg(id);
      const votes = [...list(o.approve).map((c) => ({ digest: digestOf(c), approve: true })), ...list(o.reject).map((c) => ({ digest: digestOf(c), approve: false }))];
      if (votes.length === 0) throw new UsageError("give --approve and/or --reject with at least one contribution");
      const ctx = await ctxOf(cmd);
      const done = await commitBallot(await ctx.wallet(), { contracts: ctx.contracts, datanetId, votes, store: ctx.votes });
      const { commitment, weight, digests } = done.votes;
      const file = ctx.voteFile(done.votes);
      if (json(cmd)) return printJson({ commitment, weight: BigInt(weight), voteFile: file, transaction: done.hash ?? null, alreadyCommitted: done.alreadyCommitted });
      if (done.alreadyCommitted) console.log(`These votes were already committed as ${commitment} (${done.votes.state}); nothing was sent.`);
      else console.log(`Committed ${digests.length} vote(s) as ${commitment} with weight ${open(BigInt(weight))} (tx ${done.hash}).`);
      console.log(`The votes and salt are in ${file}: keep it until you reveal (\`openledger validator reveal ${datanetId}\`).`);
    });
}

function revealCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("reveal <datanet>")
    .description("reveal every commitment of yours whose reveal window is open")
    .option("--commitment <key>", "only this commitment")
    .action(async (id: string, o: { commitment?: string }, cmd: Command) => {
      const datanetId = datanetArg(id);
      if (o.commitment !== undefined && !isBytes32(o.commitment)) throw new UsageError(`--commitment must be 0x and 64 hex digits, got "${o.commitment}"`);
      const ctx = await ctxOf(cmd);
      const results = await revealDue(await ctx.wallet(), { contracts: ctx.contracts, store: ctx.votes, datanetId, ...(o.commitment ? { commitment: o.commitment } : {}) });
      // A reveal window that closed is a refusal the validator must see (its stake may be slashed).
      if (results.some((r) => r.action === "closed")) process.exitCode = EXIT.refused;
      if (json(cmd)) return printJson(results.map(({ commitment, outcome, action }) => ({ commitment, outcome, action })));
      if (results.length === 0) console.log(`No commitments to reveal in ${ctx.votes.location}.`);
      else printTable(results.map((r) => [r.commitment, r.outcome]), ["commitment", "outcome"]);
    });
}

function finalizeCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("finalize <datanet> [cids...]")
    .description("finalise contributions whose review is over (anyone may); without CIDs, every one that is due")
    .action(async (id: string, cids: string[], _o, cmd: Command) => {
      const datanetId = datanetArg(id);
      const ctx = await ctxOf(cmd);
      const wallet = await ctx.wallet();
      const digests = cids.length > 0 ? cids.map(digestOf) : await fromIndexerOrChain(ctx, (url) => indexedDue(ctx, url, datanetId), () => dueForFinalization(ctx.client, { contracts: ctx.contracts, datanetId, fromBlock: BigInt(ctx.deployment.startBlock ?? 0) }));
      if (digests.length === 0) {
        if (json(cmd)) return printJson([]);
        return console.log("Nothing is due for finalisation.");
      }
      const out = [];
      for (let i = 0; i < digests.length; i += MAX_BATCH) {
        const sent = await finalizeContributions(wallet, { contracts: ctx.contracts, datanetId, digests: digests.slice(i, i + MAX_BATCH) });
        out.push(...sent.result);
      }
      if (json(cmd)) return printJson(out);
      printTable(
        out.map((f) => [f.contributionId, f.status, open(f.approveStake), open(f.rejectStake), open(f.reward)]),
        ["contribution", "outcome", "approve stake", "reject stake", "reward"],
      );
    });
}

function claimCommand(validator: Command, { ctxOf, json }: Cli): void {
  validator
    .command("claim <datanet>")
    .description("credit your validator rewards for revealed commitments whose contributions are final")
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = await ctxOf(cmd);
      const results = await creditValidatorRewards(await ctx.wallet(), { contracts: ctx.contracts, store: ctx.votes, datanetId: datanetArg(id) });
      const out = results.map((r) => ({ commitment: r.commitment, outcome: r.amount === undefined ? r.outcome : "credited", amount: r.amount ?? null }));
      if (json(cmd)) return printJson(out);
      if (out.length === 0) console.log("No validator rewards to credit.");
      else printTable(out.map((r) => [r.commitment, r.amount === null ? r.outcome : `credited ${open(r.amount)}`]), ["commitment", "outcome"]);
      console.log("Credited rewards are paid out with `openledger rewards claim`.");
    });
}
