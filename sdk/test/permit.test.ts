// Deposits paid with a signed EIP-2612 permit on a real Hardhat node and IPFS node: the allowance
// goes in the same transaction as the submission or funding (`multicall([permitDeposit, …])`), so
// a contributor sends one transaction where an approval took two, and no standing allowance is left.
// The old way stays available (`approveBy: "transaction"`), and a permit that does not cover the
// call is refused by the chain with its numbers.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWalletClient, custom, encodeErrorResult, http, parseEther, RpcRequestError, toFunctionSelector, zeroHash, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { datanetsAbi } from "@openledger/protocol";
import {
  bytesSource,
  computeCid,
  contribute,
  fundDatanet,
  getAllowance,
  openLedgerActions,
  permitDomainOf,
  ProtocolError,
  signPermit,
  toOnchainCid,
  Format,
  type ContributeStage,
  type FileRef,
} from "../src/index.ts";
import { datanetsCallsOf, startTestStack, type TestStack } from "@openledger/testkit";

const DEPOSIT = parseEther("2");
let stack: TestStack;
let datanetId: number;

beforeAll(async () => {
  stack = await startTestStack();
  datanetId = await stack.textDatanet({ name: "permits", deposit: DEPOSIT });
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

async function fileRef(text: string): Promise<FileRef> {
  const bytes = new TextEncoder().encode(text);
  const { digest, codec } = toOnchainCid(await computeCid(bytes));
  return { digest, codec, format: Format.Txt, size: bytes.length };
}

const nonceOf = (index: number) => stack.client.getTransactionCount({ address: stack.wallet(index).account.address });

/** The Datanets functions a transaction called, a multicall unwrapped. */
async function callsOf(hash: Hex): Promise<string[]> {
  return datanetsCallsOf((await stack.client.getTransaction({ hash })).input).map((c) => c.functionName);
}

describe("deposits paid with a permit", () => {
  it("knows the token takes permits", async () => {
    const domain = await permitDomainOf(stack.client, { contracts: stack.contracts });
    expect(domain).toMatchObject({ name: "OpenLedger", version: "1", chainId: BigInt(stack.deployment.chainId), verifyingContract: stack.contracts.OpenToken });
  });

  it("funds a pool in one transaction, leaving no allowance", async () => {
    const owner = stack.wallet(1).extend(openLedgerActions(stack.contracts));
    const before = await nonceOf(1);
    const sent = await owner.fundDatanet({ datanetId, amount: parseEther("500") });
    expect(await nonceOf(1)).toBe(before + 1);
    expect(await callsOf(sent.hash)).toEqual(["permitDeposit", "fund"]);
    expect(sent.result.pool).toBe(parseEther("500"));
    expect(await owner.getAllowance({ owner: owner.account.address, spender: stack.contracts.Datanets })).toBe(0n);
  });

  it("submits with its deposit in one transaction", async () => {
    const alice = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    const before = { nonce: await nonceOf(2), balance: await alice.getOpenBalance({ account: alice.account.address }) };
    const files = [await fileRef("permit one"), await fileRef("permit two")];
    const sent = await alice.submitFiles({ datanetId, files });
    expect(await nonceOf(2)).toBe(before.nonce + 1);
    expect(await callsOf(sent.hash)).toEqual(["permitDeposit", "submitBatch"]);
    expect(sent.result.contributionIds).toHaveLength(2);
    expect(before.balance - (await alice.getOpenBalance({ account: alice.account.address }))).toBe(2n * DEPOSIT);
    expect(await alice.getAllowance({ owner: alice.account.address, spender: stack.contracts.Datanets })).toBe(0n);
  });

  it("still approves with a transaction when asked to", async () => {
    const bob = stack.wallet(3).extend(openLedgerActions(stack.contracts));
    const before = await nonceOf(3);
    const sent = await bob.submitFiles({ datanetId, files: [await fileRef("approved the old way")], approveBy: "transaction" });
    expect(await nonceOf(3)).toBe(before + 2);
    expect(await callsOf(sent.hash)).toEqual(["submit"]);
  });

  it("signs nothing when the allowance already covers the deposit", async () => {
    const bob = stack.wallet(3).extend(openLedgerActions(stack.contracts));
    await bob.ensureAllowance({ spender: stack.contracts.Datanets, amount: DEPOSIT });
    const sent = await bob.submitFiles({ datanetId, files: [await fileRef("already allowed")] });
    expect(await callsOf(sent.hash)).toEqual(["submit"]);
  });

  it("contribute asks for the permit once, after the upload and before the submission", async () => {
    const carol = stack.wallet(4).extend(openLedgerActions(stack.contracts));
    const stages: ContributeStage[] = [];
    const before = await nonceOf(4);
    const result = await carol.contribute({
      ipfs: stack.ipfs,
      datanetId,
      files: [bytesSource("a.txt", new TextEncoder().encode("contributed with a permit"))],
      onProgress: (p) => void (stages.at(-1) === p.stage || stages.push(p.stage)),
    });
    expect(stages).toEqual(["checked", "uploading", "uploaded", "approving", "submitting", "submitted"]);
    expect(result.transactions).toHaveLength(1);
    expect(await nonceOf(4)).toBe(before + 1);
    expect(await callsOf(result.transactions[0]!)).toEqual(["permitDeposit", "submit"]);
  });

  it("a protected contribution signs its permit once, even when the chain first refuses the submission as too recent", async () => {
    const key = privateKeyToAccount(stack.key(5));
    let signatures = 0;
    const account: typeof key = { ...key, signTypedData: ((typed) => (signatures++, key.signTypedData(typed))) as typeof key.signTypedData };
    // The node answers the first simulation of the committed submission with the chain's
    // "same second as the commitment" refusal, so `contribute` waits and sends again.
    const node = http(stack.chain.rpcUrl)({ chain: hardhat });
    const multicall = toFunctionSelector("multicall(bytes[])");
    let refusals = 0;
    const transport = custom({
      async request({ method, params }) {
        const call = (params as [{ data?: Hex }] | undefined)?.[0];
        if (method === "eth_call" && refusals === 0 && call?.data?.startsWith(multicall)) {
          refusals++;
          const data = encodeErrorResult({ abi: datanetsAbi, errorName: "SubmissionCommitmentTooRecent", args: [zeroHash, 1n, 1n] });
          throw new RpcRequestError({ body: { method, params }, error: { code: 3, message: "execution reverted", data }, url: stack.chain.rpcUrl });
        }
        return node.request({ method, params } as never);
      },
    });
    const dave = createWalletClient({ account, chain: hardhat, transport });
    const result = await contribute(dave, {
      contracts: stack.contracts,
      ipfs: stack.ipfs,
      datanetId,
      protect: true,
      files: [bytesSource("b.txt", new TextEncoder().encode("protected and permitted"))],
    });
    expect(refusals).toBe(1);
    expect(result.protected).toBe(true);
    expect(signatures).toBe(1);
    expect(await callsOf(result.transactions.at(-1)!)).toEqual(["permitDeposit", "submitCommitted"]);
  });

  it("two payments started at once by one account both go in: the one whose permit nonce was taken first is signed again", async () => {
    // Both permits are signed before either is sent, so both carry the same nonce; the token takes
    // the first and would refuse the second (PermitRefused), but the SDK sends one at a time and
    // has the second signed again with the next nonce.
    const key = privateKeyToAccount(stack.key(9));
    const signed: bigint[] = [];
    const account: typeof key = {
      ...key,
      signTypedData: ((typed) => (signed.push((typed as unknown as { message: { nonce: bigint } }).message.nonce), key.signTypedData(typed))) as typeof key.signTypedData,
    };
    const frank = createWalletClient({ account, chain: hardhat, transport: http(stack.chain.rpcUrl) });
    const other = await stack.textDatanet({ name: "permits, second pool" });
    const before = await nonceOf(9);
    const [a, b] = await Promise.all([
      fundDatanet(frank, { contracts: stack.contracts, datanetId, amount: parseEther("4") }),
      fundDatanet(frank, { contracts: stack.contracts, datanetId: other, amount: parseEther("5") }),
    ]);
    expect(await callsOf(a.hash)).toEqual(["permitDeposit", "fund"]);
    expect(await callsOf(b.hash)).toEqual(["permitDeposit", "fund"]);
    expect(await nonceOf(9)).toBe(before + 2);
    // Two signatures with the first nonce (side by side), then one with the next.
    expect(signed).toHaveLength(3);
    expect(signed[0]).toBe(signed[1]);
    expect(signed[2]).toBe(signed[0]! + 1n);
    expect(await getAllowance(frank, { contracts: stack.contracts, owner: key.address, spender: stack.contracts.Datanets })).toBe(0n);
  });

  it("approves with a transaction when the wallet cannot sign typed data", async () => {
    // A JSON-RPC account whose wallet answers "method not found" for eth_signTypedData_v4.
    const node = http(stack.chain.rpcUrl)({ chain: hardhat });
    const legacy = createWalletClient({
      account: stack.wallet(7).account.address,
      chain: hardhat,
      transport: custom({
        async request({ method, params }) {
          if (method === "eth_signTypedData_v4") throw Object.assign(new Error("the method eth_signTypedData_v4 does not exist"), { code: -32601 });
          return node.request({ method, params } as never);
        },
      }),
    });
    const before = await nonceOf(7);
    const sent = await fundDatanet(legacy, { contracts: stack.contracts, datanetId, amount: parseEther("3") });
    expect(await nonceOf(7)).toBe(before + 2);
    expect(await callsOf(sent.hash)).toEqual(["fund"]);
    // A person who refuses the signature is not asked for a transaction instead.
    const refusing = createWalletClient({
      account: stack.wallet(8).account.address,
      chain: hardhat,
      transport: custom({
        async request({ method, params }) {
          if (method === "eth_signTypedData_v4") throw Object.assign(new Error("User rejected the request."), { code: 4001 });
          return node.request({ method, params } as never);
        },
      }),
    });
    const nonce8 = await nonceOf(8);
    await expect(fundDatanet(refusing, { contracts: stack.contracts, datanetId, amount: parseEther("3") })).rejects.toThrow(/rejected/i);
    expect(await nonceOf(8)).toBe(nonce8);
  });

  it("refuses an expired permit, naming its deadline, and sends nothing", async () => {
    const erin = stack.wallet(6).extend(openLedgerActions(stack.contracts));
    const now = BigInt(await stack.now());
    const permit = await signPermit(erin, { contracts: stack.contracts, spender: stack.contracts.Datanets, value: DEPOSIT, deadline: now - 1n });
    const before = await nonceOf(6);
    const refused = erin.submitFiles({ datanetId, files: [await fileRef("too late")], permit });
    await expect(refused).rejects.toBeInstanceOf(ProtocolError);
    await expect(refused).rejects.toMatchObject({ errorName: "PermitRefused" });
    await expect(refused).rejects.toThrow(/expired at/);
    expect(await nonceOf(6)).toBe(before);
  });

  it("refuses another account's permit: it approves nothing for the sender", async () => {
    const erin = stack.wallet(6).extend(openLedgerActions(stack.contracts));
    const alice = stack.wallet(2).extend(openLedgerActions(stack.contracts));
    const stolen = await signPermit(alice, { contracts: stack.contracts, spender: stack.contracts.Datanets, value: DEPOSIT });
    const refused = erin.submitFiles({ datanetId, files: [await fileRef("someone else's permit")], permit: stolen });
    await expect(refused).rejects.toMatchObject({ errorName: "PermitRefused", args: [erin.account.address, DEPOSIT, 0n, stolen.deadline, expect.any(BigInt)] });
    await expect(refused).rejects.toThrow(/does not approve 2 OPEN/);
  });
});
