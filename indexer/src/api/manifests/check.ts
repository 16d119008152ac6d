// Checking a model's dataset manifest: fetch it from IPFS by the CID the model registered, verify the
// bytes against that CID, parse it (the SDK checks its shape and that its root and total match its
// leaves), compare its root and total with what was registered, and check every leaf by the
// attribution rule the registry enforces: an accepted contribution of the named contributor, weighed
// by its size, in a Datanet the model lists (in the order `ModelRegistry.leafFault` judges it).
import { computeCid } from "@openledger/sdk";
import { parseManifest, type DatasetManifest } from "@openledger/protocol";
import type { Hex } from "viem";

export type LeafCheck = "ok" | "not-accepted" | "unknown-contribution" | "wrong-contributor" | "wrong-weight" | "datanet-not-listed";

export interface KnownContribution {
  status: string;
  contributor: Hex;
  datanetId: number;
  size: number;
}

export interface LeafResult {
  contributionId: Hex;
  contributor: Hex;
  weight: bigint;
  check: LeafCheck;
}

/**
 * `Unavailable`: the manifest could not be fetched (worth trying again). `Valid` and `Flagged` are
 * final for this registration: the bytes were the registered CID's, or were not (`Flagged` with why).
 */
export interface ManifestResult {
  status: "Unavailable" | "Valid" | "Flagged";
  issues: string[];
  leaves: LeafResult[];
}

export interface ManifestToCheck {
  manifestCid: string;
  datasetRoot: Hex;
  totalWeight: bigint;
  datanetIds: readonly number[];
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
  ipfsUrl: string;
  timeoutMs: number;
  manifest: ManifestToCheck;
  lookup: (contributionId: Hex) => Promise<KnownContribution | undefined>;
}): Promise<ManifestResult> {
  const { manifestCid } = args.manifest;
  let bytes: Uint8Array;
  try {
    bytes = await fetchFromIpfs(args.ipfsUrl, manifestCid, args.timeoutMs);
  } catch (error) {
    return { status: "Unavailable", issues: [`could not fetch manifest ${manifestCid}: ${(error as Error).message}`], leaves: [] };
  }
  const actual = (await computeCid(bytes)).toString();
  if (actual !== manifestCid) {
    return { status: "Flagged", issues: [`the bytes served for ${manifestCid} hash to ${actual}: they are not the registered manifest`], leaves: [] };
  }
  let manifest: DatasetManifest;
  try {
    manifest = parseManifest(bytes);
  } catch (error) {
    return { status: "Flagged", issues: [`invalid manifest: ${(error as Error).message}`], leaves: [] };
  }
  const issues = registrationIssues(manifest, args.manifest);
  const leaves: LeafResult[] = [];
  const listed = new Set(args.manifest.datanetIds);
  for (const leaf of manifest.leaves) {
    const id = leaf.contributionId.toLowerCase() as Hex;
    const contributor = leaf.contributor.toLowerCase() as Hex;
    const known = await args.lookup(id);
    const check = leafCheck(known, contributor, BigInt(leaf.weight), listed);
    if (check !== "ok") {
      const recorded = known ? ` (status ${known.status}, contributor ${known.contributor}, Datanet ${known.datanetId}, ${known.size} bytes; the leaf weighs ${leaf.weight})` : "";
      issues.push(`leaf ${id}: ${check}${recorded}`);
    }
    leaves.push({ contributionId: id, contributor, weight: BigInt(leaf.weight), check });
  }
  return { status: issues.length === 0 ? "Valid" : "Flagged", issues, leaves };
}

/** Where the manifest disagrees with what the model registered on chain. */
function registrationIssues(manifest: DatasetManifest, registered: ManifestToCheck): string[] {
  const issues: string[] = [];
  if (manifest.root.toLowerCase() !== registered.datasetRoot.toLowerCase()) {
    issues.push(`manifest root ${manifest.root} is not the registered dataset root ${registered.datasetRoot}`);
  }
  if (BigInt(manifest.totalWeight) !== registered.totalWeight) {
    issues.push(`manifest total weight ${manifest.totalWeight} is not the registered ${registered.totalWeight}`);
  }
  return issues;
}

function leafCheck(known: KnownContribution | undefined, contributor: Hex, weight: bigint, listed: Set<number>): LeafCheck {
  if (!known) return "unknown-contribution";
  if (known.status !== "Accepted") return "not-accepted";
  if (known.contributor.toLowerCase() !== contributor) return "wrong-contributor";
  if (BigInt(known.size) !== weight) return "wrong-weight";
  if (!listed.has(known.datanetId)) return "datanet-not-listed";
  return "ok";
}
