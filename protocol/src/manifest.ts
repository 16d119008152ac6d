// The dataset manifest of a model: the leaves `(contributionId, contributor, weight)` of the
// accepted contributions it was trained on, and their Merkle root exactly as ModelRegistry verifies
// it (OpenZeppelin standard leaves `keccak256(bytes.concat(keccak256(abi.encode(id, contributor,
// weight))))`, sorted pairs). The root is that of `StandardMerkleTree.of(leaves, LEAF_ENCODING)`
// with its default options (leaves sorted by hash), so it does not depend on the order in which a
// manifest lists its leaves.
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { getAddress, isAddress, isHex, type Address, type Hex } from "viem";

export const LEAF_ENCODING = ["bytes32", "address", "uint256"] as const;
export const MANIFEST_VERSION = 1;

/**
 * The attribution rule's weighting, which ModelRegistry enforces (`leafFault`, `challengeLeaf`): a
 * leaf weighs its contribution's size in bytes, as accepted on chain. Bytes, because the size is the
 * one measure of a contribution the chain records and the review checks (validators verify the
 * downloaded bytes against it); tokens would depend on a tokenizer the chain cannot run.
 */
export const ATTRIBUTION_WEIGHTING = "accepted-bytes";

export interface ManifestLeaf {
  contributionId: Hex;
  contributor: Address;
  /** Attribution weight: the contribution's size in bytes (`ATTRIBUTION_WEIGHTING`), a decimal string. */
  weight: string;
}

/** What a trainer publishes on IPFS beside the model (JSON, UTF-8). */
export interface DatasetManifest {
  version: typeof MANIFEST_VERSION;
  /** The Datanets the data came from. */
  datanetIds: number[];
  /** The indexer block the accepted set was read at (a run is reproducible from it). */
  block?: number;
  /** How weights were counted: always `ATTRIBUTION_WEIGHTING`. */
  weighting: typeof ATTRIBUTION_WEIGHTING;
  leaves: ManifestLeaf[];
  /** The Merkle root and total weight the model registers. */
  root: Hex;
  totalWeight: string;
}

export class ManifestError extends Error {
  override name = "ManifestError";
}

function tree(leaves: ManifestLeaf[]) {
  return StandardMerkleTree.of(
    leaves.map((l) => [l.contributionId, l.contributor, BigInt(l.weight)]),
    [...LEAF_ENCODING],
  );
}

/** The Merkle root and total weight of a set of leaves. */
export function datasetRoot(leaves: ManifestLeaf[]): { root: Hex; totalWeight: bigint } {
  if (leaves.length === 0) throw new ManifestError("a dataset needs at least one leaf");
  const totalWeight = leaves.reduce((sum, l) => sum + BigInt(l.weight), 0n);
  return { root: tree(leaves).root as Hex, totalWeight };
}

/** An accepted contribution as a manifest takes it: the weight is derived from `size`, never given. */
export interface ManifestContribution {
  contributionId: Hex;
  contributor: Address;
  /** Its size in bytes as the chain records it (what the review accepted). */
  size: number | bigint;
  /** Where it was submitted: must be one of the manifest's Datanets. */
  datanetId: number;
}

/**
 * Builds a manifest by the attribution rule: each leaf weighs its contribution's size, and every
 * contribution comes from a listed Datanet. Refuses duplicates, empty sizes and unlisted Datanets,
 * so a manifest built here can never be proven wrong by a challenge on those grounds.
 */
export function buildManifest(args: {
  datanetIds: number[];
  contributions: ManifestContribution[];
  block?: number;
}): DatasetManifest {
  const seen = new Set<string>();
  const listed = new Set(args.datanetIds);
  const leaves = args.contributions.map((c) => {
    const id = c.contributionId.toLowerCase();
    if (seen.has(id)) throw new ManifestError(`contribution ${c.contributionId} appears twice in the manifest`);
    seen.add(id);
    if (BigInt(c.size) <= 0n) throw new ManifestError(`contribution ${c.contributionId} has size ${c.size}; a leaf weighs its size, which must be positive`);
    if (!listed.has(c.datanetId)) {
      throw new ManifestError(`contribution ${c.contributionId} is from Datanet ${c.datanetId}, which the manifest does not list (${args.datanetIds.join(", ")})`);
    }
    return { contributionId: c.contributionId, contributor: getAddress(c.contributor), weight: BigInt(c.size).toString() };
  });
  const { root, totalWeight } = datasetRoot(leaves);
  return {
    version: MANIFEST_VERSION,
    datanetIds: [...args.datanetIds],
    ...(args.block === undefined ? {} : { block: args.block }),
    weighting: ATTRIBUTION_WEIGHTING,
    leaves,
    root,
    totalWeight: totalWeight.toString(),
  };
}

/** Parses manifest JSON bytes and checks its shape and that its root and total match its leaves. */
export function parseManifest(bytes: Uint8Array | string): DatasetManifest {
  let data: unknown;
  try {
    data = JSON.parse(typeof bytes === "string" ? bytes : new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (error) {
    throw new ManifestError(`the manifest is not valid UTF-8 JSON: ${(error as Error).message}`);
  }
  const m = data as Partial<DatasetManifest>;
  if (m.version !== MANIFEST_VERSION) throw new ManifestError(`manifest version ${String(m.version)} is not ${MANIFEST_VERSION}`);
  if (m.weighting !== ATTRIBUTION_WEIGHTING) {
    throw new ManifestError(`the manifest's weighting is ${JSON.stringify(m.weighting)}; the protocol weighs each leaf by its contribution's size ("${ATTRIBUTION_WEIGHTING}")`);
  }
  if (!Array.isArray(m.leaves) || m.leaves.length === 0) throw new ManifestError("the manifest lists no leaves");
  for (const [i, l] of m.leaves.entries()) {
    if (!isHex(l?.contributionId) || l.contributionId.length !== 66) throw new ManifestError(`leaf ${i}: contributionId is not a bytes32`);
    if (!isAddress(l.contributor)) throw new ManifestError(`leaf ${i}: contributor is not an address`);
    if (typeof l.weight !== "string" || !/^[0-9]+$/.test(l.weight)) throw new ManifestError(`leaf ${i}: weight is not a decimal string`);
  }
  const { root, totalWeight } = datasetRoot(m.leaves);
  if (typeof m.root !== "string" || m.root.toLowerCase() !== root.toLowerCase()) {
    throw new ManifestError(`the manifest's root ${String(m.root)} is not the root of its leaves (${root})`);
  }
  if (m.totalWeight !== totalWeight.toString()) {
    throw new ManifestError(`the manifest's total weight ${String(m.totalWeight)} is not the sum of its leaves (${totalWeight})`);
  }
  return m as DatasetManifest;
}

/** The Merkle proof of one leaf, for `claimAttribution`. */
export function leafProof(manifest: DatasetManifest, contributionId: Hex): { leaf: ManifestLeaf; proof: Hex[] } {
  const t = tree(manifest.leaves);
  for (const [i, value] of t.entries()) {
    if ((value[0] as string).toLowerCase() === contributionId.toLowerCase()) {
      return { leaf: manifest.leaves.find((l) => l.contributionId.toLowerCase() === contributionId.toLowerCase())!, proof: t.getProof(i) as Hex[] };
    }
  }
  throw new ManifestError(`contribution ${contributionId} is not in the manifest`);
}
