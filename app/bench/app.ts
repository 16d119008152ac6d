// npm run bench:app: the app in Chromium against the local stack (started here on free ports, or
// APP_E2E_STACK="rpc,ipfs,indexer,trainer" to use a running one). Prints, asserts nothing:
//   1. JavaScript for the first screen (gzip -9 of every script loaded), at first render and once the
//      Datanet names have loaded from IPFS;
//   2. navigation → first Datanet list rendered, median of 10 (warm cache, and a fresh profile);
//   3. a Datanet with 10,000 contributions: time to its first rows, the rows in the page, the rows
//      loaded from GraphQL (paged), and what one scroll to the bottom loads.
import { gzipSync } from "node:zlib";
import { createDatanet, createIpfsClient, Modality, submitFiles, type FileRef, type ProtocolContracts } from "@openledger/sdk";
import type { Page } from "playwright-core";
import { datanetsAbi, type Governance } from "@openledger/protocol";
import { governDev } from "@openledger/protocol/deploy";
import { createPublicClient, createWalletClient, encodeFunctionData, http, publicActions, toHex, type Hex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { hardhat } from "viem/chains";
import { externalStack, launch, startApp, startStack } from "../e2e/harness.ts";

const CONTRIBUTIONS = Number(process.env.APP_BENCH_CONTRIBUTIONS ?? 10_000);
const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;

async function scriptsLoaded(page: Page, url: string, until: (page: Page) => Promise<void>): Promise<{ first: number; all: number; files: number; largest: string }> {
  const sizes = new Map<string, number>();
  page.on("response", async (res) => {
    if (res.request().resourceType() !== "script") return;
    try {
      sizes.set(res.url(), gzipSync(await res.body(), { level: 9 }).length);
    } catch {
      // a response without a body
    }
  });
  await page.goto(url);
  await page.getByTestId("datanet-list").locator("tbody tr").first().waitFor({ timeout: 60_000 });
  await page.waitForTimeout(300);
  const first = [...sizes.values()].reduce((a, b) => a + b, 0);
  await until(page);
  await page.waitForLoadState("networkidle");
  const largest = [...sizes]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6)
    .map(([url, size]) => `${new URL(url).pathname.split("/").pop()} ${kb(size)}`)
    .join(", ");
  return { first, all: [...sizes.values()].reduce((a, b) => a + b, 0), files: sizes.size, largest };
}

async function timeToList(page: Page, url: string): Promise<number> {
  await page.goto(url, { waitUntil: "commit" });
  await page.getByTestId("datanet-list").locator("tbody tr").first().waitFor({ timeout: 60_000 });
  return page.evaluate(() => performance.now());
}

