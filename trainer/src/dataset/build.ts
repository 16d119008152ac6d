// The dataset of a training job: each accepted contribution pulled, verified against its CID,
// converted to examples, and weighed by the tokens it adds to the training set. The result is the
// examples, a report with one entry per contribution (used or not, and why), and the manifest whose
// Merkle root the model registers.
import { buildManifest, type DatasetManifest, type ManifestLeaf } from "../../../sdk/src/manifest.ts";
import { cidFromOnchain, computeCid } from "../../../sdk/src/cid.ts";
import type { TrainingExample, Tokenizer } from "../node/engine.ts";
import { convertContribution, formatName, type Problem } from "./formats.ts";
import type { AcceptedContribution } from "./indexer.ts";

/** Files fetched concurrently ahead of the one being converted. */
const FETCH_AHEAD = 4;

/** How attribution weight is counted; written into the manifest. */
export const WEIGHTING = "tokens";

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
  /** Tokens it contributes (its leaf weight). */
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

/** The tokens one example feeds the model: plain text as is, chats through the chat template. */
export function exampleTokens(tokenizer: Tokenizer, example: TrainingExample): number {
  const text = "text" in example ? example.text : tokenizer.applyChatTemplate(example.messages, false);
  return tokenizer.encode(text).length;
}

export class DatasetError extends Error {
  override name = "DatasetError";
  report: ContributionReport[];
  constructor(message: string, report: ContributionReport[]) {
    super(message);
    this.report = report;
  }
}

export async function buildDataset(args: {
  contributions: AcceptedContribution[];
  fetchBytes: FetchBytes;
  tokenizer: Tokenizer;
  datanetIds: number[];
  block: number;
  /** A second opinion on each contribution (the chain's `statusOf`): a reason to refuse it, or undefined. */
  checkAccepted?: (c: AcceptedContribution) => Promise<string | undefined>;
}): Promise<BuiltDataset> {
  // A fixed order (by Datanet, then contribution id) so that the same accepted set gives the same
  // example order, whatever order the indexer answered in.
  const contributions = [...args.contributions].sort((a, b) =>
    a.datanetId - b.datanetId || (a.contributionId.toLowerCase() < b.contributionId.toLowerCase() ? -1 : a.contributionId.toLowerCase() > b.contributionId.toLowerCase() ? 1 : 0),
  );
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
  const leaves: ManifestLeaf[] = [];
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
    let tokens = 0;
    for (const example of conversion.examples) tokens += exampleTokens(args.tokenizer, example);
    if (tokens === 0) { entry.reason = "its examples hold no tokens"; continue; }
    examples.push(...conversion.examples);
    entry.status = "used";
    entry.examples = conversion.examples.length;
    entry.tokens = tokens;
    leaves.push({ contributionId: c.contributionId, contributor: c.contributor, weight: String(tokens) });
  }
  if (leaves.length === 0) {
    const why = report.length === 0 ? "the indexer lists no accepted contribution for these Datanets up to this block" : "no accepted contribution could be used (see the report)";
    throw new DatasetError(`the dataset is empty: ${why}`, report);
  }
  const manifest = buildManifest({ datanetIds: args.datanetIds, leaves, weighting: WEIGHTING, block: args.block });
  return { examples, report, manifest };
}
