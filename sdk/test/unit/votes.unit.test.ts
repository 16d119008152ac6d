// Vote files and vote stores, without a chain: the file format proves itself, an import never
// replaces a stored salt, the file store writes whole files with private permissions, and no store
// can delete a record.
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getAddress, type Hex } from "viem";
import { commitmentKeyOf, createMemoryVoteStore, mergeImported, parseVoteFile, voteFileText, VoteFileError, type StoredVotes } from "@openledger/sdk";
import { createFileVoteStore } from "@openledger/sdk/node";

const validator = getAddress("0x90f79bf6eb2c4f870365e785982e1f101e93b906");
const A = `0x${"11".repeat(32)}` as Hex;
const B = `0x${"22".repeat(32)}` as Hex;

function record(overrides: Partial<StoredVotes> = {}): StoredVotes {
  const digests = overrides.digests ?? [A, B];
  return {
    commitment: commitmentKeyOf(overrides.validator ?? validator, overrides.datanetId ?? 1, digests),
    chainId: 31337,
    datanets: getAddress("0x9fe46736679d2d9a65f0992f2272de9f3c7fa6e0"),
    validator,
    datanetId: 1,
    digests,
    approvals: [true, false],
    salt: `0x${"ab".repeat(32)}`,
    weight: "2000",
    state: "committed",
    committedAt: "2026-12-01T00:00:00.000Z",
    ...overrides,
  };
}

describe("vote files", () => {
  it("round-trips, and refuses a file whose commitment does not match its contents", () => {
    const votes = record();
    expect(parseVoteFile(voteFileText(votes))).toEqual(votes);
    const swapped = { ...votes, digests: [B, A] };
    expect(() => parseVoteFile(JSON.stringify(swapped), "tampered.json")).toThrow(/tampered\.json names commitment .* but .* give/);
    expect(() => parseVoteFile("[]", "a.json")).toThrow(VoteFileError);
    expect(() => parseVoteFile(JSON.stringify({ ...votes, salt: "0x12" }))).toThrow(/salt is not a 32-byte/);
    expect(() => parseVoteFile(JSON.stringify({ ...votes, approvals: [true] }))).toThrow(/approvals must be 2 true\/false values/);
    expect(() => parseVoteFile(JSON.stringify({ ...votes, state: "lost" }))).toThrow(/state "lost" is not one of/);
  });

  it("never lets an import replace a stored salt or votes", () => {
    const mine = record();
    expect(mergeImported(undefined, mine).result).toBe("added");
    expect(mergeImported(mine, { ...mine, salt: `0x${"cd".repeat(32)}` }).result).toBe("conflict");
    expect(mergeImported(mine, { ...mine, approvals: [false, false] }).result).toBe("conflict");
    expect(mergeImported(mine, { ...mine, state: "revealed" })).toEqual({ result: "updated", record: { ...mine, state: "revealed" } });
    expect(mergeImported({ ...mine, state: "revealed" }, mine).result).toBe("unchanged");
  });
});

describe("vote stores", () => {
  for (const [name, make] of [
    ["memory", () => createMemoryVoteStore()],
    ["files", () => createFileVoteStore(path.join(mkdtempSync(path.join(os.tmpdir(), "votes-")), "votes"))],
  ] as const) {
    it(`${name}: filters by chain, deployment, validator and Datanet, and has no way to delete`, async () => {
      const store = make();
      const a = record();
      const b = record({ datanetId: 2, commitment: commitmentKeyOf(validator, 2, [A, B]), committedAt: "2026-12-02T00:00:00.000Z" });
      const c = record({ chainId: 1 });
      for (const v of [b, a, c]) await store.save(v);
      const every = await store.all();
      expect(every).toHaveLength(3);
      expect(every.at(-1)).toEqual(b); // oldest commit first
      expect((await store.all({ chainId: 31337 })).map((v) => v.datanetId)).toEqual([1, 2]);
      expect(await store.all({ chainId: 31337, datanets: "0x000000000000000000000000000000000000dead" })).toEqual([]);
      expect((await store.all({ chainId: 31337, datanetId: 2 })).map((v) => v.commitment)).toEqual([b.commitment]);
      expect(await store.get(31337, a.commitment.toUpperCase().replace("0X", "0x"))).toEqual(a);
      expect(await store.import({ ...a, salt: `0x${"cd".repeat(32)}` })).toBe("conflict");
      expect((await store.get(31337, a.commitment))?.salt).toBe(a.salt);
      expect(Object.keys(store).filter((k) => /delete|remove|clear/i.test(k))).toEqual([]);
    });
  }

  it("files: one whole file per commitment, private, nothing half-written left behind", async () => {
    const dir = path.join(mkdtempSync(path.join(os.tmpdir(), "votes-")), "votes");
    const store = createFileVoteStore(dir);
    const votes = record();
    await store.save({ ...votes, state: "sending" });
    await store.save(votes);
    const folder = path.join(dir, "31337");
    expect(readdirSync(folder)).toEqual([`${votes.commitment}.json`]);
    const file = path.join(folder, `${votes.commitment}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(folder).mode & 0o777).toBe(0o700);
    expect(parseVoteFile(readFileSync(file, "utf8"))).toEqual(votes);
    // A file edited by hand into something else is refused when read, not silently used.
    writeFileSync(file, JSON.stringify({ ...votes, digests: [B, A] }));
    await expect(store.all()).rejects.toThrow(/names commitment/);
  });
});
