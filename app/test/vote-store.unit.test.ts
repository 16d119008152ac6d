// The browser's vote secrets: the CLI's file format both ways, never deleted, never replaced by a
// file with another salt, and a file whose commitment does not match its contents is refused.
import "fake-indexeddb/auto";
import { commitmentKeyOf, randomSalt } from "@openledger/sdk";
import { getAddress, type Hex } from "viem";
import { describe, expect, it } from "vitest";
import { createIndexedDbVoteStore, mergeImported, parseVoteFile, voteFileName, voteFileText, VoteFileError, type StoredVotes } from "../src/lib/vote-store.ts";

const validator = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const digests: Hex[] = [`0x${"11".repeat(32)}`, `0x${"22".repeat(32)}`];

function record(overrides: Partial<StoredVotes> = {}): StoredVotes {
  const base = {
    chainId: 31337,
    datanets: getAddress("0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0"),
    validator,
    datanetId: 1,
    digests,
    approvals: [true, false],
    salt: randomSalt(),
    weight: "0",
    state: "sending" as const,
    ...overrides,
  };
  return { ...base, commitment: overrides.commitment ?? commitmentKeyOf(base.validator, base.datanetId, base.digests) };
}

describe("vote files", () => {
  it("writes the CLI's layout (2-space JSON and a newline, named by commitment) and reads it back", () => {
    const votes = record({ state: "committed", committedAt: "2026-12-01T00:00:00.000Z", weight: "2000000000000000000000" });
    const text = voteFileText(votes);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('\n  "commitment": ');
    expect(voteFileName(votes)).toBe(`${votes.commitment}.json`);
    expect(parseVoteFile(text)).toEqual(votes);
  });

  it("refuses a file whose commitment is not the one its validator, Datanet and contributions give", () => {
    const honest = record();
    const swapped = { ...honest, digests: [...honest.digests].reverse() };
    expect(() => parseVoteFile(JSON.stringify(swapped), "tampered.json")).toThrow(/tampered\.json names commitment .* but .* give/);
    const otherValidator = { ...honest, validator: getAddress("0x70997970c51812dc3a010c7d01b50e0d17dc79c8") };
    expect(() => parseVoteFile(JSON.stringify(otherValidator))).toThrow(VoteFileError);
  });

  it("refuses files that are not vote files, naming what is wrong", () => {
    expect(() => parseVoteFile("{", "a.json")).toThrow(/a\.json is not JSON/);
    expect(() => parseVoteFile(JSON.stringify({ ...record(), salt: "0x12" }))).toThrow(/salt is not a 32-byte/);
    expect(() => parseVoteFile(JSON.stringify({ ...record(), approvals: [true] }))).toThrow(/approvals must be 2 true\/false values/);
    expect(() => parseVoteFile(JSON.stringify({ ...record(), state: "lost" }))).toThrow(/state "lost"/);
  });
});

describe("the IndexedDB store", () => {
  it("keeps every record, per chain, and has no way to delete one", async () => {
    const store = createIndexedDbVoteStore(`votes-${Math.random()}`);
    const a = record();
    await store.save(a);
    await store.save(record({ chainId: 1 }));
    expect(await store.get(31337, a.commitment.toUpperCase().replace("0X", "0x"))).toEqual(a);
    expect((await store.all({ chainId: 31337 })).map((v) => v.commitment)).toEqual([a.commitment]);
    expect(await store.all()).toHaveLength(2);
    expect("delete" in store).toBe(false);
  });

  it("an import never replaces a stored salt; a later state of the same votes is taken", async () => {
    const store = createIndexedDbVoteStore(`votes-${Math.random()}`);
    const mine = record();
    await store.save(mine);
    const forged = { ...mine, salt: randomSalt(), state: "revealed" as const };
    expect(await store.import(forged)).toBe("conflict");
    expect((await store.get(31337, mine.commitment))?.salt).toBe(mine.salt);
    expect(await store.import({ ...mine, state: "revealed", revealedAt: "2026-12-02T00:00:00.000Z" })).toBe("updated");
    expect((await store.get(31337, mine.commitment))?.state).toBe("revealed");
    expect(await store.import({ ...mine, state: "committed" })).toBe("unchanged");
    expect((await store.get(31337, mine.commitment))?.state).toBe("revealed");
  });

  it("merge rules: add new, refuse other approvals", () => {
    const mine = record();
    expect(mergeImported(undefined, mine).result).toBe("added");
    expect(mergeImported(mine, { ...mine, approvals: [false, false] }).result).toBe("conflict");
  });
});
