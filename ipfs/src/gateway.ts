// A trustless gateway (`GET|HEAD /ipfs/<cid>`), after the IPFS Trustless Gateway specification.
//
// The response format is chosen by the Accept header (or `?format=raw|car`):
// - application/vnd.ipld.raw: the one block, as stored (the client hashes it against the CID);
// - application/vnd.ipld.car: a CARv1 holding every block of the DAG, depth first, no duplicates;
// - otherwise: the file's bytes (deserialised UnixFS), a convenience for browsers and curl; a client
//   that does not trust this node asks for raw or CAR and verifies (the SDK does).
// Every block is hashed again as it is read, so nothing is served that does not match its CID.
import type { IncomingMessage, ServerResponse } from "node:http";
import { CarWriter } from "@ipld/car/writer";
import type { CID } from "multiformats/cid";
import { BadRequestError, BlockNotFoundError, IpfsNodeError } from "./errors.ts";
import { describeError, sendTextError, writeChunks } from "./http.ts";
import { parseCidArg, type IpfsNode } from "./node.ts";

export const RAW_CONTENT_TYPE = "application/vnd.ipld.raw";
export const CAR_CONTENT_TYPE = "application/vnd.ipld.car";
/** The CAR variant served: version 1, depth-first block order, each block once. */
export const CAR_RESPONSE_TYPE = `${CAR_CONTENT_TYPE}; version=1; order=dfs; dups=n`;

/** Content addressed responses never change. */
const IMMUTABLE = "public, max-age=29030400, immutable";

type Format = "raw" | "car" | "file";

interface MediaRange {
  type: string;
  params: Map<string, string>;
  q: number;
}

function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined) return [];
  return header
    .split(",")
    .map((item) => {
      const [type = "", ...rest] = item.split(";").map((s) => s.trim());
      const params = new Map<string, string>();
      for (const p of rest) {
        const eq = p.indexOf("=");
        if (eq > 0) params.set(p.slice(0, eq).trim().toLowerCase(), p.slice(eq + 1).trim().replace(/^"|"$/g, ""));
      }
      const q = params.has("q") ? Number(params.get("q")) : 1;
      return { type: type.toLowerCase(), params, q: Number.isFinite(q) ? q : 0 };
    })
    .filter((range) => range.type.length > 0 && range.q > 0)
    .sort((a, b) => b.q - a.q);
}

/** The format a request wants; refuses CAR variants this gateway does not produce. */
export function chooseFormat(accept: string | undefined, formatParam: string | null): Format {
  if (formatParam !== null) {
    if (formatParam === "raw" || formatParam === "car") return formatParam;
    throw new BadRequestError(`format=${JSON.stringify(formatParam)} is not supported; use raw or car (or leave it out for the file)`);
  }
  for (const range of parseAccept(accept)) {
    if (range.type === RAW_CONTENT_TYPE) return "raw";
    if (range.type === CAR_CONTENT_TYPE) {
      const version = range.params.get("version");
      if (version !== undefined && version !== "1") throw new IpfsNodeError(`CAR version ${version} is not served; only version=1`, 406);
      const order = range.params.get("order");
      if (order !== undefined && order !== "dfs" && order !== "unk") throw new IpfsNodeError(`CAR order=${order} is not served; only order=dfs`, 406);
      return "car";
    }
  }
  return "file";
}

/** A short sniff of well-known file signatures, for the Content-Type of deserialised files. */
export function sniffContentType(head: Uint8Array): string {
  const starts = (...bytes: number[]): boolean => bytes.every((b, i) => head[i] === b);
  const ascii = (at: number, text: string): boolean => [...text].every((c, i) => head[at + i] === c.charCodeAt(0));
  if (starts(0x89, 0x50, 0x4e, 0x47)) return "image/png";
  if (starts(0xff, 0xd8, 0xff)) return "image/jpeg";
  if (ascii(0, "RIFF") && ascii(8, "WEBP")) return "image/webp";
  if (ascii(0, "RIFF") && ascii(8, "WAVE")) return "audio/wav";
  if (starts(0x49, 0x49, 0x2a, 0x00) || starts(0x4d, 0x4d, 0x00, 0x2a)) return "image/tiff";
  if (ascii(0, "BM")) return "image/bmp";
  if (ascii(0, "%PDF-")) return "application/pdf";
  if (ascii(0, "fLaC")) return "audio/flac";
  if (ascii(0, "ID3") || starts(0xff, 0xfb) || starts(0xff, 0xf3) || starts(0xff, 0xf2)) return "audio/mpeg";
  if (starts(0x50, 0x4b, 0x03, 0x04)) return "application/zip";
  if (head.byteLength === 0) return "text/plain; charset=utf-8";
  if (head.includes(0)) return "application/octet-stream";
  try {
    // A cut in the middle of a multi-byte sequence at the end is not a reason to call it binary.
    new TextDecoder("utf-8", { fatal: true }).decode(head.subarray(0, Math.max(0, head.byteLength - 3)));
    return "text/plain; charset=utf-8";
  } catch {
    return "application/octet-stream";
  }
}

