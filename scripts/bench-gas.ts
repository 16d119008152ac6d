// Gas per protocol operation, measured from receipts (gasUsed, including the 21,000 base) on the
// production build profile, in an in-process Hardhat network. Prints a table with the targets and
// writes benchmarks/gas-snapshot.json, which is checked in so that a regression shows in review.
//
//   npm run bench:gas
import { writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  createPublicClient,
  createWalletClient,
  custom,
  encodeAbiParameters,
  encodeFunctionData,
  keccak256,
  parseEther,
  maxUint256,
  concat,
  toBytes,
  bytesToHex,
  hexToBytes,
  type Address,
  type Hex,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { keccak_256 } from "@noble/hashes/sha3";
import { hardhat } from "viem/chains";
import { datanetsAbi, governanceOf, modelRegistryAbi, openTokenAbi, validatorStakingAbi } from "@openledger/protocol";
import { DEVELOPMENT_PARAMETERS, DEV_PRIVATE_KEYS, deployProtocol, governDev } from "@openledger/protocol/deploy";
import { signPermit } from "@openledger/sdk";
import { runHardhatSync } from "@openledger/protocol/build";

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

// The production profile is what ships; build it, then regenerate nothing (ABIs do not depend on the profile).
if (!process.argv.includes("--no-build")) {
  console.log("building the production profile (viaIR + optimizer)…");
  const built = runHardhatSync(root, ["build", "--build-profile", "production", "--no-tests"], "ignore");
  if (built !== 0) process.exit(built);
}

const { network } = await import("hardhat");
const connection = await network.connect();
const provider = connection.provider;
const transport = custom({ request: (args) => provider.request(args) });
const client = createPublicClient({ chain: hardhat, transport });

const accounts = DEV_PRIVATE_KEYS.map((key) => privateKeyToAccount(key));
const wallets = accounts.map((account) => createWalletClient({ account, chain: hardhat, transport }));
const [admin, owner, alice, v1, v2, v3, payer] = wallets as [
  (typeof wallets)[number],
  ...(typeof wallets)[number][],
];
const validators = [v1!, v2!, v3!];

for (const account of accounts) {
  await provider.request({ method: "hardhat_setBalance", params: [account.address, "0x3635C9ADC5DEA00000"] });
}
const deployment = await deployProtocol({ wallet: admin, client, write: false });
const { OpenToken: token, ValidatorStaking: staking, Datanets: datanets, ModelRegistry: registry } = deployment.contracts;

type Wallet = (typeof wallets)[number];

async function gas(hash: Hex): Promise<bigint> {
  const receipt = await client.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
  return receipt.gasUsed;
}

async function write(wallet: Wallet, address: Address, abi: readonly unknown[], functionName: string, args: unknown[]): Promise<bigint> {
  const hash = await wallet.writeContract({ address, abi: abi as never, functionName: functionName as never, args: args as never });
  return gas(hash);
}

async function advance(seconds: number): Promise<void> {
  await provider.request({ method: "evm_increaseTime", params: [seconds] });
  await provider.request({ method: "evm_mine", params: [] });
}

// Align to just after a UTC midnight so that a day's quota is not split by the clock.
{
  const block = await client.getBlock();
  const next = (block.timestamp / 86_400n + 1n) * 86_400n + 60n;
  await provider.request({ method: "evm_setNextBlockTimestamp", params: [Number(next)] });
  await provider.request({ method: "evm_mine", params: [] });
}

for (const w of wallets.slice(1)) {
  await write(admin, token, openTokenAbi, "transfer", [w.account.address, parseEther("10000000")]);
  for (const spender of [datanets, staking, registry]) {
    await write(w, token, openTokenAbi, "approve", [spender, 2n ** 255n]);
  }
}

const results: { operation: string; gas: number; target?: number; note?: string }[] = [];
function record(operation: string, value: bigint | number, target?: number, note?: string): void {
  results.push({ operation, gas: Math.round(Number(value)), target, note });
}

const TEXT_FORMATS = 0x3f;
const limits = (reward: bigint) => ({ maxFileSize: 0, dailyBytes: 0, dailyFiles: 0, deposit: 0n, reward, validatorReward: parseEther("3") });
const rules = { commitWindow: 600, revealWindow: 600, quorum: 0n, thresholdBps: 0, minValidators: 0 };

async function createDatanet(): Promise<{ gas: bigint; id: number }> {
  const hash = await owner!.writeContract({
    address: datanets,
    abi: datanetsAbi,
    functionName: "createDatanet",
    args: [0, TEXT_FORMATS, keccak256(toBytes("metadata")), 0, limits(parseEther("10")), rules],
  });
  const used = await gas(hash);
  const id = Number(await client.readContract({ address: datanets, abi: datanetsAbi, functionName: "datanetCount" }));
  return { gas: used, id };
}

// ─── Datanets ──────────────────────────────────────────────────────────────
await createDatanet(); // the first ever pays for the counter slot
const created = await createDatanet();
record("create Datanet", created.gas);
const net = created.id;
await write(owner!, datanets, datanetsAbi, "fund", [net, parseEther("100000")]);
record("fund (pool already funded)", await write(owner!, datanets, datanetsAbi, "fund", [net, parseEther("100000")]));

// ─── Submissions ───────────────────────────────────────────────────────────
let fileCounter = 0;
const nextDigest = (): Hex => keccak256(toBytes(`bench file ${fileCounter++}`));
const fileRef = (digest: Hex) => ({ digest, codec: 0, format: 0, size: 40_000 });

const firstSubmit = await write(alice!, datanets, datanetsAbi, "submit", [net, fileRef(nextDigest()), 0]);
let steady = 0n;
for (let i = 0; i < 3; i++) {
  steady = await write(alice!, datanets, datanetsAbi, "submit", [net, fileRef(nextDigest()), 0]);
}
record("submit one file (first of the day)", firstSubmit, undefined, "new contributor and day counters");
record("submit one file (steady state)", steady, 75_000);

const batch10 = Array.from({ length: 10 }, nextDigest);
const batch10Gas = await write(alice!, datanets, datanetsAbi, "submitBatch", [net, batch10.map(fileRef), 0]);
record("submit batch of 10, per file", batch10Gas / 10n, 35_000);

// Committed submissions (optional: a commitment first, so that a copy from the mempool is displaced).
async function submitCommitted(digests: Hex[], copier?: Wallet): Promise<{ commit: bigint; submit: bigint }> {
  const salt = keccak256(toBytes(`salt ${fileCounter}`));
  const key = await client.readContract({
    address: datanets,
    abi: datanetsAbi,
    functionName: "submissionCommitmentOf",
    args: [alice!.account.address, net, keccak256(concat(digests)), salt],
  });
  const commit = await write(alice!, datanets, datanetsAbi, "commitSubmission", [key]);
  await advance(1);
  if (copier) await write(copier, datanets, datanetsAbi, "submitBatch", [net, digests.map(fileRef), 0]);
  const submit = await write(alice!, datanets, datanetsAbi, "submitCommitted", [net, digests.map(fileRef), 0, salt]);
  return { commit, submit };
}
await advance(86_400); // a new UTC day: today's file quota (20) went to the submissions above
await submitCommitted([nextDigest()]);
const committedOne = await submitCommitted([nextDigest()]);
record("submit one file, committed (commitment + submission)", committedOne.commit + committedOne.submit, undefined, "optional: protects from mempool copies");
const displacing = await submitCommitted([nextDigest()], payer!);
record("  … its submission alone", committedOne.submit);
record("  … its submission, displacing a copy that landed first", displacing.submit, undefined, "the copier's slot is reused; its deposit credited back");
const committedTen = await submitCommitted(Array.from({ length: 10 }, nextDigest));
record("submit batch of 10, committed, per file", (committedTen.commit + committedTen.submit) / 10n);

// ─── Staking ───────────────────────────────────────────────────────────────
const stakeAmount = parseEther("5000");
const stakeGas: bigint[] = [];
for (const v of validators) stakeGas.push(await write(v, staking, validatorStakingAbi, "stake", [stakeAmount]));
record("stake (new validator)", stakeGas[0]!);
await advance(Number(DEVELOPMENT_PARAMETERS.activationDelay) + 1);

// Raise the protocol quotas so that one contributor can submit batches of 50 (the benchmark's
// shape; in production a batch of 50 would come from a contributor with a generous Datanet).
await governDev(admin, client, governanceOf(deployment), {
  target: datanets,
  data: encodeFunctionData({ abi: datanetsAbi, functionName: "setProtocolLimits", args: [10 * 1024 * 1024, 100 * 1024 * 1024, 1000, 100] }),
});
async function bigNet(): Promise<number> {
  const hash = await owner!.writeContract({
    address: datanets,
    abi: datanetsAbi,
    functionName: "createDatanet",
    args: [0, TEXT_FORMATS, keccak256(toBytes("metadata")), 0, { ...limits(parseEther("10")), dailyBytes: 100 * 1024 * 1024, dailyFiles: 1000 }, rules],
  });
  await gas(hash);
  const id = Number(await client.readContract({ address: datanets, abi: datanetsAbi, functionName: "datanetCount" }));
  await write(owner!, datanets, datanetsAbi, "fund", [id, parseEther("1000000")]);
  return id;
}

// ─── Review: batches of 1 and 50 ───────────────────────────────────────────
function idsHash(netId: number, digests: Hex[]): Hex {
  const ids = digests.map((d) => keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "bytes32" }], [netId, d])));
  return keccak256(concat(ids));
}
const salt = (v: Wallet): Hex => keccak256(toBytes(`salt ${v.account.address}`));

