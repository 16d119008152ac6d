// The consistency checker: reads every table of the indexer over SQL-over-HTTP (@ponder/client) and
// checks it against the chain's own view functions, plus the invariants that tie the tables together
// (status counts, leaderboard scores, rates). It can be rerun at any time; it returns every mismatch
// found rather than stopping at the first.
import { createClient } from "@ponder/client";
import { asc } from "ponder";
import { createPublicClient, getAddress, http, type Address, type Hex } from "viem";
import { datanetsAbi, modelRegistryAbi, validatorStakingAbi } from "@openledger/protocol";
import * as schema from "../ponder.schema.ts";
import { DAY, rateBps, scoreOf, STATUSES } from "../src/names.ts";
import { positionAt } from "../src/stake.ts";
import type { TestChain } from "@openledger/testkit";
import type { Indexer } from "@openledger/testkit";

type Tables = { [K in keyof typeof schema]: (typeof schema)[K] };
const tableNames = [
  "protocol",
  "datanet",
  "datanetTerms",
  "poolEvent",
  "contribution",
  "submission",
  "commitment",
  "vote",
  "account",
  "contributor",
  "datanetContributor",
  "dailyUsage",
  "validator",
  "validatorDatanet",
  "stakeEvent",
  "model",
  "modelDatanet",
  "manifestLeaf",
  "feePayment",
  "claim",
] as const satisfies (keyof Tables)[];
export type TableName = (typeof tableNames)[number];

/** What the checker reads: the chain's client and deployment, and the indexer's URL. */
export type CheckedChain = Pick<TestChain, "client" | "deployment">;
export type CheckedIndexer = Pick<Indexer, "url">;

export function sqlClient(indexer: CheckedIndexer) {
  return createClient(`${indexer.url}/sql`, { schema });
}

/** Every row of every table, ordered by primary key: two runs that indexed the same chain dump equal. */
export async function dumpTables(indexer: CheckedIndexer): Promise<Record<TableName, unknown[]>> {
  const client = sqlClient(indexer);
  const out = {} as Record<TableName, unknown[]>;
  for (const name of tableNames) {
    const table = schema[name] as never as typeof schema.protocol;
    const all: unknown[] = [];
    // Page through: the SQL endpoint answers one query at a time.
    for (let offset = 0; offset < 10_000_000; offset += 10_000) {
      const page = await client.db.select().from(table).orderBy(...pkColumns(name).map((c) => asc(c as never))).limit(10_000).offset(offset);
      all.push(...page);
      if (page.length < 10_000) break;
    }
    out[name] = all;
  }
  return out;
}

function pkColumns(name: TableName) {
  const t = schema[name] as unknown as Record<string, never>;
  switch (name) {
    case "datanetTerms":
      return [schema.datanetTerms.datanetId, schema.datanetTerms.version];
    case "submission":
      return [schema.submission.datanetId, schema.submission.sequence];
    case "modelDatanet":
      return [schema.modelDatanet.modelId, schema.modelDatanet.datanetId];
    case "manifestLeaf":
      return [schema.manifestLeaf.modelId, schema.manifestLeaf.contributionId];
    case "account":
    case "contributor":
    case "validator":
      return [t.address];
    default:
      return [t.id];
  }
}

export interface CheckReport {
  mismatches: string[];
  checked: number;
}

/** `run` over `items`, `size` at a time, the results in the items' order. */
async function inBatches<T, R>(items: readonly T[], size: number, run: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += size) out.push(...(await Promise.all(items.slice(i, i + size).map(run))));
  return out;
}