async function main(): Promise<void> {
  const stack = externalStack() ?? (await startStack());
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  try {
    app = await startApp(stack);
    browser = await launch();
    const { contracts, governance } = (await (await fetch(`${app.url}/config.json`)).json()) as { contracts: ProtocolContracts; governance: Governance };
    const key = (i: number) => toHex(mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }).getHdKey().privateKey!);
    const wallet = (i: number) => createWalletClient({ account: mnemonicToAccount(HARDHAT_MNEMONIC, { addressIndex: i }), chain: { ...hardhat, rpcUrls: { default: { http: [stack.rpc] } } }, transport: http(stack.rpc) }).extend(publicActions);
    void key;
    const ipfs = createIpfsClient(stack.ipfs);
    const metadata = await ipfs.add(new TextEncoder().encode(JSON.stringify({ name: "Benchmark: 10,000 contributions", description: "", license: "CC0-1.0" })));

    // The Datanet list needs at least one Datanet.
    const owner = wallet(1);
    await createDatanet(owner, { contracts, modality: Modality.Text, formats: [0], metadata });

    // 1. JavaScript for the first screen.
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const js = await scriptsLoaded(page, `${app.url}/`, async (p) => {
      await p.getByTestId("datanet-list").getByText("Benchmark").first().waitFor({ timeout: 30_000 });
    });
    console.log(`first screen JavaScript (gzip -9): ${kb(js.first)} at first render; ${kb(js.all)} in ${js.files} files once the Datanet names are loaded from IPFS (target ≤ 300 KB)`);
    console.log(`  largest: ${js.largest}`);

    // 2. Navigation → first Datanet list rendered.
    const warm: number[] = [];
    for (let i = 0; i < 10; i++) warm.push(await timeToList(page, `${app.url}/`));
    const cold: number[] = [];
    for (let i = 0; i < 10; i++) {
      const fresh = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      cold.push(await timeToList(await fresh.newPage(), `${app.url}/`));
      await fresh.close();
    }
    console.log(`navigation → first Datanet list rendered, median of 10: ${median(warm).toFixed(0)} ms (warm cache), ${median(cold).toFixed(0)} ms (fresh profile) (target ≤ 1000 ms)`);

    // 3. A Datanet with 10,000 contributions.
    const admin = wallet(0);
    const client = createPublicClient({ transport: http(stack.rpc) });
    const data = encodeFunctionData({ abi: datanetsAbi, functionName: "setProtocolLimits", args: [10 * 1024 * 1024, 4_000_000_000, 65_535, 500] });
    await governDev(admin as never, client as never, governance, { target: contracts.Datanets, data });
    const created = await createDatanet(owner, {
      contracts,
      modality: Modality.Text,
      formats: [0],
      metadata,
      limits: { dailyFiles: 65_535, dailyBytes: 4_000_000_000 },
      rules: { commitWindow: 3_600, revealWindow: 3_600 },
    });
    const big = created.result.datanetId;
    const contributor = wallet(7);
    const started = Date.now();
    for (let done = 0; done < CONTRIBUTIONS; done += 256) {
      const files: FileRef[] = Array.from({ length: Math.min(256, CONTRIBUTIONS - done) }, (_, i) => ({
        digest: toHex(crypto.getRandomValues(new Uint8Array(32))) as Hex,
        codec: 0,
        format: 0,
        size: 100 + ((done + i) % 900),
      }));
      await submitFiles(contributor, { contracts, datanetId: big, files });
    }
    console.log(`  (submitted ${CONTRIBUTIONS} contributions in ${((Date.now() - started) / 1000).toFixed(0)} s; waiting for the indexer)`);
    for (;;) {
      const res = await fetch(`${stack.indexer}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: `{ datanet(id: ${big}) { submissions } }` }) });
      const body = (await res.json()) as { data?: { datanet: { submissions: number } | null } };
      if ((body.data?.datanet?.submissions ?? 0) >= CONTRIBUTIONS) break;
      await new Promise((r) => setTimeout(r, 1_000));
    }
    const firstRows: number[] = [];
    let rowsInPage = 0;
    let loadedText = "";
    for (let i = 0; i < 5; i++) {
      await page.goto(`${app.url}/datanets/${big}`, { waitUntil: "commit" });
      await page.getByTestId("contribution-list").locator(".contribution-row").first().waitFor({ timeout: 60_000 });
      firstRows.push(await page.evaluate(() => performance.now()));
      rowsInPage = await page.locator(".contribution-row").count();
      loadedText = (await page.getByTestId("contribution-count").textContent()) ?? "";
    }
    const list = page.getByTestId("contribution-list");
    await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await page.waitForTimeout(1_500);
    const afterScroll = (await page.getByTestId("contribution-count").textContent()) ?? "";
    console.log(`Datanet with ${CONTRIBUTIONS.toLocaleString("en-US")} contributions: first rows in ${median(firstRows).toFixed(0)} ms (median of 5; target ≤ 1000 ms); ${rowsInPage} rows in the page; "${loadedText}"; after one scroll to the bottom: "${afterScroll}"`);
  } finally {
    // Whatever failed (Chromium missing, say), the stack this run started is stopped.
    await browser?.close();
    await app?.stop();
    await stack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(`✖ ${error instanceof Error ? ((error as { shortMessage?: string }).shortMessage ?? error.message) : String(error)}`);
  process.exit(1);
});