interface Round {
  submit: bigint;
  commit: bigint[];
  reveal: bigint[];
  finalize: bigint;
  claim: bigint;
  validatorClaims: bigint[];
}

async function reviewRound(netId: number, size: number, votes: (i: number) => boolean): Promise<Round> {
  const digests = Array.from({ length: size }, nextDigest);
  const submit = size === 1
    ? await write(alice!, datanets, datanetsAbi, "submit", [netId, fileRef(digests[0]!), 0])
    : await write(alice!, datanets, datanetsAbi, "submitBatch", [netId, digests.map(fileRef), 0]);
  let mask = 0n;
  for (let i = 0; i < size; i++) if (votes(i)) mask |= 1n << BigInt(i);
  const hash = idsHash(netId, digests);
  const commit: bigint[] = [];
  for (const v of validators) {
    const sealed = (await client.readContract({
      address: datanets,
      abi: datanetsAbi,
      functionName: "sealVotes",
      args: [v.account.address, netId, hash, mask, salt(v)],
    })) as Hex;
    commit.push(await write(v, datanets, datanetsAbi, "commit", [netId, digests, sealed]));
  }
  await advance(600);
  const reveal: bigint[] = [];
  for (const v of validators) reveal.push(await write(v, datanets, datanetsAbi, "reveal", [netId, digests, mask, salt(v)]));
  await advance(600);
  const finalize = await write(payer!, datanets, datanetsAbi, "finalize", [netId, digests]);
  const validatorClaims: bigint[] = [];
  for (const v of validators) validatorClaims.push(await write(v, datanets, datanetsAbi, "claimValidatorRewards", [netId, digests]));
  const claim = await write(alice!, datanets, datanetsAbi, "claim", [alice!.account.address]);
  return { submit, commit, reveal, finalize, claim, validatorClaims };
}

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const netSmall = await bigNet();
await reviewRound(netSmall, 1, () => true); // warm the validators' per-Datanet slots
const r1 = await reviewRound(netSmall, 1, () => true);
record("commit, batch of 1 (per contribution)", r1.commit[1]!);
record("reveal, batch of 1 (per contribution)", r1.reveal[1]!);
record("finalise, batch of 1", r1.finalize);
record("claim validator rewards, batch of 1", r1.validatorClaims[1]!);

