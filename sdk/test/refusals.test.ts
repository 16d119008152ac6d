// Every refusal before upload, with the chain and IPFS checked to be untouched; quotas across a
// UTC day boundary; verification refusing tampered bytes; typed protocol errors with their numbers.
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseEther } from "viem";
import {
  checkFiles,
  computeCid,
  contribute,
  ContentVerificationError,
  createDatanet,
  createIpfsClient,
  fundDatanet,
  getDatanet,
  getQuota,
  FilesRejectedError,
  Format,
  Modality,
  MODALITY_FORMATS,
  QuotaExceededError,
  setDatanetPaused,
  submitFiles,
  toOnchainCid,
  ProtocolError,
  bytesSource,
  type ByteSource,
} from "../src/index.ts";
import { fileSource } from "../src/node.ts";
import { png, sampleFile, txt, wav } from "../src/samples.ts";
import { startTestStack, type TestStack } from "@openledger/testkit";

let stack: TestStack;
let textDatanet: number;
let audioDatanet: number;

beforeAll(async () => {
  stack = await startTestStack();
  const owner = stack.wallet(1);
  const metadata = await stack.ipfs.add(new TextEncoder().encode('{"name":"refusals"}'));
  textDatanet = (await createDatanet(owner, { contracts: stack.contracts, modality: Modality.Text, formats: [Format.Txt, Format.Md, Format.Jsonl, Format.Csv], metadata })).result
    .datanetId;
  audioDatanet = (await createDatanet(owner, { contracts: stack.contracts, modality: Modality.Audio, formats: MODALITY_FORMATS[Modality.Audio], metadata })).result.datanetId;
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

type TestFile = ByteSource & { bytes: Uint8Array };

/** A file in memory as the SDK takes it, its bytes kept for the assertions. */
function file(name: string, bytes: Uint8Array): TestFile {
  return Object.assign(bytesSource(name, bytes), { bytes });
}

/** What a refusal must leave untouched: submissions, today's quota use, and the IPFS node's content. */
async function snapshot(datanetId: number, files: TestFile[]) {
  const contributor = stack.wallet(2).account.address;
  const d = await getDatanet(stack.client, { contracts: stack.contracts, datanetId });
  const q = await getQuota(stack.client, { contracts: stack.contracts, account: contributor, datanetId });
  const held = await Promise.all(files.filter((f) => f.bytes.length > 0).map(async (f) => stack.ipfs.has(await computeCid(f.bytes))));
  return { submissions: d.submissions, pool: d.pool, used: [q.protocolFilesUsed, q.protocolBytesUsed, q.datanetFilesUsed, q.datanetBytesUsed], held };
}

async function expectRefused(datanetId: number, file: TestFile, rule: string, message: RegExp) {
  const before = await snapshot(datanetId, [file]);
  const error = await contribute(stack.wallet(2), { contracts: stack.contracts, ipfs: stack.ipfs, datanetId, files: [file] }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FilesRejectedError);
  const [rejection] = (error as FilesRejectedError).rejections;
  expect(rejection?.rule).toBe(rule);
  expect(rejection?.shortMessage).toMatch(message);
  expect(rejection?.shortMessage).toContain(file.name);
  const after = await snapshot(datanetId, [file]);
  expect(after).toEqual(before);
  expect(after.held.every((h) => h === false)).toBe(true);
}

describe("file checks before anything is uploaded or sent", () => {
  it("refuses a PNG renamed .txt", async () => {
    await expectRefused(textDatanet, file("photo.txt", png(7)), "format-mismatch", /PNG file, not txt/);
  });

  it("refuses a PNG offered to a text Datanet even without a claimed format", async () => {
    await expectRefused(textDatanet, file("photo", png(8)), "format-not-allowed", /accepts txt, md, jsonl, csv; this file is png/);
  });

  it("refuses an empty file", async () => {
    await expectRefused(textDatanet, file("empty.txt", new Uint8Array()), "empty", /0 bytes/);
  });

  it("refuses an 11 MB file with the cap in the message", async () => {
    const big = new Uint8Array(11 * 1024 * 1024).fill(0x61);
    await expectRefused(textDatanet, file("big.txt", big), "too-large", /11534336 bytes; Datanet \d+ takes at most 10485760 bytes/);
  });

  it("refuses a 3 GiB file on disk from its size, without reading a byte", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "refusals-"));
    const huge = path.join(dir, "huge.txt");
    writeFileSync(huge, "");
    truncateSync(huge, 3 * 1024 ** 3);
    const source = fileSource(huge);
    let reads = 0;
    const counted = { ...source, read: (offset: number, length: number) => (reads++, source.read(offset, length)) };
    const started = performance.now();
    const report = await checkFiles(stack.client, { contracts: stack.contracts, datanetId: textDatanet, account: stack.wallet(2).account.address, files: [counted] });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(reads).toBe(0);
    expect(report.rejected.map((r) => [r.rule, r.numbers])).toEqual([["too-large", { size: 3 * 1024 ** 3, maxFileSize: 10485760 }]]);
    expect(report.rejected[0]!.reason).toMatch(/3221225472 bytes; Datanet \d+ takes at most 10485760 bytes/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses invalid UTF-8 offered as text", async () => {
    await expectRefused(textDatanet, file("latin1.txt", new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a])), "invalid-utf8", /not valid UTF-8/);
  });

  it("refuses a truncated WAV", async () => {
    const w = wav(3);
    await expectRefused(audioDatanet, file("cut.wav", w.subarray(0, w.length - 500)), "truncated", /WAV header declares \d+ bytes but the file has \d+/);
  });

  it("refuses jsonl with a line that is not a JSON object, and csv whose rows do not match the header", async () => {
    await expectRefused(textDatanet, file("rows.jsonl", new TextEncoder().encode('{"a":1}\n[1,2]\n')), "invalid-jsonl", /line 2 is JSON but not an object/);
    await expectRefused(textDatanet, file("table.csv", new TextEncoder().encode("q,a\n1,2,3\n")), "invalid-csv", /row 2 has 3 fields; the header has 2/);
  });

  it("refuses the whole batch when one file is bad, unless asked to skip it", async () => {
    const good = file("good.txt", txt(501));
    const bad = file("bad.txt", new Uint8Array());
    const before = await snapshot(textDatanet, [good]);
    await expect(contribute(stack.wallet(2), { contracts: stack.contracts, ipfs: stack.ipfs, datanetId: textDatanet, files: [good, bad] })).rejects.toBeInstanceOf(
      FilesRejectedError,
    );
    expect(await snapshot(textDatanet, [good])).toEqual(before);
    const result = await contribute(stack.wallet(2), { contracts: stack.contracts, ipfs: stack.ipfs, datanetId: textDatanet, files: [good, bad], skipRefused: true });
    expect(result.outcomes.map((o) => [o.name, o.status])).toEqual([
      ["good.txt", "submitted"],
      ["bad.txt", "refused"],
    ]);
    expect(await stack.ipfs.has(result.outcomes[0]!.cid!)).toBe(true);
  });

  it("refuses content already in the Datanet, and a duplicate inside one batch", async () => {
    const again = await checkFiles(stack.client, {
      contracts: stack.contracts,
      datanetId: textDatanet,
      account: stack.wallet(2).account.address,
      files: [file("good-again.txt", txt(501)), file("new.txt", txt(502)), file("new-copy.txt", txt(502))],
    });
    expect(again.rejected.map((r) => [r.file, r.rule])).toEqual([
      ["good-again.txt", "already-submitted"],
      ["new-copy.txt", "duplicate-in-batch"],
    ]);
  });

  it("refuses submissions to a paused Datanet with the rule named, leaving no trace", async () => {
    await setDatanetPaused(stack.wallet(1), { contracts: stack.contracts, datanetId: audioDatanet, paused: true });
    const tone = file("tone.wav", wav(9));
    const before = await snapshot(audioDatanet, [tone]);
    await expect(contribute(stack.wallet(2), { contracts: stack.contracts, ipfs: stack.ipfs, datanetId: audioDatanet, files: [tone] })).rejects.toMatchObject({
      errorName: "DatanetPaused",
      shortMessage: expect.stringMatching(/paused by its owner/),
    });
    expect(await snapshot(audioDatanet, [tone])).toEqual(before);
    await setDatanetPaused(stack.wallet(1), { contracts: stack.contracts, datanetId: audioDatanet, paused: false });
  });

  it("refuses a submission the pool cannot cover, before upload", async () => {
    const owner = stack.wallet(1);
    const metadata = await stack.ipfs.add(new TextEncoder().encode('{"name":"paid"}'));
    const paid = (
      await createDatanet(owner, { contracts: stack.contracts, modality: Modality.Text, formats: [Format.Txt], metadata, limits: { reward: parseEther("5") } })
    ).result.datanetId;
    await fundDatanet(owner, { contracts: stack.contracts, datanetId: paid, amount: parseEther("7") });
    const files = [file("a.txt", txt(601)), file("b.txt", txt(602))];
    const before = await snapshot(paid, files);
    await expect(contribute(stack.wallet(2), { contracts: stack.contracts, ipfs: stack.ipfs, datanetId: paid, files })).rejects.toMatchObject({
      errorName: "InsufficientPool",
      shortMessage: expect.stringMatching(/has 7 OPEN but the rewards of this submission come to 10 OPEN/),
    });
    expect(await snapshot(paid, files)).toEqual(before);
  });
});

