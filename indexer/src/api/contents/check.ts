// What the indexer can see of a contribution's content without downloading the file: its root
// block, fetched from IPFS and verified against the CID. A raw CID's block is the whole file, so its
// length is the file's size; a dag-pb root (files over one chunk) states the file's size in its
// UnixFS data. The chain takes the declared size on trust; this is the indexer's flag when the bytes
// say otherwise. (The leaves under a dag-pb root are not walked: the validators, who download and
// verify the whole file, check that the root's statement holds.)
import * as dagPb from "@ipld/dag-pb";
import { UnixFS } from "ipfs-unixfs";
import { cidFromOnchain, CidCodec } from "@openledger/protocol";
import { sha256 } from "multiformats/hashes/sha2";
import { bytesToHex, type Hex } from "viem";

/** A root block is one chunk of the CID profile at most, plus its dag-pb framing. */
const MAX_ROOT_BYTES = 2 * 1024 * 1024;

/**
 * `Sized`: the root block was fetched and verified, and says the file has `storedSize` bytes.
 * `Unreadable`: it was verified but is not a UnixFS file root, so it states no size (final).
 * `Unavailable`: it could not be fetched, or the node answered other bytes (worth trying again).
 */
export interface ContentResult {
  status: "Sized" | "Unreadable" | "Unavailable";
  storedSize: number | null;
  issue: string | null;
}

export async function checkContent(args: { ipfsUrl: string; timeoutMs: number; digest: Hex; codec: number }): Promise<ContentResult> {
  const cid = cidFromOnchain(args.digest, args.codec).toString();
  let block: Uint8Array;
  try {
    const response = await fetch(`${args.ipfsUrl.replace(/\/$/, "")}/api/v0/block/get?arg=${encodeURIComponent(cid)}`, { method: "POST", signal: AbortSignal.timeout(args.timeoutMs) });
    if (!response.ok) throw new Error(`IPFS answered ${response.status}: ${(await response.text()).slice(0, 200)}`);
    block = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return { status: "Unavailable", storedSize: null, issue: `could not fetch the root block of ${cid}: ${(error as Error).message}` };
  }
  if (block.length > MAX_ROOT_BYTES) return { status: "Unavailable", storedSize: null, issue: `IPFS answered ${block.length} bytes for the root block of ${cid}, over ${MAX_ROOT_BYTES}` };
  const hash = bytesToHex((await sha256.digest(block)).digest);
  if (hash !== args.digest.toLowerCase()) return { status: "Unavailable", storedSize: null, issue: `IPFS answered bytes that hash to ${hash}, not ${cid}'s digest` };
  if (args.codec === CidCodec.Raw) return { status: "Sized", storedSize: block.length, issue: null };
  try {
    const node = dagPb.decode(block);
    if (!node.Data) throw new Error("the dag-pb node has no UnixFS data");
    const unixfs = UnixFS.unmarshal(node.Data);
    if (unixfs.type !== "file" && unixfs.type !== "raw") throw new Error(`the root is a UnixFS ${unixfs.type}, not a file`);
    return { status: "Sized", storedSize: Number(unixfs.fileSize()), issue: null };
  } catch (error) {
    return { status: "Unreadable", storedSize: null, issue: `the root block of ${cid} states no file size: ${(error as Error).message}` };
  }
}