const netBig = await bigNet();
await reviewRound(netBig, 50, (i) => i % 5 !== 0);
const r50 = await reviewRound(netBig, 50, (i) => i % 5 !== 0);
record("commit, batch of 50 (per contribution)", r50.commit[1]! / 50n);
record("reveal, batch of 50 (per contribution)", r50.reveal[1]! / 50n);
record("finalise, batch of 50 (per contribution)", r50.finalize / 50n);
record("claim validator rewards, batch of 50 (per contribution)", r50.validatorClaims[1]! / 50n);

// ─── Claims ────────────────────────────────────────────────────────────────
// A claim collecting 1 credit, and one collecting 50: the cost must not grow with the count.
record("claim (collects 1 credit)", r1.claim, 60_000);
record("claim (collects 50 credits)", r50.claim, 60_000);

const life = r50.submit + sum(r50.commit) + sum(r50.reveal) + r50.finalize + r50.claim;
record("life of one contribution, batches of 50 (amortised)", life / 50n, 100_000, "submit, 3 commits, 3 reveals, finalise, claim");
record(
  "  … with the 3 validators' reward claims",
  (life + sum(r50.validatorClaims)) / 50n,
  100_000,
);

// ─── Staking, again ────────────────────────────────────────────────────────
record("stake (top-up of active stake)", await write(v1!, staking, validatorStakingAbi, "stake", [parseEther("100")]));
record("unstake", await write(v1!, staking, validatorStakingAbi, "unstake", [parseEther("100")]));

