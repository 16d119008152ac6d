// The dataset of a training job: each accepted contribution pulled, verified against its CID,
// converted to examples, and weighed by the attribution rule (its size in bytes, which the registry
// enforces; the tokens it adds are reported beside it). The result is the
// examples, a report with one entry per contribution (used or not, and why), and the manifest whose
// Merkle root the model registers.
import { ATTRIBUTION_WEIGHTING, buildManifest, cidFromOnchain, type DatasetManifest, type ManifestContribution } from "@openledger/protocol";
import { computeCid } from "@openledger/sdk";
import type { ChatMessage, TrainingExample, Tokenizer } from "../node/engine.ts";
import { convertContribution, formatName, type Problem } from "./formats.ts";
import type { AcceptedContribution } from "./indexer.ts";

/** Files fetched concurrently ahead of the one being converted. */
const FETCH_AHEAD = 4;

/** How attribution weight is counted; written into the manifest (the protocol's rule). */
export const WEIGHTING = ATTRIBUTION_WEIGHTING;

export interface ContributionReport {
  contributionId: string;
  datanetId: number;
  contributor: string;
  cid: string;
  format: string;
  size: number;
  /** used: it has a leaf; refused: nothing of it was used. */
  status: "used" | "refused";
  examples: number;
  /** Tokens the model trains on from it: each example counted up to maxSeqLen + 1 tokens (its leaf weighs its size). */
  tokens: number;
  reason?: string;
  /** Parts of the file that were skipped (broken rows), each with its reason. */
  problems: Problem[];
}

export interface BuiltDataset {
  examples: TrainingExample[];
  report: ContributionReport[];
  manifest: DatasetManifest;
}

/** Fetches the bytes of a CID (the caller's IPFS client). */
export type FetchBytes = (cid: string) => Promise<Uint8Array>;

/** The tokens one example feeds the model before truncation: plain text and its end-of-text token, chats through the chat template. */
export function exampleTokens(tokenizer: Tokenizer, example: TrainingExample): number {
  if ("text" in example) return tokenizer.encode(example.text).length + 1;
  return tokenizer.encode(tokenizer.applyChatTemplate(example.messages, false)).length;
}

/**
 * Splits plain text into pieces of at most `budget` tokens at line, then word, then character
 * boundaries, so that a long document is trained on whole rather than cut at the engine's
 * `maxSeqLen`. The pieces concatenate back to the text exactly.
 */
export function chunkText(text: string, count: (s: string) => number, budget: number): string[] {
  const pieces: string[] = [];
  let current = "";
  let currentTokens = 0;
  const flush = () => { if (current) pieces.push(current); current = ""; currentTokens = 0; };
  const add = (segment: string, level: number): void => {
    const n = count(segment);
    if (currentTokens + n <= budget) { current += segment; currentTokens += n; return; }
    flush();
    if (n <= budget) { current = segment; currentTokens = n; return; }
    if (level === 0) { for (const word of segment.split(/(?<=\s)/)) add(word, 1); return; }
    // One word longer than the budget: cut it by characters.
    let rest = segment;
    for (let guard = 0; rest.length > 0 && guard < 1_000_000; guard++) {
      let lo = 1, hi = rest.length;
      while (lo < hi) { const mid = Math.ceil((lo + hi) / 2); if (count(rest.slice(0, mid)) <= budget) lo = mid; else hi = mid - 1; }
      pieces.push(rest.slice(0, lo));
      rest = rest.slice(lo);
    }
  };
  for (const line of text.split(/(?<=\n)/)) add(line, 0);
  flush();
  return pieces;
}

/** Why the engine would learn nothing from a chat at this `maxSeqLen`, or undefined. */
function chatOutOfWindow(tokenizer: Tokenizer, messages: ChatMessage[], maxSeqLen: number): string | undefined {
  const first = messages.findIndex((m) => m.role === "assistant");
  const prefix = tokenizer.encode(tokenizer.applyChatTemplate(messages.slice(0, first), true)).length;
  return prefix >= maxSeqLen ? `the first assistant reply starts after ${prefix} tokens, beyond maxSeqLen ${maxSeqLen}: nothing to learn` : undefined;
}

/**
 * Fits a contribution's examples to the training window: plain text split into windows, chats
 * whose first reply lies beyond the window dropped (reported). Returns the examples and the tokens
 * the model trains on (each example capped at maxSeqLen + 1, as the engine truncates).
 */
export function fitToWindow(tokenizer: Tokenizer, examples: TrainingExample[], maxSeqLen: number): { examples: TrainingExample[]; tokens: number; problems: Problem[] } {
  const out: TrainingExample[] = [];
  const problems: Problem[] = [];
  let tokens = 0;
  const count = (s: string) => tokenizer.encode(s).length;
  for (const [i, example] of examples.entries()) {
    if ("text" in example) {
      for (const piece of chunkText(example.text, count, maxSeqLen)) {
        const piece_ = { text: piece };
        out.push(piece_);
        tokens += Math.min(exampleTokens(tokenizer, piece_), maxSeqLen + 1);
      }
      continue;
    }
    const why = chatOutOfWindow(tokenizer, example.messages, maxSeqLen);
    if (why) { problems.push({ reason: `example ${i + 1}: ${why}` }); continue; }
    out.push(example);
    tokens += Math.min(exampleTokens(tokenizer, example), maxSeqLen + 1);
  }
  return { examples: out, tokens, problems };
}

