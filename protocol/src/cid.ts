// The one CID profile of the protocol, and the conversion between a CID and what the chain stores.
//
// Profile (IPIP-499 `unixfs-v1-2025`, spelled out so that no library default can change it):
// CIDv1, sha2-256, raw leaves, fixed-size chunks of 1 MiB, balanced DAG of at most 1,024 links per
// node, a single-chunk file reduced to its raw leaf. Kubo gives the same CIDs with
// `ipfs add --cid-version=1 --raw-leaves --chunker=size-1048576 --hash=sha2-256` (or its
// `unixfs-v1-2025` profile); Helia with these importer options does too (the SDK's `unixfsProfile`).
//
// On chain a CID is its codec (raw for a one-chunk file, dag-pb for a chunked file's root) and its
// 32-byte sha2-256 digest; `cidFromOnchain` rebuilds the CID string from the two.
import { CID } from "multiformats/cid";
import * as Digest from "multiformats/hashes/digest";
import { bytesToHex, hexToBytes, type Hex } from "viem";
import { CidCodec } from "./generated/constants.ts";

/** The profile's name (IPIP-499). */
export const CID_PROFILE = "unixfs-v1-2025";
/** Multicodec codes of the two codecs a file's CID can have. */
export const RAW_CODE = 0x55;
export const DAG_PB_CODE = 0x70;
/** Multihash code of sha2-256. */
export const SHA2_256_CODE = 0x12;
/** The fixed chunk size: 1 MiB. */
export const CHUNK_SIZE = 1_048_576;
/** The most links in one node of the balanced DAG. */
export const MAX_CHILDREN_PER_NODE = 1_024;

/** The profile as Kubo RPC `/api/v0/add` query parameters, for adding through a real Kubo node. */
export const KUBO_ADD_PARAMS = {
  "cid-version": "1",
  "raw-leaves": "true",
  chunker: `size-${CHUNK_SIZE}`,
  hash: "sha2-256",
} as const;

/** What the chain stores of a CID. */
export interface OnchainCid {
  digest: Hex;
  codec: CidCodec;
}

/** Splits a CID into the codec and digest the contracts store; refuses CIDs outside the profile. */
export function toOnchainCid(cid: CID | string): OnchainCid {
  const parsed = typeof cid === "string" ? CID.parse(cid) : cid;
  if (parsed.version !== 1) throw new Error(`CID ${parsed} is CIDv0; the protocol stores CIDv1 only`);
  if (parsed.multihash.code !== SHA2_256_CODE || parsed.multihash.digest.length !== 32) {
    throw new Error(`CID ${parsed} is not hashed with sha2-256; the protocol stores sha2-256 CIDs only`);
  }
  let codec: CidCodec;
  if (parsed.code === RAW_CODE) codec = CidCodec.Raw;
  else if (parsed.code === DAG_PB_CODE) codec = CidCodec.DagPb;
  else throw new Error(`CID ${parsed} has codec 0x${parsed.code.toString(16)}; only raw and dag-pb are stored`);
  return { digest: bytesToHex(parsed.multihash.digest), codec };
}

/** Rebuilds the CIDv1 (base32 string form via `.toString()`) from what the chain stores. */
export function cidFromOnchain(digest: Hex, codec: number): CID {
  const code = codec === CidCodec.Raw ? RAW_CODE : codec === CidCodec.DagPb ? DAG_PB_CODE : undefined;
  if (code === undefined) throw new Error(`unknown on-chain CID codec ${codec}`);
  return CID.createV1(code, Digest.create(SHA2_256_CODE, hexToBytes(digest)));
}

export { CID };
