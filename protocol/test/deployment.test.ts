// The deployment and a whole contribution's life, driven over JSON-RPC against a real Hardhat
// node, as the other packages (SDK, indexer, trainer) will drive it.
import assert from "node:assert/strict";
import { afterAll as after, beforeAll as before, describe, it } from "vitest";
import {
  BaseError,
  ContractFunctionRevertedError,
  concat,
  encodeAbiParameters,
  keccak256,
  parseEther,
  toBytes,
  type Address,
  type Hex,
} from "viem";
import { DEFAULT_ADMIN_ROLE, datanetsAbi, GOVERNED_CONTRACTS, governanceOf, modelRegistryAbi, openTokenAbi, protocolTimelockAbi, validatorStakingAbi } from "@openledger/protocol";
import { DEVELOPMENT_PARAMETERS, deployProtocol, devWallet, publicClientFor, type Deployment } from "@openledger/protocol/deploy";
import { startChain, type LocalChain } from "@openledger/stack";

const TEXT_FORMATS = 0x3f;
const REWARD = parseEther("10");
const VALIDATOR_REWARD = parseEther("3");

let chain: LocalChain;
let deployment: Deployment;
let client: ReturnType<typeof publicClientFor>;
let wallets: ReturnType<typeof devWallet>[];

async function mined(hash: Hex) {
  const receipt = await client.waitForTransactionReceipt({ hash });
  assert.equal(receipt.status, "success", `transaction ${hash} reverted`);
  return receipt;
}

async function advance(seconds: number): Promise<void> {
  await client.request({ method: "evm_increaseTime" as never, params: [seconds] as never });
  await client.request({ method: "evm_mine" as never, params: [] as never });
}

/** The custom error a call reverts with: its name and arguments. */
async function revertOf(call: Promise<unknown>): Promise<{ name: string; args: readonly unknown[] }> {
  try {
    await call;
  } catch (error) {
    if (error instanceof BaseError) {
      const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
      if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
        return { name: reverted.data.errorName, args: reverted.data.args ?? [] };
      }
    }
    throw error;
  }
  throw new Error("expected the call to revert");
}

function idsHash(datanetId: number, digests: Hex[]): Hex {
  return keccak256(
    concat(digests.map((d) => keccak256(encodeAbiParameters([{ type: "uint32" }, { type: "bytes32" }], [datanetId, d])))),
  );
}

before(async () => {
  chain = await startChain({ decodeContracts: false });
  client = publicClientFor(chain.rpcUrl);
  wallets = Array.from({ length: 8 }, (_, i) => devWallet(chain.rpcUrl, i));
  deployment = await deployProtocol({ wallet: wallets[0]!, client, write: false });
  for (const w of wallets.slice(1)) {
    await mined(
      await wallets[0]!.writeContract({
        address: deployment.contracts.OpenToken,
        abi: openTokenAbi,
        functionName: "transfer",
        args: [w.account.address, parseEther("100000")],
      }),
    );
    for (const spender of [deployment.contracts.Datanets, deployment.contracts.ValidatorStaking, deployment.contracts.ModelRegistry]) {
      await mined(await w.writeContract({ address: deployment.contracts.OpenToken, abi: openTokenAbi, functionName: "approve", args: [spender, 2n ** 255n] }));
    }
  }
});

after(async () => {
  await chain?.stop();
});