// ─── Models ────────────────────────────────────────────────────────────────
// A real dataset tree of 2^20 leaves: leaf 0 is a contribution accepted through review here, the
// others filler leaves; the claim proves the real leaf at depth 20.
const LEAVES = 1 << Number(process.env.BENCH_TREE_DEPTH ?? 20);
console.log(`building a Merkle tree of ${LEAVES.toLocaleString()} leaves…`);
const started = performance.now();
function leafOf(id: Hex, contributor: Address, weight: bigint): Uint8Array {
  return keccak_256(keccak_256(hexToBytes(encodeAbiParameters([{ type: "bytes32" }, { type: "address" }, { type: "uint256" }], [id, contributor, weight]))));
}
function hashPair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  const aFirst = Buffer.compare(a, b) <= 0;
  out.set(aFirst ? a : b, 0);
  out.set(aFirst ? b : a, 32);
  return keccak_256(out);
}
const claimNet = netBig;
const acceptedDigests = Array.from({ length: 1 }, nextDigest);
{
  await write(alice!, datanets, datanetsAbi, "submit", [claimNet, fileRef(acceptedDigests[0]!), 0]);
  const hash = idsHash(claimNet, acceptedDigests);
  for (const v of validators) {
    const sealed = (await client.readContract({ address: datanets, abi: datanetsAbi, functionName: "sealVotes", args: [v.account.address, claimNet, hash, 1n, salt(v)] })) as Hex;
    await write(v, datanets, datanetsAbi, "commit", [claimNet, acceptedDigests, sealed]);
  }
  await advance(600);
  for (const v of validators) await write(v, datanets, datanetsAbi, "reveal", [claimNet, acceptedDigests, 1n, salt(v)]);
  await advance(600);
  await write(payer!, datanets, datanetsAbi, "finalize", [claimNet, acceptedDigests]);
}
const contributionId = keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "bytes32" }], [claimNet, acceptedDigests[0]!]));
const weight = 1_000n;
let level: Uint8Array[] = new Array(LEAVES);
level[0] = leafOf(contributionId, alice!.account.address, weight);
// Filler leaves: distinct values, hashed like real ones (leaf hashing is not what is measured).
for (let i = 1; i < LEAVES; i++) {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, i);
  level[i] = keccak_256(seed);
}
const proof: Hex[] = [];
let index = 0;
while (level.length > 1) {
  proof.push(bytesToHex(level[index ^ 1]!));
  const next: Uint8Array[] = new Array(level.length / 2);
  for (let i = 0; i < next.length; i++) next[i] = hashPair(level[2 * i]!, level[2 * i + 1]!);
  level = next;
  index >>= 1;
}
const datasetRoot = bytesToHex(level[0]!);
console.log(`  built in ${((performance.now() - started) / 1000).toFixed(1)} s; proof depth ${proof.length}`);

const spec = {
  baseModel: "openledger/tiny-base",
  baseWeightsHash: keccak256(toBytes("base weights")),
  method: 0,
  configHash: keccak256(toBytes("config")),
  artifactDigest: keccak256(toBytes("adapter")),
  artifactCodec: 0,
  artifactSha256: keccak256(toBytes("adapter sha")),
  datanetIds: [claimNet],
  datasetRoot,
  totalWeight: weight * BigInt(LEAVES),
  manifestDigest: keccak256(toBytes("manifest")),
  manifestCodec: 1,
  parentId: 0n,
};
await write(admin, token, openTokenAbi, "approve", [registry, maxUint256]); // the trainer's bonds
await write(admin, registry, modelRegistryAbi, "registerModel", [spec]); // first model pays the counter slot
record("register model (with its bond)", await write(admin, registry, modelRegistryAbi, "registerModel", [spec]));
const modelId = await client.readContract({ address: registry, abi: modelRegistryAbi, functionName: "modelCount" });
await advance(DEVELOPMENT_PARAMETERS.challengeWindow); // payments open when the challenge window closes
record("release a model's bond", await write(payer!, registry, modelRegistryAbi, "releaseBond", [modelId]));
await write(payer!, registry, modelRegistryAbi, "payForModel", [modelId, parseEther("100")]);
record("pay for a model", await write(payer!, registry, modelRegistryAbi, "payForModel", [modelId, parseEther("100")]));
const claimHash = await payer!.writeContract({
  address: registry,
  abi: modelRegistryAbi,
  functionName: "claimAttribution",
  args: [modelId, contributionId, alice!.account.address, weight, proof],
});
if (process.env.BENCH_TRACE) {
  const trace = (await provider.request({ method: "debug_traceTransaction", params: [claimHash] })) as { structLogs: { op: string; gasCost: number; depth: number }[] };
  const byOp = new Map<string, number>();
  for (const log of trace.structLogs) byOp.set(log.op, (byOp.get(log.op) ?? 0) + log.gasCost);
  console.log([...byOp.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15));
}
record(
  "claim attribution, proof over 2^20 leaves (depth 20)",
  await gas(claimHash), 90_000);

