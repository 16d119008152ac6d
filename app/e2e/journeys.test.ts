// Every dApp role's journey through the UI, in Debian's Chromium, against the real local stack
// started by this run. The chain's clock is moved with its RPC where a review window must pass.
// Each journey saves screenshots of the screens it passes under docs/screenshots/.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import {
  ATTRIBUTION_WEIGHTING,
  challengeLeaf,
  computeCid,
  executeGovernanceCall,
  listGovernanceCalls,
  scheduleGovernanceCall,
  createIpfsClient,
  datasetRoot,
  getAccount,
  getDatanet,
  getDatanetCount,
  getAllowance,
  getOpenBalance,
  LeafFault,
  MANIFEST_VERSION,
  registerModel,
  TrainingMethod,
  type DatasetManifest,
  type Governance,
  type ProtocolContracts,
} from "@openledger/sdk";
import { modelRegistryAbi } from "@openledger/protocol";
import { sampleFile } from "@openledger/sdk/samples";
import type { Browser, Page } from "playwright-core";
import { createPublicClient, createWalletClient, encodeFunctionData, http, parseEther, toHex } from "viem";
import { hardhat } from "viem/chains";
import { mnemonicToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningAppServer } from "../server/index.ts";
import { projectRoot } from "../server/settings.ts";
import { advance, externalStack, freePort, launch, openRole, rpc, screenshot, sign, startApp, startStack, trainerWriteHeaders, type Role, type Stack } from "./harness.ts";
import { injectWallet } from "./injected-wallet.ts";

const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const OPEN = 10n ** 18n;

let stack: Stack;
let app: RunningAppServer;
let browser: Browser;
let contracts: ProtocolContracts;
let chain: ReturnType<typeof createPublicClient>;
const errors: string[] = [];
const roles: Record<string, Role> = {};
const ids = { text: 0, image: 0, audio: 0 };
const voteHome = mkdtempSync(path.join(os.tmpdir(), "openledger-cli-home-"));
let cliCommitment = "";
let modelId = "";

async function createDatanetInUi(page: Page, name: string, modality: "text" | "image" | "audio", deposit = ""): Promise<number> {
  await page.goto(`${app.url}/datanets/new`);
  await page.getByLabel("Name").fill(name);
  await page.getByLabel("Description").fill(`${name}: files for the end-to-end journeys`);
  await page.getByLabel("Modality").selectOption({ label: modality });
  await page.getByLabel("Commit window (seconds)").fill("300");
  await page.getByLabel("Reveal window (seconds)").fill("300");
  // These journeys have one validator; a real Datanet keeps the default of three.
  await page.getByLabel("Validators per decision").fill("1");
  if (deposit) await page.getByLabel("Deposit per submission").fill(deposit);
  await page.getByRole("button", { name: "Create the Datanet" }).click();
  await sign(page);
  await page.waitForURL(/\/datanets\/\d+$/, { timeout: 60_000 });
  return Number(page.url().split("/").pop());
}

/** Drops files on the page's drop zone, as a person dragging them from their desktop. */
async function dropFiles(page: Page, files: { name: string; bytes: Uint8Array; type?: string }[]): Promise<void> {
  const transfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) dt.items.add(new File([new Uint8Array(f.bytes)], f.name, { type: f.type ?? "" }));
    return dt;
  }, files.map((f) => ({ name: f.name, bytes: [...f.bytes], type: f.type })));
  await page.getByTestId("dropzone").dispatchEvent("drop", { dataTransfer: transfer });
}

/** Whether every node of the page's lineage graph lies inside the graph's frame. */
function lineageFitsFrame(page: Page): Promise<boolean> {
  return page.getByTestId("lineage-graph").evaluate((frame) => {
    const box = frame.getBoundingClientRect();
    const nodes = [...frame.querySelectorAll(".react-flow__node")].map((node) => node.getBoundingClientRect());
    return nodes.length > 0 && nodes.every((n) => n.left >= box.left - 1 && n.right <= box.right + 1 && n.top >= box.top - 1 && n.bottom <= box.bottom + 1);
  });
}