describe("daily quotas across a UTC day boundary", () => {
  it("refuses the 21st file of a UTC day and takes it again after midnight", async () => {
    const contributor = stack.wallet(5);
    const account = contributor.account.address;
    // Start just after a UTC midnight so the day does not end mid-test.
    const now = await stack.now();
    await stack.setTime(Math.floor(now / 86_400 + 1) * 86_400 + 60);
    const files = Array.from({ length: 20 }, (_, i) => file(`day1-${i}.txt`, txt(1_000 + i)));
    await contribute(contributor, { contracts: stack.contracts, ipfs: stack.ipfs, datanetId: textDatanet, files });
    const quota = await getQuota(stack.client, { contracts: stack.contracts, account, datanetId: textDatanet });
    expect(quota.filesLeft).toBe(0);

    // The SDK's check names the quota and when it resets; nothing is uploaded.
    const extra = file("day1-20.txt", txt(1_020));
    const report = await checkFiles(stack.client, { contracts: stack.contracts, datanetId: textDatanet, account, files: [extra] });
    expect(report.rejected[0]?.rule).toBe("quota-files");
    expect(report.rejected[0]?.reason).toContain(quota.resetsAt.toISOString());
    expect(await stack.ipfs.has(await computeCid(extra.bytes))).toBe(false);

    // The contract refuses it too, and the SDK decodes the numbers.
    const { digest, codec } = toOnchainCid(await computeCid(extra.bytes));
    const error = await submitFiles(contributor, { contracts: stack.contracts, datanetId: textDatanet, files: [{ digest, codec, format: Format.Txt, size: extra.bytes.length }] }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(QuotaExceededError);
    const q = error as QuotaExceededError;
    expect([q.kind, q.used, q.requested, q.limit]).toEqual(["protocolFiles", 20n, 1n, 20n]);
    expect(q.resetsAt.getTime()).toBe(quota.resetsAt.getTime());
    expect(q.shortMessage).toMatch(/used 20, requested 1, limit 20; resets at/);

    // After the UTC midnight the quota is whole again.
    await stack.setTime(quota.resetsAt.getTime() / 1000);
    const fresh = await getQuota(stack.client, { contracts: stack.contracts, account, datanetId: textDatanet });
    expect(fresh.filesLeft).toBe(20);
    const result = await contribute(contributor, { contracts: stack.contracts, ipfs: stack.ipfs, datanetId: textDatanet, files: [extra] });
    expect(result.outcomes[0]?.status).toBe("submitted");
    expect(result.quota.filesLeft).toBe(19);
  });
});

describe("content verification", () => {
  let server: Server;
  let url: string;
  beforeAll(async () => {
    // A node that answers every cat with other bytes than asked for.
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end(Buffer.from("tampered bytes"));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it("refuses bytes that do not hash to the CID", async () => {
    const cid = await computeCid(sampleFile("md", 3));
    const error = await createIpfsClient(url).get(cid).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentVerificationError);
    expect((error as ContentVerificationError).expected).toBe(cid.toString());
    expect((error as ContentVerificationError).actual).toBe((await computeCid(new TextEncoder().encode("tampered bytes"))).toString());
  });

  it("returns bytes that match, from the embedded node", async () => {
    const bytes = sampleFile("wav", 4);
    const cid = await stack.ipfs.add(bytes);
    expect(await stack.ipfs.get(cid)).toEqual(bytes);
  });

  it("decodes every protocol error into a typed error", async () => {
    const error = await getDatanet(stack.client, { contracts: stack.contracts, datanetId: 999 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).errorName).toBe("DatanetNotFound");
    expect((error as ProtocolError).shortMessage).toBe("Datanet 999 does not exist");
  });
});