// ─── Deposits: a signed permit in the submission's transaction, or an approval first ──
// `multicall([permitDeposit, submit])` against `approve` then `submit`, on a Datanet with a deposit,
// both with exact allowances and after a first of each (the first submission of the day pays for its
// counters, the account's first permit for its nonce slot).
{
  const deposit = parseEther("1");
  await owner!.writeContract({
    address: datanets,
    abi: datanetsAbi,
    functionName: "createDatanet",
    args: [0, TEXT_FORMATS, keccak256(toBytes("metadata")), 0, { ...limits(parseEther("10")), deposit }, rules],
  });
  const depositNet = Number(await client.readContract({ address: datanets, abi: datanetsAbi, functionName: "datanetCount" }));
  await write(owner!, datanets, datanetsAbi, "fund", [depositNet, parseEther("1000")]);
  const submitData = () => encodeFunctionData({ abi: datanetsAbi, functionName: "submit", args: [depositNet, fileRef(nextDigest()), 0] });
  const withPermit = async (): Promise<bigint> => {
    const p = await signPermit(alice!, { contracts: deployment.contracts, spender: datanets, value: deposit });
    const permit = encodeFunctionData({ abi: datanetsAbi, functionName: "permitDeposit", args: [p.value, p.deadline, p.v, p.r, p.s] });
    return write(alice!, datanets, datanetsAbi, "multicall", [[permit, submitData()]]);
  };
  const withApproval = async (): Promise<bigint> => {
    const approve = await write(alice!, token, openTokenAbi, "approve", [datanets, deposit]);
    const hash = await alice!.sendTransaction({ to: datanets, data: submitData() });
    return approve + (await gas(hash));
  };
  await write(alice!, token, openTokenAbi, "approve", [datanets, 0n]);
  await withApproval();
  await withPermit();
  record("submit one file with a deposit: approve + submit (2 transactions)", await withApproval());
  record("submit one file with a deposit: permit + submit (1 transaction)", await withPermit(), undefined, "multicall([permitDeposit, submit]); no allowance left");
}

// ─── Report ────────────────────────────────────────────────────────────────
const width = Math.max(...results.map((r) => r.operation.length));
console.log(`\nGas per operation (receipt gasUsed incl. 21,000 base; production profile)\n`);
console.log(`${"operation".padEnd(width)}  ${"gas".padStart(9)}  ${"target".padStart(9)}`);
let failures = 0;
for (const r of results) {
  const ok = r.target === undefined || r.gas <= r.target;
  if (!ok) failures++;
  const target = r.target === undefined ? "" : `≤ ${r.target.toLocaleString("en-US")}`;
  console.log(`${r.operation.padEnd(width)}  ${r.gas.toLocaleString("en-US").padStart(9)}  ${target.padStart(9)}  ${r.target === undefined ? "" : ok ? "ok" : "OVER"}`);
}
mkdirSync(path.join(root, "benchmarks"), { recursive: true });
const snapshot = Object.fromEntries(results.map((r) => [r.operation, r.gas]));
writeFileSync(path.join(root, "benchmarks", "gas-snapshot.json"), JSON.stringify(snapshot, null, 2) + "\n");
console.log(`\nwrote benchmarks/gas-snapshot.json${failures ? `; ${failures} over target` : "; all targets met"}`);
await connection.close?.();
process.exit(failures ? 1 : 0);