describe("deployment", () => {
  it("mints the whole supply to the deployer and wires every role", async () => {
    const { OpenToken, ValidatorStaking, Datanets, ModelRegistry } = deployment.contracts;
    const supply = await client.readContract({ address: OpenToken, abi: openTokenAbi, functionName: "totalSupply" });
    assert.equal(supply, 1_000_000_000n * 10n ** 18n);
    // Staking is bound to Datanets once: the only contract that can hold or slash a vote.
    assert.equal(await client.readContract({ address: ValidatorStaking, abi: validatorStakingAbi, functionName: "datanets" }), Datanets);
    const trainerRole = await client.readContract({ address: ModelRegistry, abi: modelRegistryAbi, functionName: "TRAINER_ROLE" });
    assert.equal(
      await client.readContract({ address: ModelRegistry, abi: modelRegistryAbi, functionName: "hasRole", args: [trainerRole, wallets[0]!.account.address] }),
      true,
    );
    assert.equal(await client.readContract({ address: Datanets, abi: datanetsAbi, functionName: "maxCommitWindow" }), DEVELOPMENT_PARAMETERS.maxCommitWindow);
    assert.equal(await client.readContract({ address: ValidatorStaking, abi: validatorStakingAbi, functionName: "minimumStake" }), DEVELOPMENT_PARAMETERS.minimumStake);
    assert.equal(await client.readContract({ address: Datanets, abi: datanetsAbi, functionName: "staking" }), ValidatorStaking);
    assert.equal(await client.readContract({ address: ModelRegistry, abi: modelRegistryAbi, functionName: "datanets" }), Datanets);
  });

  it("hands every contract's admin to the timelock: the deployer keeps only the pause", async () => {
    const governance = governanceOf(deployment);
    assert.equal(governance.delay, DEVELOPMENT_PARAMETERS.governanceDelay);
    assert.deepEqual(governance.proposers, [wallets[0]!.account.address]);
    assert.equal(await client.readContract({ address: governance.timelock, abi: protocolTimelockAbi, functionName: "getMinDelay" }), BigInt(DEVELOPMENT_PARAMETERS.governanceDelay));
    const deployer = wallets[0]!.account.address;
    const governed = { ValidatorStaking: validatorStakingAbi, Datanets: datanetsAbi, ModelRegistry: modelRegistryAbi } as const;
    for (const name of GOVERNED_CONTRACTS) {
      const address = deployment.contracts[name];
      const abi = governed[name] as typeof modelRegistryAbi;
      assert.equal(await client.readContract({ address, abi, functionName: "hasRole", args: [DEFAULT_ADMIN_ROLE, governance.timelock] }), true, `${name}: the timelock is admin`);
      assert.equal(await client.readContract({ address, abi, functionName: "hasRole", args: [DEFAULT_ADMIN_ROLE, deployer] }), false, `${name}: the deployer is not`);
    }
    const pauser = await client.readContract({ address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "PAUSER_ROLE" });
    assert.equal(await client.readContract({ address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "hasRole", args: [pauser, deployer] }), true);
    // The deployer's key cannot change a parameter at once any more.
    await assert.rejects(
      wallets[0]!.writeContract({ address: deployment.contracts.ValidatorStaking, abi: validatorStakingAbi, functionName: "setMinimumStake", args: [1n], chain: wallets[0]!.chain, account: wallets[0]!.account }),
      /AccessControlUnauthorizedAccount/,
    );
  });

  it("refuses periods that would let stake leave before its votes are final", async () => {
    const bad = { ...DEVELOPMENT_PARAMETERS, unbondingPeriod: 2n * 3_600n }; // = commit + reveal windows
    await assert.rejects(deployProtocol({ wallet: wallets[0]!, client, parameters: bad, write: false }), /Datanets failed|SettingOutOfBounds|reverted/);
  });
});