export class DatasetError extends Error {
  override name = "DatasetError";
  report: ContributionReport[];
  constructor(message: string, report: ContributionReport[]) {
    super(message);
    this.report = report;
  }
}

/**
 * The dataset's fixed order (by Datanet, then contribution id), so that the same accepted set gives
 * the same example order, whatever order the indexer answered in.
 */
export function datasetOrder(a: AcceptedContribution, b: AcceptedContribution): number {
  const x = a.contributionId.toLowerCase(), y = b.contributionId.toLowerCase();
  return a.datanetId - b.datanetId || (x < y ? -1 : x > y ? 1 : 0);
}

export async function buildDataset(args: {
  contributions: AcceptedContribution[];
  fetchBytes: FetchBytes;
  tokenizer: Tokenizer;
  datanetIds: number[];
  block: number;
  /** The training window (TrainingConfig.maxSeqLen): long text is split to it, weights count what fits in it. */
  maxSeqLen: number;
  /** A second opinion on each contribution (the chain's `statusOf`): a reason to refuse it, or undefined. */
  checkAccepted?: (c: AcceptedContribution) => Promise<string | undefined>;
}): Promise<BuiltDataset> {
  const contributions = [...args.contributions].sort(datasetOrder);
  // Fetch a few files at a time ahead of the (sequential, ordered) conversion.
  const fetched = new Map<number, Promise<Uint8Array>>();
  const prefetch = (i: number) => {
    const c = contributions[i];
    if (!c || fetched.has(i)) return;
    const p = args.fetchBytes(cidFromOnchain(c.digest, c.codec).toString());
    p.catch(() => undefined);
    fetched.set(i, p);
  };
  const examples: TrainingExample[] = [];
  const report: ContributionReport[] = [];
  const leaves: ManifestContribution[] = [];
  const seen = new Set<string>();
  for (const [index, c] of contributions.entries()) {
    for (let k = index; k < index + FETCH_AHEAD; k++) prefetch(k);
    const cid = cidFromOnchain(c.digest, c.codec).toString();
    const entry: ContributionReport = {
      contributionId: c.contributionId, datanetId: c.datanetId, contributor: c.contributor, cid,
      format: formatName(c.format) ?? String(c.format), size: c.size, status: "refused", examples: 0, tokens: 0, problems: [],
    };
    report.push(entry);
    const pending = fetched.get(index);
    fetched.delete(index);
    if (seen.has(c.contributionId.toLowerCase())) { entry.reason = "listed twice by the indexer; counted once"; continue; }
    seen.add(c.contributionId.toLowerCase());
    const objection = args.checkAccepted ? await args.checkAccepted(c) : undefined;
    if (objection) { entry.reason = objection; continue; }
    let bytes: Uint8Array;
    try {
      bytes = await (pending ?? args.fetchBytes(cid));
    } catch (error) {
      entry.reason = `could not be fetched from IPFS: ${(error as Error).message}`;
      continue;
    }
    const actual = (await computeCid(bytes)).toString();
    if (actual !== cid) { entry.reason = `the bytes fetched do not match the CID: they hash to ${actual}`; continue; }
    if (bytes.length !== c.size) { entry.reason = `the file has ${bytes.length} bytes, the chain records ${c.size}`; continue; }
    const conversion = convertContribution(bytes, c.format);
    entry.problems = conversion.problems;
    if (conversion.refused) { entry.reason = conversion.refused; continue; }
    const fitted = fitToWindow(args.tokenizer, conversion.examples, args.maxSeqLen);
    entry.problems = [...conversion.problems, ...fitted.problems];
    const tokens = fitted.tokens;
    if (fitted.examples.length === 0 || tokens === 0) { entry.reason = "none of its examples has anything to learn within maxSeqLen"; continue; }
    examples.push(...fitted.examples);
    entry.status = "used";
    entry.examples = fitted.examples.length;
    entry.tokens = tokens;
    leaves.push({ contributionId: c.contributionId, contributor: c.contributor, size: c.size, datanetId: c.datanetId });
  }
  if (leaves.length === 0) {
    const why = report.length === 0 ? "the indexer lists no accepted contribution for these Datanets up to this block" : "no accepted contribution could be used (see the report)";
    throw new DatasetError(`the dataset is empty: ${why}`, report);
  }
  const manifest = buildManifest({ datanetIds: args.datanetIds, contributions: leaves, block: args.block });
  return { examples, report, manifest };
}

/** What a job records about its dataset (state.json, the API). */
export interface DatasetSummary {
  block: number;
  examples: number;
  contributionsUsed: number;
  contributionsRefused: number;
  totalWeight: string;
  root: `0x${string}`;
  refused: { contributionId: string; reason: string }[];
}

export function summarizeDataset(built: { examples: number; report: ContributionReport[]; manifest: DatasetManifest }, block: number): DatasetSummary {
  const refused = built.report.filter((r) => r.status === "refused");
  return {
    block, examples: built.examples, contributionsUsed: built.manifest.leaves.length, contributionsRefused: refused.length,
    totalWeight: built.manifest.totalWeight, root: built.manifest.root, refused: refused.map((r) => ({ contributionId: r.contributionId, reason: r.reason ?? "" })),
  };
}