/** Compares the indexer's tables with the chain (at the chain's latest block). */
export async function checkConsistency(t: CheckedChain, indexer: CheckedIndexer): Promise<CheckReport> {
  const tables = await dumpTables(indexer);
  // Reads go out as JSON-RPC batches: a backfill of thousands of contributions spent most of its
  // check waiting on one HTTP round trip per view call.
  const url = (t.client.transport as { url?: string }).url;
  const c = url ? createPublicClient({ chain: t.client.chain, transport: http(url, { batch: { batchSize: 256 } }) }) : t.client;
  const A = t.deployment.contracts;
  const mismatches: string[] = [];
  let checked = 0;
  const expect = (what: string, indexed: unknown, chain: unknown) => {
    checked++;
    const norm = (v: unknown) => (typeof v === "string" && v.startsWith("0x") ? v.toLowerCase() : typeof v === "number" || typeof v === "bigint" ? BigInt(v).toString() : JSON.stringify(v));
    if (norm(indexed) !== norm(chain)) mismatches.push(`${what}: indexed ${String(indexed)}, chain ${String(chain)}`);
  };
  const block = await c.getBlock({ blockTag: "latest" });
  const now = block.timestamp;
  const read = <T>(address: Address, abi: readonly unknown[], functionName: string, args: readonly unknown[] = []) =>
    c.readContract({ address, abi, functionName, args, blockNumber: block.number } as never) as Promise<T>;

  type Row<K extends TableName> = (typeof schema)[K]["$inferSelect"];
  const rows = <K extends TableName>(k: K) => tables[k] as Row<K>[];

  // ─── protocol ──────────────────────────────────────────────────────────
  const p = rows("protocol")[0];
  if (!p) mismatches.push("protocol: no row");
  else {
    const [maxFileSize, dailyBytes, dailyFiles, slashBps, paused] = await read<[bigint, bigint, bigint, bigint, boolean]>(A.Datanets, datanetsAbi, "protocolLimits");
    expect("protocol.maxFileSize", p.maxFileSize, maxFileSize);
    expect("protocol.dailyBytes", p.dailyBytes, dailyBytes);
    expect("protocol.dailyFiles", p.dailyFiles, dailyFiles);
    expect("protocol.slashBps", p.slashBps, slashBps);
    expect("protocol.paused", p.paused, paused);
    expect("protocol.minimumStake", p.minimumStake, await read(A.ValidatorStaking, validatorStakingAbi, "minimumStake"));
    expect("protocol.stakingTreasury", p.stakingTreasury, await read(A.ValidatorStaking, validatorStakingAbi, "treasury"));
    expect("protocol.registryTreasury", p.registryTreasury, await read(A.ModelRegistry, modelRegistryAbi, "treasury"));
    expect("protocol.trainerBps", p.trainerBps, await read(A.ModelRegistry, modelRegistryAbi, "trainerBps"));
    expect("protocol.protocolBps", p.protocolBps, await read(A.ModelRegistry, modelRegistryAbi, "protocolBps"));
    expect("protocol.registryPaused", p.registryPaused, await read(A.ModelRegistry, modelRegistryAbi, "paused"));
    expect("protocol.datanetCount", p.datanetCount, await read(A.Datanets, datanetsAbi, "datanetCount"));
    expect("protocol.modelCount", p.modelCount, await read(A.ModelRegistry, modelRegistryAbi, "modelCount"));
    expect("protocol.validatorRewardsOutstanding", p.validatorRewardsOutstanding, await read(A.Datanets, datanetsAbi, "validatorRewardsOutstanding"));
    expect("protocol.contributionCount = rows", p.contributionCount, rows("contribution").length);
    expect("protocol.contributorCount = rows", p.contributorCount, rows("contributor").length);
    expect("protocol.validatorCount = rows", p.validatorCount, rows("validator").length);
  }

  // ─── Datanets ──────────────────────────────────────────────────────────
  const datanetCount = Number(await read<bigint>(A.Datanets, datanetsAbi, "datanetCount"));
  expect("datanet rows", rows("datanet").length, datanetCount);
  for (const d of rows("datanet")) {
    const v = await read<{
      owner: Address; modality: number; formats: number; paused: boolean; pool: bigint; submissions: bigint;
      limits: { maxFileSize: number; dailyBytes: number; dailyFiles: number; deposit: bigint; reward: bigint; validatorReward: bigint };
      rules: { commitWindow: number; revealWindow: number; quorum: bigint; thresholdBps: number; minValidators: number };
      termsVersion: number; metadataDigest: Hex; metadataCodec: number; pendingOwner: Address; poolUnlocksAt: bigint;
    }>(A.Datanets, datanetsAbi, "getDatanet", [d.id]);
    const k = `datanet ${d.id}`;
    expect(`${k}.owner`, d.owner, v.owner);
    expect(`${k}.pendingOwner`, d.pendingOwner ?? "0x0000000000000000000000000000000000000000", v.pendingOwner);
    expect(`${k}.modality`, d.modality, v.modality);
    expect(`${k}.formats`, d.formats, v.formats);
    expect(`${k}.paused`, d.paused, v.paused);
    expect(`${k}.poolUnlocksAt`, d.poolUnlocksAt ?? 0n, v.poolUnlocksAt);
    expect(`${k}.pool`, d.pool, v.pool);
    expect(`${k}.submissions`, d.submissions, v.submissions);
    for (const f of ["maxFileSize", "dailyBytes", "dailyFiles", "deposit", "reward", "validatorReward"] as const) expect(`${k}.${f}`, d[f], v.limits[f]);
    for (const f of ["commitWindow", "revealWindow", "quorum", "thresholdBps", "minValidators"] as const) expect(`${k}.${f}`, d[f], v.rules[f]);
    expect(`${k}.termsVersion`, d.termsVersion, v.termsVersion);
    expect(`${k}.metadataDigest`, d.metadataDigest, v.metadataDigest);
    expect(`${k}.metadataCodec`, d.metadataCodec, v.metadataCodec);
    expect(`${k}: status counts sum to submissions`, d.pendingCount + d.acceptedCount + d.rejectedCount + d.expiredCount, d.submissions);
    const subs = rows("submission").filter((s) => s.datanetId === d.id);
    expect(`${k}: submission rows`, subs.length, d.submissions);
    subs.forEach((s, i) => expect(`${k}: submission ${i + 1} sequence`, s.sequence, i + 1));
    for (const status of ["Pending", "Accepted", "Rejected", "Expired"] as const) {
      const field = `${status.toLowerCase()}Count` as "pendingCount";
      expect(`${k}.${field}`, d[field], subs.filter((s) => s.status === status).length);
    }
    // Every pending contribution holds its terms' rewards; the terms are read once per version.
    const pendingByTerms = new Map<number, bigint>();
    for (const row of rows("contribution")) if (row.datanetId === d.id && row.status === "Pending") pendingByTerms.set(row.termsVersion, (pendingByTerms.get(row.termsVersion) ?? 0n) + 1n);
    let pendingRewards = 0n;
    for (const [version, n] of pendingByTerms) {
      const [reward, validatorReward] = await read<[bigint, bigint, bigint]>(A.Datanets, datanetsAbi, "termsOf", [d.id, version]);
      pendingRewards += n * (reward + validatorReward);
    }
    expect(`${k}.pendingRewards`, d.pendingRewards, pendingRewards);
    expect(`${k}.acceptedBytes`, d.acceptedBytes, subs.filter((s) => s.status === "Accepted").reduce((a, s) => a + BigInt(s.size), 0n));
    expect(`${k}.contributorCount`, d.contributorCount, rows("datanetContributor").filter((r) => r.datanetId === d.id).length);
    for (const terms of rows("datanetTerms").filter((r) => r.datanetId === d.id)) {
      const [reward, validatorReward, deposit] = await read<[bigint, bigint, bigint]>(A.Datanets, datanetsAbi, "termsOf", [d.id, terms.version]);
      expect(`${k} terms ${terms.version}.reward`, terms.reward, reward);
      expect(`${k} terms ${terms.version}.validatorReward`, terms.validatorReward, validatorReward);
      expect(`${k} terms ${terms.version}.deposit`, terms.deposit, deposit);
    }
    expect(`${k}: terms rows`, rows("datanetTerms").filter((r) => r.datanetId === d.id).length, d.termsVersion + 1);
  }

  // ─── contributions ─────────────────────────────────────────────────────
  // Submissions by Datanet and sequence, and rounds per contribution: looked up once per contribution.
  const submissionAt = new Map<string, Row<"submission">>();
  for (const s of rows("submission")) {
    const key = `${s.datanetId}:${s.sequence}`;
    if (!submissionAt.has(key)) submissionAt.set(key, s); // the first, as a search would find it
  }
  const rounds = new Map<string, number>();
  for (const s of rows("submission")) rounds.set(s.contributionId, (rounds.get(s.contributionId) ?? 0) + 1);
  // The chain's view of every contribution, one JSON-RPC batch at a time.
  const onChain = await inBatches(rows("contribution"), 256, (row) =>
    read<[Address, number, bigint, bigint, number, number, bigint, bigint, bigint, number]>(A.Datanets, datanetsAbi, "getContribution", [row.id]),
  );
  for (const [i, row] of rows("contribution").entries()) {
    const [contributor, status, submittedAt, size, format, codec, sequence, approveStake, rejectStake, termsVersion] = onChain[i]!;
    const k = `contribution ${row.id.slice(0, 10)}`;
    expect(`${k}.contributor`, row.contributor, contributor);
    expect(`${k}.status`, row.status, STATUSES[status]);
    expect(`${k}.submittedAt`, row.submittedAt, submittedAt);
    expect(`${k}.size`, row.size, size);
    expect(`${k}.format`, row.format, format);
    expect(`${k}.codec`, row.codec, codec);
    expect(`${k}.sequence`, row.sequence, sequence);
    expect(`${k}.approveStake`, row.approveStake, approveStake);
    expect(`${k}.rejectStake`, row.rejectStake, rejectStake);
    expect(`${k}.termsVersion`, row.termsVersion, termsVersion);
    expect(`${k}: its latest submission row`, submissionAt.get(`${row.datanetId}:${row.sequence}`)?.contributionId, row.id);
    expect(`${k}: rounds`, rounds.get(row.id) ?? 0, row.round);
  }

  // ─── accounts, contributors, leaderboard ───────────────────────────────
  const addresses = new Set([...rows("account").map((r) => r.address), ...rows("contributor").map((r) => r.address)]);
  for (const address of addresses) {
    const [credits, acceptedCount, acceptedBytes] = await read<[bigint, bigint, bigint]>(A.Datanets, datanetsAbi, "accountOf", [getAddress(address)]);
    const acc = rows("account").find((r) => r.address === address);
    const con = rows("contributor").find((r) => r.address === address);
    expect(`account ${address}.credits`, acc?.credits ?? 0n, credits);
    expect(`contributor ${address}.accepted`, con?.accepted ?? 0, acceptedCount);
    expect(`contributor ${address}.acceptedBytes`, con?.acceptedBytes ?? 0n, acceptedBytes);
  }
  for (const con of rows("contributor")) {
    const k = `contributor ${con.address}`;
    const mine = rows("submission").filter((s) => s.contributor === con.address);
    const per = rows("datanetContributor").filter((r) => r.address === con.address);
    expect(`${k}.submitted`, con.submitted, mine.length);
    for (const status of ["Pending", "Accepted", "Rejected", "Expired"] as const) {
      const field = status.toLowerCase() as "pending";
      expect(`${k}.${field}`, con[field], mine.filter((s) => s.status === status).length);
      expect(`${k}.${field} = sum per Datanet`, con[field], per.reduce((a, r) => a + r[field], 0));
    }
    expect(`${k}.submittedBytes`, con.submittedBytes, mine.reduce((a, s) => a + BigInt(s.size), 0n));
    expect(`${k}.datanetCount`, con.datanetCount, per.length);
    expect(`${k}.earned = sum per Datanet`, con.earned, per.reduce((a, r) => a + r.earned, 0n));
    for (const r of [con, ...per]) {
      expect(`${k}: score`, r.score, scoreOf(r.accepted, r.acceptedBytes));
      expect(`${k}: acceptance rate`, String(r.acceptanceRateBps), String(rateBps(r.accepted, r.rejected)));
    }
  }
  for (const r of rows("datanetContributor")) {
    const mine = rows("submission").filter((s) => s.contributor === r.address && s.datanetId === r.datanetId);
    expect(`datanetContributor ${r.id}.submitted`, r.submitted, mine.length);
    expect(`datanetContributor ${r.id}.acceptedBytes`, r.acceptedBytes, mine.filter((s) => s.status === "Accepted").reduce((a, s) => a + BigInt(s.size), 0n));
  }

  // ─── daily usage (today, as quotaOf reports it) ────────────────────────
  const today = Number(now / DAY);
  for (const u of rows("dailyUsage").filter((r) => r.day === today && r.datanetId !== 0)) {
    const q = await read<{ protocolBytesUsed: bigint; protocolFilesUsed: bigint; datanetBytesUsed: bigint; datanetFilesUsed: bigint }>(A.Datanets, datanetsAbi, "quotaOf", [getAddress(u.account), u.datanetId]);
    const global = rows("dailyUsage").find((r) => r.account === u.account && r.day === today && r.datanetId === 0);
    expect(`dailyUsage ${u.id}.bytesUsed`, u.bytesUsed, q.datanetBytesUsed);
    expect(`dailyUsage ${u.id}.filesUsed`, u.filesUsed, q.datanetFilesUsed);
    expect(`dailyUsage ${u.account} protocol bytes`, global?.bytesUsed ?? 0n, q.protocolBytesUsed);
    expect(`dailyUsage ${u.account} protocol files`, global?.filesUsed ?? 0, q.protocolFilesUsed);
  }

  // ─── validators, commitments, votes ────────────────────────────────────
  for (const v of rows("validator")) {
    const k = `validator ${v.address}`;
    const [active, activating, activeAt, unbonding, withdrawableAt] = await read<[bigint, bigint, bigint, bigint, bigint]>(A.ValidatorStaking, validatorStakingAbi, "positionOf", [getAddress(v.address)]);
    const settled = positionAt(v, now);
    expect(`${k}.active`, settled.active, active);
    expect(`${k}.activating`, settled.activating, activating);
    expect(`${k}.activeAt`, settled.activeAt, activeAt);
    expect(`${k}.unbonding`, settled.unbonding, unbonding);
    expect(`${k}.withdrawableAt`, settled.withdrawableAt, withdrawableAt);
    expect(`${k}.openCommitments`, v.openCommitments, await read(A.ValidatorStaking, validatorStakingAbi, "openVotes", [getAddress(v.address)]));
    const votes = rows("vote").filter((x) => x.validator === v.address);
    expect(`${k}.votes`, v.votes, votes.length);
    expect(`${k}.revealedVotes`, v.revealedVotes, votes.filter((x) => x.revealed).length);
    expect(`${k}.agreedVotes`, v.agreedVotes, votes.filter((x) => x.agreed === true).length);
    expect(`${k}.disagreedVotes`, v.disagreedVotes, votes.filter((x) => x.agreed === false).length);
    expect(`${k}.agreementRate`, String(v.agreementRateBps), String(rateBps(v.agreedVotes, v.disagreedVotes)));
    const mine = rows("commitment").filter((x) => x.validator === v.address);
    expect(`${k}.rewards`, v.rewards, mine.reduce((a, x) => a + x.rewardAmount, 0n));
    expect(`${k}.slashed`, v.slashed, rows("stakeEvent").filter((x) => x.validator === v.address && x.kind === "slash").reduce((a, x) => a + x.amount, 0n));
  }
  for (const vd of rows("validatorDatanet")) {
    expect(`validatorDatanet ${vd.id}`, vd.lastCommittedSequence, await read(A.Datanets, datanetsAbi, "lastCommittedSequence", [vd.datanetId, getAddress(vd.validator)]));
  }
  const STATE = { Committed: 1, Revealed: 2, Slashed: 3 } as const;
  for (const cm of rows("commitment")) {
    const [validatorAddress, committedAt, weight, state, votes, rewardsClaimed] = await read<[Address, bigint, bigint, number, bigint, boolean]>(A.Datanets, datanetsAbi, "getCommitment", [cm.id]);
    const k = `commitment ${cm.id.slice(0, 10)}`;
    expect(`${k}.validator`, cm.validator, validatorAddress);
    expect(`${k}.committedAt`, cm.committedAt, committedAt);
    expect(`${k}.weight`, cm.weight, weight);
    expect(`${k}.state`, STATE[cm.state], state);
    expect(`${k}.votes`, cm.state === "Revealed" ? BigInt(cm.votes ?? "0") : 0n, votes);
    expect(`${k}.rewardsClaimed`, cm.rewardsClaimed, rewardsClaimed);
  }
  // Tallies of every pending or decided round equal the revealed votes' weights.
  const revealedVotes = new Map<string, (typeof tables)["vote"]>();
  for (const v of rows("vote")) {
    if (!v.revealed) continue;
    const key = `${v.contributionId}:${v.sequence}`;
    revealedVotes.set(key, [...(revealedVotes.get(key) ?? []), v]);
  }
  for (const row of rows("contribution")) {
    const votes = (revealedVotes.get(`${row.id}:${row.sequence}`) ?? []) as Row<"vote">[];
    expect(`contribution ${row.id.slice(0, 10)} approve = revealed votes`, row.approveStake, votes.filter((v) => v.approve).reduce((a, v) => a + v.weight, 0n));
    expect(`contribution ${row.id.slice(0, 10)} reject = revealed votes`, row.rejectStake, votes.filter((v) => !v.approve).reduce((a, v) => a + v.weight, 0n));
  }

  // ─── models ────────────────────────────────────────────────────────────
  for (const m of rows("model")) {
    const [trainer, parentId, method, datasetRoot, artifactSha256, totalWeight, contributorFees, feesPerWeight, attributionPaid] = await read<
      [Address, bigint, number, Hex, Hex, bigint, bigint, bigint, bigint]
    >(A.ModelRegistry, modelRegistryAbi, "getModel", [m.id]);
    const k = `model ${m.id}`;
    expect(`${k}.trainer`, m.trainer, trainer);
    expect(`${k}.parentId`, m.parentId ?? 0n, parentId);
    expect(`${k}.method`, m.method, method);
    expect(`${k}.datasetRoot`, m.datasetRoot, datasetRoot);
    expect(`${k}.artifactSha256`, m.artifactSha256, artifactSha256);
    expect(`${k}.totalWeight`, m.totalWeight, totalWeight);
    expect(`${k}.contributorFees`, m.contributorFees, contributorFees);
    expect(`${k}.feesPerWeight`, m.feesPerWeight, feesPerWeight);
    expect(`${k}.attributionClaimed`, m.attributionClaimed, attributionPaid);
    const [bond, challengeEndsAt, invalid] = await read<[bigint, bigint, boolean]>(A.ModelRegistry, modelRegistryAbi, "bondOf", [m.id]);
    expect(`${k}.bond`, m.bond, bond);
    expect(`${k}.challengeEndsAt`, m.challengeEndsAt, challengeEndsAt);
    expect(`${k}.invalid`, m.invalid, invalid);
    const pays = rows("feePayment").filter((f) => f.modelId === m.id);
    expect(`${k}.feesPaid = payments`, m.feesPaid, pays.reduce((a, f) => a + f.amount, 0n));
    expect(`${k}.datanets`, JSON.stringify(rows("modelDatanet").filter((x) => x.modelId === m.id).map((x) => x.datanetId).sort()), JSON.stringify([...new Set(m.datanetIds)].sort()));
  }

  // ─── claims ────────────────────────────────────────────────────────────
  for (const acc of rows("account")) {
    const paid = rows("claim").filter((x) => x.kind === "credits" && x.account === acc.address).reduce((a, x) => a + x.amount, 0n);
    expect(`account ${acc.address}.claimed`, acc.claimed, paid);
    expect(`account ${acc.address} credits = earned − claimed`, acc.credits, acc.rewardsEarned + acc.refunds + acc.validatorRewards - acc.claimed);
  }
  // ─── event-log tables, against the chain's own logs ────────────────────
  const logs = async (address: Address, abi: readonly unknown[], eventName: string) =>
    (await c.getContractEvents({ address, abi, eventName, fromBlock: BigInt(t.deployment.startBlock), toBlock: block.number } as never)) as unknown as {
      args: Record<string, unknown>;
      transactionHash: Hex;
      blockNumber: bigint;
    }[];
  const sameRows = (what: string, indexed: string[], chain: string[]) => {
    checked++;
    const a = [...indexed].sort().join("\n");
    const b = [...chain].sort().join("\n");
    if (a !== b) mismatches.push(`${what}: ${indexed.length} indexed rows, ${chain.length} on chain, or their contents differ`);
  };
  const key = (...parts: unknown[]) => parts.map((x) => String(x).toLowerCase()).join("|");
  const funded = await logs(A.Datanets, datanetsAbi, "DatanetFunded");
  const withdrawn = await logs(A.Datanets, datanetsAbi, "PoolWithdrawn");
  sameRows(
    "pool_event",
    rows("poolEvent").map((r) => key(r.kind, r.datanetId, r.account, r.amount, r.pool, r.transactionHash)),
    [
      ...funded.map((l) => key("fund", l.args.datanetId, l.args.from, l.args.amount, l.args.pool, l.transactionHash)),
      ...withdrawn.map((l) => key("withdraw", l.args.datanetId, l.args.to, l.args.amount, l.args.pool, l.transactionHash)),
    ],
  );
  const stakeLogs = [
    ...(await logs(A.ValidatorStaking, validatorStakingAbi, "Staked")).map((l) => key("stake", l.args.validator, l.args.amount, l.transactionHash)),
    ...(await logs(A.ValidatorStaking, validatorStakingAbi, "UnstakeStarted")).map((l) => key("unstake", l.args.validator, l.args.amount, l.transactionHash)),
    ...(await logs(A.ValidatorStaking, validatorStakingAbi, "Withdrawn")).map((l) => key("withdraw", l.args.validator, l.args.amount, l.transactionHash)),
    ...(await logs(A.ValidatorStaking, validatorStakingAbi, "Slashed")).map((l) => key("slash", l.args.validator, l.args.amount, l.transactionHash)),
  ];
  sameRows("stake_event", rows("stakeEvent").map((r) => key(r.kind, r.validator, r.amount, r.transactionHash)), stakeLogs);
  sameRows(
    "fee_payment",
    rows("feePayment").map((r) => key(r.modelId, r.payer, r.amount, r.trainerShare, r.protocolShare, r.contributorsShare, r.feesPerWeight, r.transactionHash)),
    (await logs(A.ModelRegistry, modelRegistryAbi, "FeePaid")).map((l) =>
      key(l.args.modelId, l.args.payer, l.args.amount, l.args.trainerShare, l.args.protocolShare, l.args.contributorsShare, l.args.feesPerWeight, l.transactionHash),
    ),
  );
  sameRows(
    "claim",
    rows("claim").map((r) => key(r.kind, r.account, r.to, r.amount, r.transactionHash)),
    [
      ...(await logs(A.Datanets, datanetsAbi, "Claimed")).map((l) => key("credits", l.args.account, l.args.to, l.args.amount, l.transactionHash)),
      ...(await logs(A.Datanets, datanetsAbi, "ValidatorRewardsClaimed")).map((l) => key("validator-reward", l.args.validator, l.args.validator, l.args.amount, l.transactionHash)),
      ...(await logs(A.ModelRegistry, modelRegistryAbi, "AttributionClaimed")).map((l) => key("attribution", l.args.contributor, l.args.contributor, l.args.amount, l.transactionHash)),
    ],
  );
  const submittedLogs = await logs(A.Datanets, datanetsAbi, "ContributionSubmitted");
  sameRows(
    "submission",
    rows("submission").map((r) => key(r.contributionId, r.datanetId, r.contributor, r.size, r.transactionHash)),
    submittedLogs.map((l) => key(l.args.contributionId, l.args.datanetId, l.args.contributor, l.args.size, l.transactionHash)),
  );
  const committedLogs = await logs(A.Datanets, datanetsAbi, "VotesCommitted");
  sameRows(
    "vote",
    rows("vote").map((r) => key(r.commitmentId, r.validator, r.contributionId, r.weight)),
    committedLogs.flatMap((l) => (l.args.contributionIds as Hex[]).map((id) => key(l.args.commitment, l.args.validator, id, l.args.weight))),
  );
  sameRows(
    "model",
    rows("model").map((r) => key(r.id, r.trainer, r.transactionHash)),
    (await logs(A.ModelRegistry, modelRegistryAbi, "ModelRegistered")).map((l) => key(l.args.modelId, l.args.trainer, l.transactionHash)),
  );
  return { mismatches, checked };
}


/**
 * Polls the checker until the indexer has caught up with the chain (no mismatches) or the time is
 * up; returns the last report, so a test that fails shows what still differs.
 */
export async function waitForConsistency(t: CheckedChain, indexer: CheckedIndexer, timeoutMs = 30_000): Promise<CheckReport> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let report: CheckReport;
    try {
      report = await checkConsistency(t, indexer);
    } catch (error) {
      report = { mismatches: [`checker failed: ${(error as Error).message}`], checked: 0 };
    }
    if (report.mismatches.length === 0 || Date.now() > deadline) return report;
    await new Promise((r) => setTimeout(r, 250));
  }
}
