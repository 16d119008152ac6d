// Checking a model's dataset manifest: fetch it from IPFS by the CID the model registered, verify the
// bytes against that CID, parse it (the SDK checks its shape and that its root and total match its
// leaves), compare its root and total with what was registered, and check every leaf names an
// accepted contribution of the named contributor in a Datanet the model lists.
import { computeCid } from "@openledger/sdk";
import { parseManifest, type DatasetManifest } from "@openledger/protocol";
import type { Hex } from "viem";

export type LeafCheck = "ok" | "not-accepted" | "unknown-contribution" | "wrong-contributor" | "datanet-not-listed";

export interface KnownContribution {
  status: string;
  contributor: Hex;
  datanetId: number;
}

export interface ManifestResult {
  status: "Unchecked" | "Unavailable" | "Valid" | "Flagged";
  issues: string[];
  leaves: { contributionId: Hex; contributor: Hex; weight: bigint; check: LeafCheck }[];
}

/** Fetches bytes through the Kubo RPC (`POST /api/v0/cat`), with a timeout and a size cap. */
export async function fetchFromIpfs(ipfsUrl: string, cid: string, timeoutMs: number, maxBytes = 64 * 1024 * 1024): Promise<Uint8Array> {
  const url = `${ipfsUrl.replace(/\/$/, "")}/api/v0/cat?arg=${encodeURIComponent(cid)}`;
  const response = await fetch(url, { method: "POST", signal: AbortSignal.timeout(timeoutMs) });
  if (!response.ok) throw new Error(`IPFS answered ${response.status} for ${cid}: ${(await response.text()).slice(0, 200)}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > maxBytes) throw new Error(`manifest ${cid} is ${bytes.length} bytes, over the ${maxBytes}-byte cap`);
  return bytes;
}

export async function checkManifest(args: {
  ipfsUrl: string | undefined;
  timeoutMs: number;
  manifestCid: string;
  datasetRoot: Hex;
  totalWeight: bigint;
  datanetIds: readonly number[];
  lookup: (contributionId: Hex) => Promise<KnownContribution | undefined>;
}): Promise<ManifestResult> {
  if (!args.ipfsUrl) return { status: "Unchecked", issues: ["no IPFS_URL configured; the manifest was not fetched"], leaves: [] };
  let bytes: Uint8Array;
  try {
    bytes = await fetchFromIpfs(args.ipfsUrl, args.manifestCid, args.timeoutMs);
  } catch (error) {
    return { status: "Unavailable", issues: [`could not fetch manifest ${args.manifestCid}: ${(error as Error).message}`], leaves: [] };
  }
  const actual = (await computeCid(bytes)).toString();
  if (actual !== args.manifestCid) {
    return { status: "Flagged", issues: [`the bytes served for ${args.manifestCid} hash to ${actual}`], leaves: [] };
  }
  let manifest: DatasetManifest;
  try {
    manifest = parseManifest(bytes);
  } catch (error) {
    return { status: "Flagged", issues: [`invalid manifest: ${(error as Error).message}`], leaves: [] };
  }
  const issues: string[] = [];
  if (manifest.root.toLowerCase() !== args.datasetRoot.toLowerCase()) {
    issues.push(`manifest root ${manifest.root} is not the registered dataset root ${args.datasetRoot}`);
  }
  if (BigInt(manifest.totalWeight) !== args.totalWeight) {
    issues.push(`manifest total weight ${manifest.totalWeight} is not the registered ${args.totalWeight}`);
  }
  const leaves: ManifestResult["leaves"] = [];
  const listed = new Set(args.datanetIds);
  for (const leaf of manifest.leaves) {
    const id = leaf.contributionId.toLowerCase() as Hex;
    const contributor = leaf.contributor.toLowerCase() as Hex;
    const known = await args.lookup(id);
    let check: LeafCheck = "ok";
    if (!known) check = "unknown-contribution";
    else if (known.status !== "Accepted") check = "not-accepted";
    else if (known.contributor.toLowerCase() !== contributor) check = "wrong-contributor";
    else if (!listed.has(known.datanetId)) check = "datanet-not-listed";
    if (check !== "ok") issues.push(`leaf ${id}: ${check}${known ? ` (status ${known.status}, contributor ${known.contributor}, Datanet ${known.datanetId})` : ""}`);
    leaves.push({ contributionId: id, contributor, weight: BigInt(leaf.weight), check });
  }
  return { status: issues.length === 0 ? "Valid" : "Flagged", issues, leaves };
}