/** A single `bytes=a-b` range against a file of `size` bytes; undefined when absent or unusable. */
function parseRange(header: string | undefined, size: number): { start: number; end: number } | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) return undefined;
  const [, from = "", to = ""] = match;
  if (from === "" && to === "") return undefined;
  let start: number;
  let end: number;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0) return "unsatisfiable";
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(from);
    end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end) return "unsatisfiable";
  return { start, end };
}

function etagMatches(req: IncomingMessage, etag: string): boolean {
  const header = req.headers["if-none-match"];
  if (header === undefined) return false;
  return header.split(",").some((tag) => {
    const t = tag.trim();
    return t === "*" || t === etag || t === `W/${etag}`;
  });
}

function commonHeaders(cid: CID, etag: string): Record<string, string> {
  return {
    ETag: etag,
    "Cache-Control": IMMUTABLE,
    "X-Ipfs-Path": `/ipfs/${cid}`,
    "X-Ipfs-Roots": cid.toString(),
    "X-Content-Type-Options": "nosniff",
    Vary: "Accept",
  };
}

async function serveRaw(node: IpfsNode, cid: CID, req: IncomingMessage, res: ServerResponse, head: boolean): Promise<void> {
  const bytes = await node.getBlock(cid);
  const etag = `"${cid}.raw"`;
  const headers = {
    ...commonHeaders(cid, etag),
    "Content-Type": RAW_CONTENT_TYPE,
    "Content-Disposition": `attachment; filename="${cid}.bin"`,
  };
  if (etagMatches(req, etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, "Content-Length": bytes.byteLength });
  res.end(head ? undefined : bytes);
}

async function serveCar(node: IpfsNode, cid: CID, req: IncomingMessage, res: ServerResponse, head: boolean): Promise<void> {
  // First pass: every block present and intact, so a partial DAG is an error status, not a cut CAR.
  let blocks = 0;
  for await (const _block of node.walk(cid)) blocks++;
  const etag = `"${cid}.car"`;
  const headers = {
    ...commonHeaders(cid, etag),
    "Content-Type": CAR_RESPONSE_TYPE,
    "Content-Disposition": `attachment; filename="${cid}.car"`,
    "X-Ipfs-Car-Blocks": String(blocks),
  };
  if (etagMatches(req, etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, headers);
  if (head) {
    res.end();
    return;
  }
  const { writer, out } = CarWriter.create([cid]);
  const feeding = (async () => {
    try {
      for await (const block of node.walk(cid)) await writer.put(block);
    } finally {
      await writer.close();
    }
  })();
  await writeChunks(res, out);
  await feeding;
  res.end();
}

async function serveFile(node: IpfsNode, cid: CID, req: IncomingMessage, res: ServerResponse, head: boolean): Promise<void> {
  const size = await node.fileSize(cid);
  const etag = `"${cid}"`;
  // The type is sniffed from the first bytes (at most 512), as browsers would.
  const sniffLength = Math.min(size, 512);
  const sniffChunks: Uint8Array[] = [];
  if (sniffLength > 0) for await (const chunk of node.cat(cid, { length: sniffLength })) sniffChunks.push(chunk);
  const headBytes = Buffer.concat(sniffChunks);
  const headers: Record<string, string | number> = {
    ...commonHeaders(cid, etag),
    "Content-Type": sniffContentType(headBytes),
    "Accept-Ranges": "bytes",
  };
  if (etagMatches(req, etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const range = parseRange(req.headers.range, size);
  if (range === "unsatisfiable") {
    res.writeHead(416, { ...headers, "Content-Range": `bytes */${size}`, "Content-Length": 0 });
    res.end();
    return;
  }
  const start = range?.start ?? 0;
  const length = range === undefined ? size : range.end - range.start + 1;
  if (range !== undefined) {
    res.writeHead(206, { ...headers, "Content-Range": `bytes ${range.start}-${range.end}/${size}`, "Content-Length": length });
  } else {
    res.writeHead(200, { ...headers, "Content-Length": size });
  }
  if (head || length === 0) {
    res.end();
    return;
  }
  await writeChunks(res, node.cat(cid, { offset: start, length }));
  res.end();
}

/** The percent-decoded path; a malformed escape ("%zz", a cut UTF-8 sequence) is the client's error. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    throw new BadRequestError(`the path /ipfs/${path} is not valid percent-encoding`);
  }
}

/** Answers one `/ipfs/…` request. */
export async function handleGateway(node: IpfsNode, path: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  const head = req.method === "HEAD";
  try {
    if (req.method !== "GET" && !head) {
      res.setHeader("Allow", "GET, HEAD");
      throw new IpfsNodeError(`method ${req.method} not allowed on the gateway; use GET or HEAD`, 405);
    }
    // A trailing slash (`/ipfs/<cid>/`) names the same file.
    const cid = parseCidArg(decodePath(path).replace(/\/$/, ""), "cid");
    const format = chooseFormat(req.headers.accept, query.get("format"));
    if (format === "raw") await serveRaw(node, cid, req, res, head);
    else if (format === "car") await serveCar(node, cid, req, res, head);
    else await serveFile(node, cid, req, res, head);
  } catch (err) {
    if (err instanceof BlockNotFoundError) {
      sendTextError(res, 404, err.message, head);
      return;
    }
    const { status, message } = describeError(err);
    sendTextError(res, status, message, head);
  }
}