describe("a contribution's life on a real node", () => {
  const [owner, alice, v1, v2, v3, payer] = [1, 2, 3, 4, 5, 6];
  let datanetId = 0;
  const digest = keccak256(toBytes("a real file's sha2-256 digest"));

  it("creates and funds a Datanet", async () => {
    const w = wallets[owner]!;
    await mined(
      await w.writeContract({
        address: deployment.contracts.Datanets,
        abi: datanetsAbi,
        functionName: "createDatanet",
        args: [
          0,
          TEXT_FORMATS,
          keccak256(toBytes("metadata")),
          0,
          { maxFileSize: 0, dailyBytes: 0, dailyFiles: 0, deposit: 0n, reward: REWARD, validatorReward: VALIDATOR_REWARD },
          { commitWindow: 600, revealWindow: 600, quorum: 0n, thresholdBps: 0, minValidators: 0 },
        ],
      }),
    );
    datanetId = Number(await client.readContract({ address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "datanetCount" }));
    await mined(await w.writeContract({ address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "fund", args: [datanetId, parseEther("1000")] }));
    const view = await client.readContract({ address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "getDatanet", args: [datanetId] });
    assert.equal(view.pool, parseEther("1000"));
    assert.equal(view.limits.maxFileSize, 10 * 1024 * 1024);
    assert.equal(view.rules.thresholdBps, 6666);
  });

  it("refuses a submission over the daily quota with the numbers, and leaves no trace", async () => {
    const w = wallets[alice]!;
    const before = await client.readContract({ address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "getDatanet", args: [datanetId] });
    const files = Array.from({ length: 21 }, (_, i) => ({ digest: keccak256(toBytes(`quota ${i}`)), codec: 0, format: 0, size: 100 }));
    const refused = await revertOf(
      client.simulateContract({ account: w.account, address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "submitBatch", args: [datanetId, files, 0] }),
    );
    assert.equal(refused.name, "DailyQuotaExceeded");
    const [account, net, kind, used, requested, limit, resetsAt] = refused.args as [Address, number, number, bigint, bigint, bigint, bigint];
    assert.equal(account, w.account.address);
    assert.equal(net, datanetId);
    assert.equal(kind, 1); // ProtocolFiles
    assert.deepEqual([used, requested, limit], [0n, 21n, 20n]);
    const now = (await client.getBlock()).timestamp;
    assert.equal(resetsAt, (now / 86_400n + 1n) * 86_400n);
    const after = await client.readContract({ address: deployment.contracts.Datanets, abi: datanetsAbi, functionName: "getDatanet", args: [datanetId] });
    assert.equal(after.submissions, before.submissions);
    assert.equal(after.pool, before.pool);
  });

  it("goes from submission through commit–reveal to acceptance, rewards and a claim", async () => {
    const { Datanets, ValidatorStaking, OpenToken } = deployment.contracts;
    for (const v of [v1, v2, v3]) {
      await mined(await wallets[v]!.writeContract({ address: ValidatorStaking, abi: validatorStakingAbi, functionName: "stake", args: [parseEther("2000")] }));
    }
    await advance(Number(DEVELOPMENT_PARAMETERS.activationDelay));

    const submitted = await mined(
      await wallets[alice]!.writeContract({
        address: Datanets,
        abi: datanetsAbi,
        functionName: "submit",
        args: [datanetId, { digest, codec: 0, format: 4, size: 2048 }, 0],
      }),
    );
    const [event] = await client.getContractEvents({ address: Datanets, abi: datanetsAbi, eventName: "ContributionSubmitted", fromBlock: submitted.blockNumber, toBlock: submitted.blockNumber });
    const id = event!.args.contributionId!;
    assert.equal(id, await client.readContract({ address: Datanets, abi: datanetsAbi, functionName: "contributionIdOf", args: [datanetId, digest] }));

    const votes = { [v1]: 1n, [v2]: 1n, [v3]: 0n } as Record<number, bigint>;
    const salt = (v: number) => keccak256(toBytes(`salt ${v}`));
    for (const v of [v1, v2, v3]) {
      const sealed = await client.readContract({
        address: Datanets,
        abi: datanetsAbi,
        functionName: "sealVotes",
        args: [wallets[v]!.account.address, datanetId, idsHash(datanetId, [digest]), votes[v]!, salt(v)],
      });
      await mined(await wallets[v]!.writeContract({ address: Datanets, abi: datanetsAbi, functionName: "commit", args: [datanetId, [digest], sealed] }));
    }
    // Revealing early is refused with the window's bounds.
    const early = await revertOf(
      client.simulateContract({ account: wallets[v1]!.account, address: Datanets, abi: datanetsAbi, functionName: "reveal", args: [datanetId, [digest], 1n, salt(v1)] }),
    );
    assert.equal(early.name, "NotInRevealWindow");

    await advance(600);
    for (const v of [v1, v2, v3]) {
      await mined(await wallets[v]!.writeContract({ address: Datanets, abi: datanetsAbi, functionName: "reveal", args: [datanetId, [digest], votes[v]!, salt(v)] }));
    }
    await advance(600);
    const finalized = await mined(await wallets[payer]!.writeContract({ address: Datanets, abi: datanetsAbi, functionName: "finalize", args: [datanetId, [digest]] }));
    const [final] = await client.getContractEvents({ address: Datanets, abi: datanetsAbi, eventName: "ContributionFinalized", fromBlock: finalized.blockNumber, toBlock: finalized.blockNumber });
    assert.equal(final!.args.status, 2); // Accepted
    assert.equal(final!.args.reward, REWARD);
    assert.equal(final!.args.approveStake, parseEther("4000"));
    assert.equal(final!.args.rejectStake, parseEther("2000"));

    const [credits, acceptedCount, acceptedBytes] = await client.readContract({ address: Datanets, abi: datanetsAbi, functionName: "accountOf", args: [wallets[alice]!.account.address] });
    assert.deepEqual([credits, acceptedCount, acceptedBytes], [REWARD, 1n, 2048n]);

    await mined(await wallets[v1]!.writeContract({ address: Datanets, abi: datanetsAbi, functionName: "claimValidatorRewards", args: [datanetId, [digest]] }));
    const [v1Credits] = await client.readContract({ address: Datanets, abi: datanetsAbi, functionName: "accountOf", args: [wallets[v1]!.account.address] });
    assert.equal(v1Credits, VALIDATOR_REWARD / 2n);

    const balanceBefore = await client.readContract({ address: OpenToken, abi: openTokenAbi, functionName: "balanceOf", args: [wallets[alice]!.account.address] });
    await mined(await wallets[alice]!.writeContract({ address: Datanets, abi: datanetsAbi, functionName: "claim", args: [wallets[alice]!.account.address] }));
    const balanceAfter = await client.readContract({ address: OpenToken, abi: openTokenAbi, functionName: "balanceOf", args: [wallets[alice]!.account.address] });
    assert.equal(balanceAfter - balanceBefore, REWARD);

    const again = await revertOf(
      client.simulateContract({ account: wallets[alice]!.account, address: Datanets, abi: datanetsAbi, functionName: "claim", args: [wallets[alice]!.account.address] }),
    );
    assert.deepEqual(again, { name: "NothingToClaim", args: [wallets[alice]!.account.address] });
  });
});