async function waitForIndexed(predicate: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

async function gql<T>(query: string): Promise<T> {
  const res = await fetch(`${stack.indexer}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return ((await res.json()) as { data: T }).data;
}

beforeAll(async () => {
  stack = externalStack() ?? (await startStack());
  app = await startApp(stack);
  const config = (await (await fetch(`${app.url}/config.json`)).json()) as { contracts: ProtocolContracts };
  contracts = config.contracts;
  chain = createPublicClient({ transport: http(stack.rpc) });
  browser = await launch();
  roles.owner = await openRole(browser, app.url, 1, errors);
  roles.contributor = await openRole(browser, app.url, 2, errors);
  roles.validator = await openRole(browser, app.url, 3, errors);
  roles.payer = await openRole(browser, app.url, 5, errors);
}, 420_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await stack?.stop();
});

describe("the app in Chromium, one journey per role", () => {
  it("first screen: the Datanets list, with the wallet connected as a development account", async () => {
    const { page } = roles.owner!;
    await page.goto(`${app.url}/`);
    await page.getByRole("heading", { name: "Datanets" }).waitFor();
    await expect(page.locator(".wallet-button").textContent()).resolves.toMatch(/dev\s*0x7099…79C8/);
    // The app served is a production build, although this run (NODE_ENV=test) built it: no
    // development JSX runtime among the scripts the first screen loads.
    const scripts = await page.evaluate(() => performance.getEntriesByType("resource").map((e) => e.name).filter((n) => n.endsWith(".js")));
    expect(scripts.length).toBeGreaterThan(0);
    for (const url of scripts) {
      expect(url).not.toMatch(/jsx-dev-runtime/);
      expect(await (await fetch(url)).text()).not.toContain("jsxDEV");
    }
  });

  it("an owner creates Datanets (metadata to IPFS) and funds one; a rejected signature changes nothing", async () => {
    const { page } = roles.owner!;
    const before = await getDatanetCount(chain as never, { contracts });
    ids.text = await createDatanetInUi(page, "Journey geography", "text");
    expect(ids.text).toBe(before + 1);
    await page.getByRole("heading", { name: `#${ids.text} Journey geography` }).waitFor();
    await screenshot(page, "datanet-created");

    // Rejecting the approval in the wallet sends nothing: the pool stays empty.
    await page.getByLabel("Add to the reward pool (OPEN)").fill("1000");
    await page.getByRole("button", { name: "Fund", exact: true }).click();
    await sign(page, 1, "Reject");
    await page.getByText("You rejected the request in your wallet. Nothing was sent and nothing changed.").waitFor();
    expect((await getDatanet(chain as never, { contracts, datanetId: ids.text })).pool).toBe(0n);

    await page.getByRole("button", { name: "Fund", exact: true }).click();
    // The allowance is a permit the wallet signs (no transaction), sent with the funding: one transaction.
    const permit = page.getByRole("alertdialog");
    await permit.getByText("Sign a permit (no transaction)").waitFor({ timeout: 30_000 });
    await expect(permit.textContent()).resolves.toMatch(/tokenOPEN \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\)owner0x/);
    await expect(permit.textContent()).resolves.toMatch(/spenderDatanets \(0x[0-9a-fA-F]{4}…[0-9a-fA-F]{4}\)may take1,000 OPENuntil\d{4}-\d\d-\d\d \d\d:\d\d UTC/);
    await screenshot(page, "signing-permit");
    await sign(page, 2); // the permit, then the funding
    await page.getByText("Funded: the pool holds 1,000 OPEN.").waitFor({ timeout: 30_000 });
    expect((await getDatanet(chain as never, { contracts, datanetId: ids.text })).pool).toBe(1000n * OPEN);
    // Every transaction links its hash; the permit was no transaction.
    expect(await page.locator(".tx-progress a.tx-link").count()).toBe(1);
    expect(await getAllowance(chain as never, { contracts, owner: roles.owner!.address as `0x${string}`, spender: contracts.Datanets })).toBe(0n);

    ids.image = await createDatanetInUi(page, "Journey pictures", "image");
    await page.getByRole("button", { name: "Fund", exact: true }).click();
    await sign(page, 2);
    await page.getByText("Funded: the pool holds 1,000 OPEN.").waitFor({ timeout: 30_000 });
    // Submissions to this one pay a deposit, approved by a permit in the contribution's transaction.
    ids.audio = await createDatanetInUi(page, "Journey sounds", "audio", "1");
    await page.getByRole("button", { name: "Fund", exact: true }).click();
    await sign(page, 2);
    await page.getByText("Funded: the pool holds 1,000 OPEN.").waitFor({ timeout: 30_000 });

    await page.goto(`${app.url}/datanets/new`);
    await screenshot(page, "create-datanet");
  });

  it("a refused call shows the decoded custom error with its numbers in words", async () => {
    const { page } = roles.payer!;
    await page.goto(`${app.url}/datanets/${ids.text}`);
    await page.getByLabel("Add to the reward pool (OPEN)").fill("10000000");
    await page.getByRole("button", { name: "Fund", exact: true }).click();
    // The SDK sends the approval first (asked once per account: it stays), then the funding is
    // refused in its simulation, before anything else is signed.
    const alert = page.getByRole("alert").filter({ hasText: "ERC20InsufficientBalance" });
    await page.getByRole("alertdialog").or(alert).first().waitFor({ timeout: 30_000 });
    if (await page.getByRole("alertdialog").isVisible()) await sign(page, 1);
    await alert.waitFor({ timeout: 30_000 });
    expect(await page.getByRole("alertdialog").count()).toBe(0);
    await expect(alert.textContent()).resolves.toMatch(/0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc holds [\d,.]+ OPEN but 10,?000,?000 OPEN is needed/);
    expect(await alert.textContent()).not.toMatch(/0x[0-9a-f]{64,}/i);
  });

  it("a validator stakes; the stake votes after the activation delay", async () => {
    const { page } = roles.validator!;
    await page.goto(`${app.url}/validator`);
    await page.getByLabel("Stake (OPEN)", { exact: true }).fill("2000");
    await page.getByRole("button", { name: "Stake", exact: true }).click();
    await sign(page, 2);
    await page.getByText(/Staked: it votes from \d{4}-\d\d-\d\d/).waitFor({ timeout: 30_000 });
    await advance(stack.rpc, 3_601);
    await page.reload();
    await page.getByTestId("stake-position").getByText("can vote").waitFor({ timeout: 20_000 });
  });

  it("a contributor drops three files: one is refused in the page and never reaches IPFS; the others are uploaded and submitted", async () => {
    const { page } = roles.contributor!;
    await page.goto(`${app.url}/contribute/${ids.text}`);
    await page.getByTestId("quota").waitFor();
    const photo = sampleFile("png", 41);
    await dropFiles(page, [
      { name: "capitals.jsonl", bytes: sampleFile("jsonl", 41) },
      { name: "rivers.md", bytes: sampleFile("md", 41) },
      { name: "photo.txt", bytes: photo },
    ]);
    await page.getByTestId("file-refused").waitFor({ timeout: 30_000 });
    await expect(page.getByTestId("file-ok").count()).resolves.toBe(2);
    const refused = page.getByTestId("file-refused");
    await expect(refused.textContent()).resolves.toMatch(/photo\.txt.*refused: format-mismatch/s);
    await screenshot(page, "contribute-checked");
    await page.getByRole("button", { name: "Upload and submit 2 file(s)" }).click();
    await sign(page);
    await page.getByTestId("contribute-result").waitFor({ timeout: 60_000 });
    await expect(page.getByTestId("contribute-result").textContent()).resolves.toMatch(/Left today: \d+ files/);
    // The refused file is not on the IPFS node, and nothing of it is on chain.
    expect(await createIpfsClient(stack.ipfs).has(await computeCid(photo))).toBe(false);
    await screenshot(page, "contribute-submitted");

    // The picture goes in under a submission commitment (two transactions: the commitment, then the
    // files); on the local chain the box starts unticked, since no one watches its mempool.
    for (const [id, name, bytes, protect] of [
      [ids.image, "gradient.png", sampleFile("png", 42), true],
      [ids.audio, "tone.wav", sampleFile("wav", 42), false],
    ] as const) {
      await page.goto(`${app.url}/contribute/${id}`);
      await page.getByTestId("quota").waitFor();
      await dropFiles(page, [{ name, bytes }]);
      const box = page.getByTestId("protect");
      await box.waitFor();
      expect(await box.isChecked()).toBe(false);
      if (protect) {
        await box.check();
        await screenshot(page, "contribute-protect");
      }
      await page.getByRole("button", { name: "Upload and submit 1 file(s)" }).click();
      if (id === ids.audio) {
        // The 1 OPEN deposit: a permit signed in the page's wallet, then the one submission.
        await page.getByRole("alertdialog").getByText("Sign a permit (no transaction)").waitFor({ timeout: 30_000 });
        await page.getByText(/Approving the deposit: sign the permit your wallet shows/).waitFor();
        await expect(page.getByRole("alertdialog").textContent()).resolves.toMatch(/may take1 OPEN/);
        await screenshot(page, "contribute-permit");
        await sign(page, 2);
      } else {
        await sign(page, protect ? 2 : 1);
      }
      await page.getByTestId("contribute-result").waitFor({ timeout: 60_000 });
      const said = (await page.getByTestId("contribute-result").textContent()) ?? "";
      expect(/Sent under a commitment/.test(said)).toBe(protect);
      if (protect) await screenshot(page, "contribute-protected");
    }

    // Nothing is reserved at submission: the Datanet's page says what the files under review could
    // take from the pool (two files × (10 + 3) OPEN), from the indexer.
    await page.goto(`${app.url}/datanets/${ids.text}`);
    const pending = page.getByTestId("pending-rewards");
    await pending.waitFor({ timeout: 30_000 });
    await expect(pending.textContent()).resolves.toMatch(/files under review could take 26 OPEN/);
    await screenshot(page, "datanet-under-review");
  });

  it("the validator reviews with previews (text shown, picture drawn, audio playable, bytes verified), commits, and exports a vote file", async () => {
    const { page } = roles.validator!;
    await page.goto(`${app.url}/validator`);
    const items = page.getByTestId("queue-item");
    await waitForIndexed(async () => (await items.count()) === 4, "the four submissions in the work queue");
    for (let i = 0; i < 4; i++) {
      const item = items.nth(i);
      await item.getByRole("button", { name: "Preview" }).click();
      await item.getByTestId("verified").waitFor({ timeout: 30_000 });
    }
    await expect(page.getByTestId("preview-text").first().textContent()).resolves.toMatch(/\S/);
    await expect(page.getByTestId("preview-image").evaluate((img: HTMLImageElement) => img.decode().then(() => img.naturalWidth))).resolves.toBeGreaterThan(0);
    await expect(
      page.getByTestId("preview-audio").evaluate(
        (audio: HTMLAudioElement) => new Promise<number>((resolve) => (audio.readyState >= 1 ? resolve(audio.duration) : audio.addEventListener("loadedmetadata", () => resolve(audio.duration)))),
      ),
    ).resolves.toBeGreaterThan(0);
    await screenshot(page, "validator-review");

    // The first text file alone: this commitment will be revealed by the CLI.
    const textGroup = page.locator(".queue-group").filter({ hasText: `Datanet ${ids.text}` });
    await textGroup.getByTestId("queue-item").first().getByLabel("Approve").check();
    await textGroup.getByRole("button", { name: `Commit 1 vote(s) in Datanet ${ids.text}` }).click();
    await sign(page);
    await page.getByText(/Committed as/).waitFor({ timeout: 30_000 });
    const row = page.getByTestId("stored-votes").first();
    cliCommitment = (await row.getAttribute("data-commitment"))!;
    const download = page.waitForEvent("download");
    await row.getByRole("button", { name: "Export" }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`${cliCommitment}.json`);
    const dir = path.join(voteHome, "votes", "31337");
    mkdirSync(dir, { recursive: true });
    await file.saveAs(path.join(dir, file.suggestedFilename()));
    expect(JSON.parse(readFileSync(path.join(dir, file.suggestedFilename()), "utf8"))).toMatchObject({ commitment: cliCommitment, datanetId: ids.text, approvals: [true], state: "committed" });

    // The second text file, the picture and the sound: revealed in the page.
    await waitForIndexed(async () => (await items.count()) === 3, "the committed file to leave the queue");
    for (const id of [ids.text, ids.image, ids.audio]) {
      const group = page.locator(".queue-group").filter({ hasText: `Datanet ${id}` });
      await group.getByTestId("queue-item").first().getByLabel("Approve").check();
      await group.getByRole("button", { name: `Commit 1 vote(s) in Datanet ${id}` }).click();
      await sign(page);
      await page.getByText(/Committed as/).waitFor({ timeout: 30_000 });
    }
    await expect(page.getByTestId("stored-votes").count()).resolves.toBe(4);
    await expect(page.getByTestId("reveal-countdown").first().textContent()).resolves.toMatch(/reveal opens in/);
  });

  it("a vote committed in the browser is revealed by the CLI with the exported vote file; the page reveals the others", async () => {
    await advance(stack.rpc, 301);
    const key = toHex(mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 3 }).getHdKey().privateKey!);
    const out = execFileSync(process.execPath, [path.join(projectRoot, "sdk", "bin", "openledger.mjs"), "--rpc", stack.rpc, "--ipfs", stack.ipfs, "--home", voteHome, "validator", "reveal", String(ids.text)], {
      cwd: projectRoot,
      env: { ...process.env, OPENLEDGER_PRIVATE_KEY: key, OPENLEDGER_DEPLOYMENT: stack.deploymentFile },
      encoding: "utf8",
    });
    expect(out).toMatch(new RegExp(`${cliCommitment}\\s+revealed \\(tx 0x[0-9a-f]{64}\\)`));

    const { page } = roles.validator!;
    await page.reload();
    const cliRow = page.locator(`[data-commitment="${cliCommitment}"]`);
    await cliRow.getByText("revealed").first().waitFor({ timeout: 20_000 });
    for (let i = 0; i < 3; i++) {
      const button = page.getByRole("button", { name: "Reveal 1 vote(s)" }).first();
      await button.waitFor({ timeout: 20_000 });
      await button.click();
      await sign(page);
      await page.waitForTimeout(800);
    }
    await waitForIndexed(async () => (await page.getByRole("button", { name: "Reveal 1 vote(s)" }).count()) === 0, "every reveal");
  });

  it("anyone finalises after the reveal window; the validator credits and claims its rewards", async () => {
    const acceptedBefore = (await getAccount(chain as never, { contracts, account: roles.contributor!.address as `0x${string}` })).acceptedCount;
    await advance(stack.rpc, 301);
    const { page } = roles.validator!;
    await page.reload();
    for (const id of [ids.text, ids.image, ids.audio]) {
      const button = page.getByRole("button", { name: new RegExp(`Finalise \\d+ in Datanet ${id}$`) });
      await button.waitFor({ timeout: 30_000 });
      await button.click();
      await sign(page);
      await page.getByText(/Finalised: \d+ accepted/).waitFor({ timeout: 30_000 });
    }
    expect((await getAccount(chain as never, { contracts, account: roles.contributor!.address as `0x${string}` })).acceptedCount).toBe(acceptedBefore + 4);
    await page.reload();
    for (let i = 0; i < 4; i++) {
      const button = page.getByRole("button", { name: "Credit validator rewards" }).first();
      await button.waitFor({ timeout: 20_000 });
      await button.click();
      await sign(page);
      await page.waitForTimeout(800);
    }
    const before = await getOpenBalance(chain as never, { contracts, account: roles.validator!.address as `0x${string}` });
    await page.getByRole("button", { name: "Claim to your wallet" }).click();
    await sign(page);
    await waitForIndexed(async () => (await getOpenBalance(chain as never, { contracts, account: roles.validator!.address as `0x${string}` })) > before, "the validator's payout");
    await screenshot(page, "validator");
  });

  it("the contributor sees the work accepted, claims, and the balance rises", async () => {
    const { page, address } = roles.contributor!;
    await page.goto(`${app.url}/me`);
    // Four rewards of 10 OPEN, and the sound's 1 OPEN deposit credited back on acceptance.
    await page.getByTestId("claimable").getByText("41 OPEN").waitFor({ timeout: 20_000 });
    const before = await getOpenBalance(chain as never, { contracts, account: address as `0x${string}` });
    await page.getByRole("button", { name: "Claim 41 OPEN" }).click();
    await sign(page);
    await page.getByText("Claimed 41 OPEN to your wallet.").waitFor({ timeout: 30_000 });
    const after = await getOpenBalance(chain as never, { contracts, account: address as `0x${string}` });
    expect(after).toBe(before + 41n * OPEN);
    await page.getByTestId("balance").getByText(`${(after / OPEN).toLocaleString("en-US")}`).waitFor({ timeout: 20_000 });
    await page.locator(".contribution-row").first().getByText("accepted").waitFor({ timeout: 20_000 });
    await screenshot(page, "my-work");
    await page.goto(`${app.url}/leaderboard`);
    await page.getByTestId("leaderboard").waitFor();
    await screenshot(page, "leaderboard");
  });

  it("a model trained on the accepted data is paid for; the contributor claims attribution; chat answers", async () => {
    const submit = await fetch(`${stack.trainer}/v1/jobs`, {
      method: "POST",
      headers: trainerWriteHeaders(stack),
      body: JSON.stringify({ datanetIds: [ids.text], method: "lora", hyperparameters: { epochs: 2, batchSize: 2, evalFraction: 0 } }),
    });
    expect(submit.status).toBe(201);
    const job = (await submit.json()) as { id: string };
    await waitForIndexed(
      async () => {
        const state = (await (await fetch(`${stack.trainer}/v1/jobs/${job.id}`)).json()) as { state: string; error?: string; publication?: { modelId?: string } };
        if (state.state === "failed" || state.state === "cancelled") throw new Error(`training ${state.state}: ${state.error}`);
        modelId = state.publication?.modelId ?? "";
        return state.state === "succeeded" && modelId !== "";
      },
      "the training job to register its model",
      300_000,
    );
    await waitForIndexed(async () => (await gql<{ model: { manifestStatus: string } | null }>(`{ model(id: "${modelId}") { manifestStatus } }`)).model?.manifestStatus === "Valid", "the indexer to verify the manifest");

    const payer = roles.payer!.page;
    // The page opened before the indexer's worker has read the manifest (the first answer about the
    // models is given back as unchecked here) turns to verified by itself, without a reload.
    let heldBack = 0;
    await payer.route("**/svc/indexer/graphql", async (route) => {
      if (heldBack > 0 || !(route.request().postData() ?? "").includes("models(")) return route.continue();
      heldBack += 1;
      const response = await route.fetch();
      const body = (await response.json()) as { data: { models: { items: { manifestStatus: string }[] } } };
      for (const m of body.data.models.items) m.manifestStatus = "Unchecked";
      return route.fulfill({ response, json: body });
    });
    await payer.goto(`${app.url}/models/${modelId}`);
    await payer.getByText("not checked").first().waitFor({ timeout: 20_000 });
    await payer.getByText("verified by the indexer").first().waitFor({ timeout: 20_000 });
    expect(heldBack).toBe(1);
    await payer.unroute("**/svc/indexer/graphql");
    // The trainer's bond is at stake for the challenge window; payments open when it closes.
    const challengeEndsAt = (await gql<{ model: { challengeEndsAt: string } }>(`{ model(id: "${modelId}") { challengeEndsAt } }`)).model.challengeEndsAt;
    const chainNow = Number((await rpc(stack.rpc, "eth_getBlockByNumber", ["latest", false]) as { timestamp: string }).timestamp);
    if (chainNow < Number(challengeEndsAt)) {
      await payer.getByTestId("payments-open").waitFor({ timeout: 20_000 });
      expect(await payer.getByRole("button", { name: "Pay", exact: true }).isDisabled()).toBe(true);
      await screenshot(payer, "model-in-challenge");
      await advance(stack.rpc, Number(challengeEndsAt) - chainNow + 1);
    }
    await payer.getByTestId("model-bond").getByText(/10 OPEN at stake until/).waitFor({ timeout: 20_000 });
    await payer.getByTestId("payments-open").waitFor({ state: "detached", timeout: 30_000 });
    await payer.getByLabel("Pay for this model (OPEN)").fill("100");
    await payer.getByRole("button", { name: "Pay", exact: true }).click();
    await sign(payer, 2);
    await payer.getByText(/Paid: 70 OPEN to the trainer, 10 OPEN to the protocol, 20 OPEN to the contributors\./).waitFor({ timeout: 30_000 });

    const { page, address } = roles.contributor!;
    await page.goto(`${app.url}/me`);
    const rows = page.getByTestId("attribution").locator("tbody tr").filter({ has: page.getByRole("link", { name: `Model ${modelId}`, exact: true }) });
    await rows.first().waitFor({ timeout: 30_000 });
    const cell = rows.first().getByTestId("attribution-claimable");
    await waitForIndexed(async () => /[1-9]/.test((await cell.textContent()) ?? ""), "claimable attribution", 30_000);
    const before = await getOpenBalance(chain as never, { contracts, account: address as `0x${string}` });
    const claimButtons = rows.getByRole("button", { name: "Claim" });
    const count = await claimButtons.count();
    for (let i = 0; i < count; i++) {
      await claimButtons.nth(i).click();
      await sign(page);
      await page.waitForTimeout(1_000);
    }
    await waitForIndexed(async () => (await getOpenBalance(chain as never, { contracts, account: address as `0x${string}` })) > before, "the attribution payout");
    const gained = (await getOpenBalance(chain as never, { contracts, account: address as `0x${string}` })) - before;
    // The contributor owns every leaf, so it receives the whole contributors' share (20 OPEN), less rounding.
    expect(gained).toBeGreaterThan(parseEther("19.99"));
    expect(gained).toBeLessThanOrEqual(parseEther("20"));

    // Refine: a second run with the first model as parent, so that the lineage is on chain.
    const child = await fetch(`${stack.trainer}/v1/jobs`, {
      method: "POST",
      headers: trainerWriteHeaders(stack),
      body: JSON.stringify({ datanetIds: [ids.text], method: "lora", parentModelId: Number(modelId), hyperparameters: { epochs: 1, batchSize: 2, evalFraction: 0 } }),
    });
    expect(child.status).toBe(201);
    const childJob = (await child.json()) as { id: string };
    let childId = "";
    await waitForIndexed(
      async () => {
        const state = (await (await fetch(`${stack.trainer}/v1/jobs/${childJob.id}`)).json()) as { state: string; error?: string; publication?: { modelId?: string } };
        if (state.state === "failed" || state.state === "cancelled") throw new Error(`training ${state.state}: ${state.error}`);
        childId = state.publication?.modelId ?? "";
        return state.state === "succeeded" && childId !== "";
      },
      "the refined model to register",
      300_000,
    );
    await waitForIndexed(async () => (await gql<{ model: { parentId: string | null } | null }>(`{ model(id: "${childId}") { parentId } }`)).model?.parentId === modelId, "the child model in the indexer");

    await page.goto(`${app.url}/models/${modelId}`);
    await page.getByTestId("lineage-graph").getByText(`Model ${childId} · LoRA`).waitFor({ timeout: 20_000 });
    await page.getByLabel("Message").fill("What is the capital of France?");
    await page.getByRole("button", { name: "Send" }).click();
    await page.locator(".chat-log .chat-assistant").last().waitFor({ timeout: 60_000 });
    await waitForIndexed(async () => (await page.getByTestId("chat-streaming").count()) === 0, "the streamed answer to end", 60_000);
    await expect(page.locator(".chat-log .chat-assistant").last().textContent()).resolves.toMatch(/Model\s*\S+/);
    await screenshot(page, "model");
    await page.goto(`${app.url}/models`);
    await page.getByTestId("lineage-graph").waitFor();
    await page.waitForTimeout(500);
    await screenshot(page, "models");
    // A page laid out wide and then narrowed (a resized window, a rotated phone) fits its graph again.
    await page.setViewportSize({ width: 390, height: 844 });
    await waitForIndexed(() => lineageFitsFrame(page), "every lineage node inside the graph's frame at 390 px", 5_000);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("a model whose manifest breaks the attribution rule is proven wrong by a watcher; its page says which leaf and takes no payment", async () => {
    // A dishonest trainer (a stack account with TRAINER_ROLE) registers the first model's leaves with
    // one weighed at 1 byte instead of its size: built by hand, since the SDK's builder refuses it.
    const leaves = (await gql<{ manifestLeafs: { items: { contributionId: `0x${string}`; contributor: `0x${string}`; weight: string }[] } }>(
      `{ manifestLeafs(where: { modelId: "${modelId}" }) { items { contributionId contributor weight } } }`,
    )).manifestLeafs.items.map((l, i) => ({ contributionId: l.contributionId, contributor: l.contributor, weight: i === 0 ? "1" : l.weight }));
    const tree = datasetRoot(leaves);
    const manifest: DatasetManifest = { version: MANIFEST_VERSION, datanetIds: [ids.text], weighting: ATTRIBUTION_WEIGHTING, leaves, root: tree.root, totalWeight: tree.totalWeight.toString() };
    const wallet = (index: number) => createWalletClient({ account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: index }), chain: { ...hardhat, id: 31337 }, transport: http(stack.rpc) });
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    await createIpfsClient(stack.ipfs).add(bytes); // published, as a trainer must: watchers fetch it
    const registered = await registerModel(wallet(1), {
      contracts, baseModel: "tiny-chat-llama", baseWeightsHash: toHex(1n, { size: 32 }), method: TrainingMethod.LoRA, configHash: toHex(2n, { size: 32 }),
      artifactCid: await computeCid(new TextEncoder().encode("adapter")), artifactSha256: toHex(3n, { size: 32 }),
      datanetIds: [ids.text], datasetRoot: tree.root, totalWeight: tree.totalWeight, manifestCid: await computeCid(bytes),
    });
    const badId = registered.result.modelId;
    const watcher = await challengeLeaf(wallet(5), { contracts, modelId: badId, manifest });
    expect(watcher.result.fault).toBe(LeafFault.WrongWeight);
    expect(watcher.result.reward).toBe(5n * OPEN); // half the bond; the treasury takes the rest

    await waitForIndexed(async () => (await gql<{ model: { manifestStatus: string; invalid: boolean } | null }>(`{ model(id: "${badId}") { manifestStatus invalid } }`)).model?.manifestStatus === "Flagged", "the indexer to flag the manifest");
    const { page } = roles.payer!;
    await page.goto(`${app.url}/models/${badId}`);
    const notice = page.getByTestId("model-invalid");
    await notice.getByText(/This model takes no payments: a challenge proved that leaf .* is not weighed by its contribution's size\./).waitFor({ timeout: 30_000 });
    expect(await notice.getAttribute("data-contribution")).toBe(leaves[0]!.contributionId.toLowerCase());
    // The indexer, which fetched the manifest, names the same leaf and both numbers.
    await page.getByText(new RegExp(`leaf ${leaves[0]!.contributionId.toLowerCase()}: wrong-weight \\(status Accepted, .* bytes; the leaf weighs 1\\)`)).waitFor({ timeout: 30_000 });
    await page.getByTestId("model-bond").getByText("forfeited: half to the challenger, half to the treasury").waitFor();
    expect(await page.getByLabel("Pay for this model (OPEN)").count()).toBe(0);
    await screenshot(page, "model-invalid");
  });

  it("a protocol change governance schedules is on every page until it applies, then gone", async () => {
    const config = (await (await fetch(`${app.url}/config.json`)).json()) as { governance: Governance };
    const proposer = createWalletClient({ account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: 0 }), chain: { ...hardhat, id: 31337 }, transport: http(stack.rpc) });
    const data = encodeFunctionData({ abi: modelRegistryAbi, functionName: "setModelBond", args: [20n * OPEN, 120] });
    const scheduled = await scheduleGovernanceCall(proposer, { governance: config.governance, target: contracts.ModelRegistry, data, salt: toHex(7n, { size: 32 }) });
    const { page } = roles.contributor!;
    await page.goto(`${app.url}/`);
    const banner = page.getByTestId("governance-banner");
    // In words with units (never wei); the exact call is the text's title.
    await banner.getByText("Scheduled protocol change: ModelRegistry: set model bond (bond 20 OPEN, challenge window 2 min) may apply from").waitFor({ timeout: 30_000 });
    expect(await banner.locator("strong").getAttribute("title")).toBe(`ModelRegistry.setModelBond(${20n * OPEN}, 120)`);
    await screenshot(page, "governance-scheduled");
    await advance(stack.rpc, config.governance.delay + 1);
    const [call] = (await listGovernanceCalls(chain as never, { governance: config.governance, contracts })).filter((c) => c.id === scheduled.result.id);
    await executeGovernanceCall(proposer, { governance: config.governance, call: call! });
    await page.reload();
    await page.getByRole("heading", { level: 1 }).first().waitFor();
    await waitForIndexed(async () => (await banner.count()) === 0, "the banner to go once the change ran", 30_000);
  });

  it("ModelFactory: a job trained on accepted data from the page, its loss curve, base and tuned side by side, refine, cancel and resume", async () => {
    const { page } = roles.owner!;
    const jobIds = async () => ((await (await fetch(`${stack.trainer}/v1/jobs`)).json()) as { data: { id: string }[] }).data.map((j) => j.id);
    const jobsBefore = await jobIds();
    /** The job panel once it shows a job started in this journey, in the given state. */
    const newJobPanel = (state: string, earlier: string[]) => page.locator(`[data-testid="job-panel"][data-state="${state}"]${earlier.map((id) => `:not([data-job-id="${id}"])`).join("")}`);
    await page.goto(`${app.url}/factory`);
    await page.getByRole("heading", { name: "ModelFactory" }).waitFor();
    // Inline errors name the rule and the number; nothing is sent while one stands.
    await page.getByLabel("Learning rate").fill("5");
    await page.getByText("Learning rate must be in (0, 1], got 5.").waitFor();
    await page.getByLabel("Epochs").fill("0");
    await page.getByText("Epochs must be an integer in [1, 1000], got 0.").waitFor();
    await page.getByRole("button", { name: "Start training" }).click();
    await page.getByText("Choose at least one Datanet with accepted files.").waitFor();
    expect(await jobIds()).toEqual(jobsBefore);
    await screenshot(page, "model-factory-errors");

    // With the keyboard: the Datanet's checkbox with Space, the form sent with Enter.
    await page.getByLabel("Learning rate").fill("0.003");
    await page.getByLabel("Epochs").fill("12");
    await page.getByLabel("Batch size").fill("2");
    await page.getByLabel("Evaluation share").fill("0.2");
    const datanet = page.getByRole("checkbox", { name: new RegExp(`^#${ids.text} Journey geography`) });
    await datanet.focus();
    await page.keyboard.press("Space");
    expect(await datanet.isChecked()).toBe(true);
    await expect(page.getByTestId("cli-command").textContent()).resolves.toContain(`--datanet ${ids.text} --method lora --learning-rate 0.003 --epochs 12 --batch-size 2`);
    // Before starting: the trainer's estimate (the data counted as the job counts it, one step timed).
    await page.getByTestId("estimate-steps").waitFor({ timeout: 120_000 });
    const estimatedSteps = Number((await page.getByTestId("estimate-steps").textContent())!.match(/^([\d,]+)/)![1]!.replace(/,/g, ""));
    await expect(page.getByTestId("estimate-memory").textContent()).resolves.toMatch(/^about [\d.,]+ (KiB|MiB|GiB) \(weights/);
    await expect(page.getByTestId("estimate-time").textContent()).resolves.toMatch(/^(about \d+ (s|min|h)|under 1 s) \([\d.]+ s per batch/);
    await screenshot(page, "model-factory-estimate");
    await page.getByLabel("Epochs").press("Enter");

    await newJobPanel("succeeded", jobsBefore).waitFor({ timeout: 300_000 });
    const firstJob = (await jobIds()).find((id) => !jobsBefore.includes(id))!;
    const trained = (await (await fetch(`${stack.trainer}/v1/jobs/${firstJob}`)).json()) as { progress: { totalSteps: number } };
    expect(trained.progress.totalSteps).toBe(estimatedSteps);
    const chart = page.getByTestId("loss-chart");
    await waitForIndexed(async () => Number(await chart.getAttribute("data-points")) >= 2, "at least two points on the loss curve");
    expect(await chart.locator("canvas").count()).toBeGreaterThan(0);
    await expect(page.getByTestId("tokens-per-second").textContent()).resolves.toMatch(/^[\d,]+$/);
    await page.getByTestId("job-published").getByText(/Registered on chain as model \d+/).waitFor({ timeout: 60_000 });
    const parentId = (await page.getByTestId("job-published").textContent())!.match(/model (\d+)/)![1]!;
    const beforeRefine = await jobIds();

    await page.getByLabel("Prompt for both models").fill("What is the capital of France?");
    await page.getByRole("button", { name: "Ask both" }).click();
    await page.locator('[data-testid="answer-tuned"][data-done="true"]').waitFor({ timeout: 60_000 });
    await expect(page.getByTestId("answer-tuned").locator("p").textContent()).resolves.toMatch(/^(?!\(no answer)\S/);
    await expect(page.getByTestId("answer-base").locator("p").textContent()).resolves.toMatch(/\S/);
    expect(await page.getByTestId("compare-chat").getByRole("alert").count()).toBe(0);
    await screenshot(page, "model-factory");

    // Refine: the form again from the finished job, with its model as parent.
    await page.getByRole("button", { name: `Refine model ${parentId}` }).click();
    await page.getByTestId("refine-notice").getByText(`Refining model ${parentId}`).waitFor();
    expect(await page.getByLabel("Epochs").inputValue()).toBe("12");
    expect(await datanet.isChecked()).toBe(true);
    await page.getByLabel("Epochs").fill("4");
    await page.getByRole("button", { name: "Start refining" }).click();
    await page.getByTestId("job-list").getByText(`LORA (child of ${parentId})`).waitFor({ timeout: 20_000 });
    await newJobPanel("succeeded", beforeRefine).waitFor({ timeout: 300_000 });
    await page.getByTestId("job-published").getByText(/Registered on chain as model \d+/).waitFor({ timeout: 60_000 });
    await screenshot(page, "model-factory-refine");

    // A long job: cancelled while it trains, resumed from its checkpoint, cancelled again.
    await page.getByRole("button", { name: "Train without a parent" }).click();
    await page.getByLabel("Epochs").fill("1000");
    const beforeLong = await jobIds();
    await page.getByRole("button", { name: "Start training" }).click();
    await newJobPanel("training", beforeLong).waitFor({ timeout: 60_000 });
    await waitForIndexed(async () => Number(await chart.getAttribute("data-points")) >= 2, "the long job's first steps");
    await waitForIndexed(async () => /\d+ (s|min|h)/.test((await page.getByTestId("time-left").textContent()) ?? ""), "the time left");
    await screenshot(page, "model-factory-training");
    await page.getByRole("button", { name: "Cancel training" }).click();
    await page.locator('[data-testid="job-panel"][data-state="cancelled"]').waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Resume training" }).click();
    await page.locator('[data-testid="job-panel"][data-state="training"]').waitFor({ timeout: 60_000 });
    await waitForIndexed(async () => /attempt 2$/.test((await page.getByTestId("job-meta").textContent()) ?? ""), "the second attempt");
    await page.getByRole("button", { name: "Cancel training" }).click();
    await page.locator('[data-testid="job-panel"][data-state="cancelled"]').waitFor({ timeout: 30_000 });
  });

  it("every screen is saved for the guide", async () => {
    const { page } = roles.owner!;
    await page.goto(`${app.url}/`);
    await page.getByTestId("datanet-list").getByText("Journey geography").first().waitFor({ timeout: 20_000 });
    await screenshot(page, "datanets");
    await page.goto(`${app.url}/datanets/${ids.text}`);
    await page.getByTestId("contribution-list").waitFor({ timeout: 20_000 });
    await screenshot(page, "datanet");
    const tx = await page.evaluate(async () => {
      const r = await fetch("/svc/indexer/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ contributions(limit: 1) { items { submittedTx } } }" }) });
      return ((await r.json()) as { data: { contributions: { items: { submittedTx: string }[] } } }).data.contributions.items[0]!.submittedTx;
    });
    await page.goto(`${app.url}/tx/${tx}`);
    await page.getByText("succeeded").waitFor();
    await screenshot(page, "transaction");
  });

  it("an owner pauses a Datanet and withdraws from its pool once files submitted before the pause had their review", async () => {
    const { page } = roles.owner!;
    await page.goto(`${app.url}/datanets/${ids.audio}`);
    await page.getByRole("button", { name: "Pause submissions" }).click();
    await sign(page, 1);
    await page.getByRole("button", { name: "Resume submissions" }).waitFor({ timeout: 30_000 });
    const unlocks = page.getByTestId("pool-unlocks");
    await unlocks.waitFor({ timeout: 30_000 });
    await expect(unlocks.textContent()).resolves.toMatch(/Withdrawable from \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC \(in 1[45] min\): files submitted before the pause are reviewed and paid first/);
    expect(await page.getByRole("button", { name: "Withdraw", exact: true }).isDisabled()).toBe(true);
    await screenshot(page, "owner-withdraw-locked");
    await advance(stack.rpc, 900);
    const withdraw = page.getByRole("button", { name: "Withdraw", exact: true });
    await page.waitForFunction(() => !(document.querySelector("[data-testid=pool-unlocks]") as HTMLElement | null), undefined, { timeout: 30_000 });
    const before = (await getDatanet(chain as never, { contracts, datanetId: ids.audio })).pool;
    await page.getByLabel("Withdraw from the pool to your wallet (OPEN)").fill("400");
    await withdraw.click();
    await sign(page, 1);
    await page.getByText(/^Withdrawn: the pool holds [\d,.]+ OPEN\.$/).waitFor({ timeout: 30_000 });
    expect((await getDatanet(chain as never, { contracts, datanetId: ids.audio })).pool).toBe(before - 400n * OPEN);
    await page.getByRole("button", { name: "Resume submissions" }).click();
    await sign(page, 1);
    await page.getByRole("button", { name: "Pause submissions" }).waitFor({ timeout: 30_000 });
  });

  it("with the indexer, IPFS and trainer down: a banner says so, chain-backed essentials work, nothing is sent on chain without IPFS", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const degraded = await startApp(stack, { indexer: dead, ipfs: dead, trainer: dead });
    try {
      const role = await openRole(browser, degraded.url, 2, errors);
      const { page } = role;
      await page.getByText("The indexer is not answering").waitFor({ timeout: 30_000 });
      await page.getByText("Read from the chain (the indexer is down)").waitFor({ timeout: 30_000 });
      await page.getByTestId("datanet-list").locator("tbody tr").nth(2).waitFor({ timeout: 30_000 });
      await screenshot(page, "degraded");
      await page.goto(`${degraded.url}/me`);
      await page.getByTestId("claimable").waitFor();
      await page.getByTestId("balance").getByText(/OPEN/).waitFor({ timeout: 20_000 });
      // Creating a Datanet needs its metadata on IPFS first: nothing reaches the chain.
      const count = await getDatanetCount(chain as never, { contracts });
      await page.goto(`${degraded.url}/datanets/new`);
      await page.getByLabel("Name").fill("Never created");
      await page.getByRole("button", { name: "Create the Datanet" }).click();
      await page.getByRole("alert").filter({ hasText: /IPFS/ }).waitFor({ timeout: 40_000 });
      expect(await page.getByRole("alertdialog").count()).toBe(0);
      expect(await getDatanetCount(chain as never, { contracts })).toBe(count);
      await page.goto(`${degraded.url}/factory`);
      await page.getByLabel("Epochs").fill("3");
      await page.getByText("The trainer node is not answering: training is unavailable").waitFor({ timeout: 30_000 });
      // The form stays as it was; starting says which service is down.
      expect(await page.getByLabel("Epochs").inputValue()).toBe("3");
      await screenshot(page, "model-factory-trainer-down");
      await role.context.close();
    } finally {
      await degraded.stop();
    }
    // The trainer alone down: the model's page says chat is unavailable.
    const noTrainer = await startApp(stack, { trainer: dead });
    try {
      const role = await openRole(browser, noTrainer.url, 2, errors);
      await role.page.goto(`${noTrainer.url}/models/${modelId}`);
      await role.page.getByText("The trainer node is not answering: chat is unavailable").waitFor({ timeout: 30_000 });
      await role.context.close();
    } finally {
      await noTrainer.stop();
    }
  });

  it("a browser wallet announced by EIP-6963 is listed, connects, is switched back from another network, and funds a pool with a permit", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const wallet = await injectWallet(context, { rpcUrl: stack.rpc, accountIndex: 6, chainId: 1 });
    try {
      const page = await context.newPage();
      page.on("pageerror", (e) => errors.push(`browser wallet: ${e.message}`));
      await page.goto(`${app.url}/datanets/${ids.text}`);
      await page.getByRole("button", { name: "Connect wallet" }).click();
      const panel = page.getByRole("region", { name: "Wallet" });
      await panel.getByRole("button", { name: wallet.name }).waitFor();
      expect(await panel.getByText("No browser wallet announced itself").count()).toBe(0);
      await screenshot(page, "wallet-browser");

      // Connecting asks the wallet for its accounts and to move from chain 1 to the app's chain.
      await panel.getByRole("button", { name: wallet.name }).click();
      await page.locator(".wallet-button").filter({ hasText: wallet.name }).waitFor({ timeout: 20_000 });
      await expect(page.locator(".wallet-button").textContent()).resolves.toContain(`${wallet.address.slice(0, 6)}…${wallet.address.slice(-4)}`);
      expect(wallet.requests).toContain("eth_requestAccounts");
      expect(wallet.requests).toContain("wallet_switchEthereumChain");

      // The person moves the wallet to another network in its own menu: the page says so, and
      // offers the switch back.
      await wallet.changeNetwork(page, 1);
      const banner = page.getByRole("alert").filter({ hasText: "Your wallet is on chain 1" });
      await banner.waitFor({ timeout: 20_000 });
      await screenshot(page, "wallet-wrong-network");
      await banner.getByRole("button", { name: /^Switch to / }).click();
      await banner.waitFor({ state: "detached", timeout: 20_000 });

      // Funding signs a permit in the wallet and sends one transaction, both through the provider.
      const pool = (await getDatanet(chain as never, { contracts, datanetId: ids.text })).pool;
      const asked = wallet.requests.length;
      await page.getByLabel("Add to the reward pool (OPEN)").fill("5");
      await page.getByRole("button", { name: "Fund", exact: true }).click();
      await page.getByText(/^Funded: the pool holds [\d,.]+ OPEN\.$/).waitFor({ timeout: 30_000 });
      expect((await getDatanet(chain as never, { contracts, datanetId: ids.text })).pool).toBe(pool + 5n * OPEN);
      const signed = wallet.requests.slice(asked).filter((m) => m === "eth_signTypedData_v4" || m === "eth_sendTransaction");
      expect(signed).toEqual(["eth_signTypedData_v4", "eth_sendTransaction"]);
      expect(await page.locator(".tx-progress a.tx-link").count()).toBe(1);
      expect(await getAllowance(chain as never, { contracts, owner: wallet.address, spender: contracts.Datanets })).toBe(0n);
    } finally {
      await context.close();
    }
  });

  it("no page threw", () => {
    expect(errors).toEqual([]);
  });
});
