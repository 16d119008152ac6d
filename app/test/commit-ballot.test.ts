// The salt is saved before the commit is sent, and never lost: a commit that fails (a rejected
// signature, a revert) leaves the record in place, and a retry reuses its salt.
import "fake-indexeddb/auto";
import { getAddress, type Hex } from "viem";
import { beforeEach, describe, expect, it, vi } from "vitest";

const events: string[] = [];
const chain = { commitments: new Map<string, string>() };

vi.mock("@openledger/sdk", async (importOriginal) => {
  const real = await importOriginal<typeof import("@openledger/sdk")>();
  return {
    ...real,
    // The chain's answers, as the SDK would read them.
    getContribution: vi.fn(async (_client: unknown, args: { digest: Hex }) => ({ sequence: args.digest.endsWith("11") ? 2 : 1 })),
    getCommitment: vi.fn(async (_client: unknown, args: { commitment: Hex }) => ({ state: chain.commitments.get(args.commitment) ?? "none", weight: 5n })),
    commitVotes: vi.fn(),
  };
});

const sdk = await import("@openledger/sdk");
const { commitBallot } = await import("../src/hooks/votes.ts");
const { createIndexedDbVoteStore } = await import("../src/lib/vote-store.ts");

const account = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const wallet = { account: { address: account } } as never;
const protocol = {
  config: { chainId: 31337 },
  contracts: { Datanets: getAddress("0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0") },
} as never;
const A = `0x${"11".repeat(32)}` as Hex;
const B = `0x${"22".repeat(32)}` as Hex;

describe("committing a ballot", () => {
  beforeEach(() => {
    events.length = 0;
    chain.commitments.clear();
  });

  it("writes votes and salt to the store, in the chain's submission order, before the commit is sent", async () => {
    const store = createIndexedDbVoteStore(`votes-${Math.random()}`);
    const save = store.save;
    store.save = async (v) => {
      await save(v);
      events.push(`saved ${v.state}`);
    };
    vi.mocked(sdk.commitVotes).mockImplementation(async (_w, args) => {
      events.push("sent");
      expect((await store.all())[0]?.salt).toBe(args.salt);
      return { hash: "0x01", receipt: {} as never, result: { weight: "2000" } as never };
    });
    const record = await commitBallot({ datanetId: 1, votes: [{ digest: A, approve: true }, { digest: B, approve: false }] }, { ...(protocol as object), votes: store } as never, wallet, store);
    expect(events).toEqual(["saved sending", "sent", "saved committed"]);
    expect(record.digests).toEqual([B, A]);
    expect(record.approvals).toEqual([false, true]);
    expect(record.commitment).toBe(sdk.commitmentKeyOf(account, 1, [B, A]));
    expect((await store.get(31337, record.commitment))?.state).toBe("committed");
  });

  it("keeps the record when the commit fails, and a retry reuses the same salt", async () => {
    const store = createIndexedDbVoteStore(`votes-${Math.random()}`);
    vi.mocked(sdk.commitVotes).mockRejectedValueOnce(Object.assign(new Error("User rejected the request."), { code: 4001 }));
    const ballot = { datanetId: 1, votes: [{ digest: A, approve: true }] };
    await expect(commitBallot(ballot, protocol, wallet, store)).rejects.toThrow(/rejected/);
    const [kept] = await store.all();
    expect(kept?.state).toBe("sending");
    let secondSalt: Hex | undefined;
    vi.mocked(sdk.commitVotes).mockImplementationOnce(async (_w, args) => {
      secondSalt = args.salt;
      return { hash: "0x02", receipt: {} as never, result: { weight: "2000" } as never };
    });
    await commitBallot(ballot, protocol, wallet, store);
    expect(secondSalt).toBe(kept!.salt);
  });

  it("never overwrites the record of a commit that landed", async () => {
    const store = createIndexedDbVoteStore(`votes-${Math.random()}`);
    const ballot = { datanetId: 1, votes: [{ digest: A, approve: true }] };
    vi.mocked(sdk.commitVotes).mockRejectedValueOnce(new Error("the receipt never came"));
    await expect(commitBallot(ballot, protocol, wallet, store)).rejects.toThrow();
    const [kept] = await store.all();
    // It did land after all:
    chain.commitments.set(kept!.commitment, "committed");
    await expect(commitBallot({ datanetId: 1, votes: [{ digest: A, approve: false }] }, protocol, wallet, store)).rejects.toThrow(/already committed/);
    const [after] = await store.all();
    expect(after).toMatchObject({ salt: kept!.salt, approvals: [true], state: "committed" });
  });
});
