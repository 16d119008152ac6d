// CID computation with the protocol's profile (the profile itself, and the conversion between a
// CID and what the chain stores, live in @openledger/protocol and are re-exported here).
import { importBytes, importByteStream, type ImporterOptions } from "ipfs-unixfs-importer";
import { fixedSize } from "ipfs-unixfs-importer/chunker";
import { balanced } from "ipfs-unixfs-importer/layout";
import { CHUNK_SIZE, CID, CID_PROFILE, MAX_CHILDREN_PER_NODE } from "@openledger/protocol";
import { sha256 } from "multiformats/hashes/sha2";
import { bytesToHex, type Hex } from "viem";

export {
  CHUNK_SIZE,
  CID,
  CID_PROFILE,
  CidCodec,
  cidFromOnchain,
  DAG_PB_CODE,
  KUBO_ADD_PARAMS,
  MAX_CHILDREN_PER_NODE,
  RAW_CODE,
  SHA2_256_CODE,
  toOnchainCid,
  type OnchainCid,
} from "@openledger/protocol";

/** Importer options of the protocol's CID profile; every adder (SDK, embedded node) uses exactly these. */
export function unixfsProfile(): ImporterOptions {
  return {
    profile: CID_PROFILE,
    cidVersion: 1,
    rawLeaves: true,
    reduceSingleLeafToSelf: true,
    chunker: fixedSize({ chunkSize: CHUNK_SIZE }),
    layout: balanced({ maxChildrenPerNode: MAX_CHILDREN_PER_NODE }),
  };
}

/** A blockstore that keeps nothing: computing a CID needs no storage. */
const nullBlockstore = {
  async put(cid: CID): Promise<CID> {
    return cid;
  },
};

/** The CID of `bytes` under the protocol's profile, computed locally (nothing is stored or sent). */
export async function computeCid(bytes: Uint8Array | AsyncIterable<Uint8Array>): Promise<CID> {
  const result =
    bytes instanceof Uint8Array
      ? await importBytes(bytes, nullBlockstore, unixfsProfile())
      : await importByteStream(bytes, nullBlockstore, unixfsProfile());
  return result.cid;
}

/** sha2-256 of bytes (the digest of a raw-leaf CID, and the artifact hash models register). */
export async function sha256Hex(bytes: Uint8Array): Promise<Hex> {
  return bytesToHex(await sha256.encode(bytes));
}
