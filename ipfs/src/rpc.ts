// The subset of Kubo's RPC (`/api/v0/…`) that kubo-rpc-client uses for files, pins and blocks.
//
// Request and response shapes follow what kubo-rpc-client 7.1 sends and parses (see its
// dist/src/add-all.js, cat.js, pin/*.js, block/*.js, version.js): every call is a POST with its
// arguments in the query string (`arg=` repeated), add's body is multipart/form-data, answers
// are JSON or newline-delimited JSON, and errors are `{"Message","Code":0,"Type":"error"}`.
import type { IncomingMessage, ServerResponse } from "node:http";
import { arch, platform } from "node:os";
import type { CID } from "multiformats/cid";
import { parseAddOptions } from "./add-options.ts";
import { BadRequestError, IpfsNodeError } from "./errors.ts";
import { drain, limitedBody, sendKuboError, writeChunks, writeJsonLine, writeLine } from "./http.ts";
import { boundaryOf, MultipartError, readMultipart, type MultipartPart } from "./multipart.ts";
import { parseCidArg, type IpfsNode, type PinEntry, type PinType } from "./node.ts";
import { NODE_VERSION, NODE_AGENT } from "./version.ts";

export interface RpcContext {
  node: IpfsNode;
  maxBodyBytes: number;
}

type Handler = (ctx: RpcContext, req: IncomingMessage, res: ServerResponse, query: URLSearchParams) => Promise<void>;

function sendJson(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}

function boolParam(query: URLSearchParams, name: string, fallback: boolean): boolean {
  const value = query.get(name);
  if (value === null) return fallback;
  if (value === "" || /^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new BadRequestError(`parameter ${name}=${JSON.stringify(value)} is not a boolean (use true or false)`);
}

function intParam(query: URLSearchParams, name: string): number | undefined {
  const value = query.get(name);
  if (value === null || value === "") return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new BadRequestError(`parameter ${name}=${JSON.stringify(value)} must be a non-negative integer`);
  }
  return Number(value);
}

function cidArgs(query: URLSearchParams): CID[] {
  const args = query.getAll("arg");
  if (args.length === 0) throw new BadRequestError('argument "arg" is required (a CID)');
  return args.map((arg) => parseCidArg(arg));
}

function oneCidArg(query: URLSearchParams): CID {
  const args = cidArgs(query);
  if (args.length > 1) throw new BadRequestError("expected exactly one CID argument");
  return args[0] as CID;
}

function checkAddPart(part: MultipartPart): void {
  const label = part.filename === "" ? part.fieldName : part.filename;
  if (part.contentType === "application/x-directory" || part.fieldName.startsWith("dir")) {
    throw new BadRequestError(`add refused: ${JSON.stringify(label)} is a directory; this node adds single files only (the protocol records one CID per file)`);
  }
  if (part.fieldName.includes("?")) {
    throw new BadRequestError(`add refused: ${JSON.stringify(label)} carries mode/mtime metadata, which changes the CID and is outside the protocol's profile`);
  }
  if (part.filename.includes("/")) {
    throw new BadRequestError(`add refused: ${JSON.stringify(part.filename)} is a path inside a directory; this node adds single files only`);
  }
}

/**
 * `POST /api/v0/add`: one or more files in a multipart body, each imported under the profile.
 * The files of one request are pinned together once the whole body has been read; when the request
 * fails (refused, malformed, the client gone), every block it wrote that no pin holds is removed.
 */
const add: Handler = async (ctx, req, res, query) => {
  const options = parseAddOptions(query);
  const boundary = boundaryOf(req.headers["content-type"]);
  // The answer is sent once the files are pinned (a later failure must still be Kubo's error
  // answer); each line is kept as its flat JSON text, ~100 bytes per file.
  const lines: string[] = [];
  const session = ctx.node.openAdd({ pin: options.pin, pinName: options.pinName, onlyHash: options.onlyHash });
  try {
    for await (const part of readMultipart(limitedBody(req, ctx.maxBodyBytes), boundary)) {
      checkAddPart(part);
      const result = await session.add(part.body);
      const hash = result.cid.toString();
      if (options.progress) lines.push(JSON.stringify({ Name: part.filename, Bytes: result.fileSize }));
      lines.push(JSON.stringify({ Name: part.filename === "" ? hash : part.filename, Hash: hash, Size: String(result.dagSize) }));
    }
    if (lines.length === 0) throw new BadRequestError("add: the multipart body holds no file");
    await session.commit();
  } catch (err) {
    await session.abort();
    throw err;
  }
  res.writeHead(200, {
    "Content-Type": "application/x-ndjson",
    "X-Chunked-Output": "1",
    "X-Content-Type-Options": "nosniff",
  });
  for (const line of lines) await writeLine(res, line);
  res.end();
};

/** `POST /api/v0/cat?arg=<cid>[&offset=N][&length=N]`: the file's bytes. */
const cat: Handler = async (ctx, _req, res, query) => {
  const cid = oneCidArg(query);
  const offset = intParam(query, "offset");
  const length = intParam(query, "length");
  const chunks = ctx.node.cat(cid, { offset, length })[Symbol.asyncIterator]();
  // The first chunk is read before the headers go out, so a missing or damaged root is a clean error.
  const first = await chunks.next();
  res.writeHead(200, {
    "Content-Type": "text/plain",
    "X-Stream-Output": "1",
    "X-Content-Type-Options": "nosniff",
  });
  if (first.done !== true) {
    res.write(first.value);
    await writeChunks(res, { [Symbol.asyncIterator]: () => chunks });
  }
  res.end();
};

/** `POST /api/v0/block/get?arg=<cid>`: the raw bytes of one block, verified. */
const blockGet: Handler = async (ctx, _req, res, query) => {
  const bytes = await ctx.node.getBlock(oneCidArg(query));
  res.writeHead(200, {
    "Content-Type": "application/octet-stream",
    "Content-Length": bytes.byteLength,
    "X-Content-Type-Options": "nosniff",
  });
  res.end(bytes);
};

/** `POST /api/v0/block/stat?arg=<cid>`: `{"Key","Size"}`. */
const blockStat: Handler = async (ctx, _req, res, query) => {
  const cid = oneCidArg(query);
  const bytes = await ctx.node.getBlock(cid);
  sendJson(res, { Key: cid.toString(), Size: bytes.byteLength });
};

/** `POST /api/v0/pin/add?arg=<cid>[&recursive=false][&name=…]`: `{"Pins":[…]}`. */
const pinAdd: Handler = async (ctx, _req, res, query) => {
  const cids = cidArgs(query);
  const recursive = boolParam(query, "recursive", true);
  const name = query.get("name") ?? undefined;
  for (const cid of cids) await ctx.node.pin(cid, { recursive, name: name === "" ? undefined : name });
  sendJson(res, { Pins: cids.map((cid) => cid.toString()) });
};

/** `POST /api/v0/pin/rm?arg=<cid>`: `{"Pins":[…]}`; fails on a CID not pinned directly or recursively. */
const pinRm: Handler = async (ctx, _req, res, query) => {
  const cids = cidArgs(query);
  for (const cid of cids) await ctx.node.unpin(cid);
  sendJson(res, { Pins: cids.map((cid) => cid.toString()) });
};

const PIN_TYPES = ["all", "recursive", "direct", "indirect"] as const;

function kuboPinType(pin: PinEntry, explained: boolean): string {
  return pin.type === "indirect" && explained && pin.via !== undefined ? `indirect through ${pin.via}` : pin.type;
}

/** `POST /api/v0/pin/ls[?arg=<cid>][&type=…][&stream=true][&names=true]`. */
const pinLs: Handler = async (ctx, _req, res, query) => {
  const typeParam = query.get("type") ?? "all";
  if (!(PIN_TYPES as readonly string[]).includes(typeParam)) {
    throw new BadRequestError(`invalid pin type ${JSON.stringify(typeParam)}; use one of ${PIN_TYPES.join(", ")}`);
  }
  const type = typeParam as PinType | "all";
  const args = query.getAll("arg");
  const cids = args.length > 0 ? args.map((arg) => parseCidArg(arg)) : undefined;
  const names = boolParam(query, "names", false);
  const pins = await ctx.node.listPins({ type, cids });
  const explained = cids !== undefined;
  if (boolParam(query, "stream", false)) {
    res.writeHead(200, { "Content-Type": "application/x-ndjson", "X-Chunked-Output": "1", "X-Content-Type-Options": "nosniff" });
    for (const pin of pins) {
      const line: Record<string, string> = { Cid: pin.cid.toString(), Type: kuboPinType(pin, explained) };
      if (names && pin.name !== undefined) line.Name = pin.name;
      await writeJsonLine(res, line);
    }
    res.end();
    return;
  }
  const keys: Record<string, Record<string, string>> = {};
  for (const pin of pins) {
    const entry: Record<string, string> = { Type: kuboPinType(pin, explained) };
    if (names && pin.name !== undefined) entry.Name = pin.name;
    keys[pin.cid.toString()] = entry;
  }
  sendJson(res, { Keys: keys });
};

/**
 * `POST /api/v0/repo/gc[?quiet=true]`: removes every block that no pin holds and no add in
 * progress claims; answers one `{"Key":{"/":"<cid>"}}` line per removed block, as Kubo does.
 */
const repoGc: Handler = async (ctx, _req, res, query) => {
  const quiet = boolParam(query, "quiet", false);
  const removed = await ctx.node.collectGarbage();
  res.writeHead(200, { "Content-Type": "application/x-ndjson", "X-Chunked-Output": "1", "X-Content-Type-Options": "nosniff" });
  if (!quiet) for (const cid of removed) await writeJsonLine(res, { Key: { "/": cid.toString() } });
  res.end();
};

/** `POST /api/v0/version`: says what this node is (not Kubo). */
const version: Handler = async (_ctx, _req, res) => {
  sendJson(res, {
    Version: NODE_VERSION,
    Commit: "",
    Repo: "blockstore-fs+datastore-fs",
    System: `${arch()}/${platform()}`,
    Golang: "",
    Agent: NODE_AGENT,
  });
};

const HANDLERS: Readonly<Record<string, Handler>> = {
  add,
  cat,
  "block/get": blockGet,
  "block/stat": blockStat,
  "pin/add": pinAdd,
  "pin/rm": pinRm,
  "pin/ls": pinLs,
  "repo/gc": repoGc,
  version,
};

/** The RPC commands this node answers (without the `/api/v0/` prefix). */
export const RPC_COMMANDS = Object.keys(HANDLERS);

/** Answers one `/api/v0/<command>` request. */
export async function handleRpc(ctx: RpcContext, command: string, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
  try {
    // Own keys only: "__proto__" or "constructor" must not find Object's members.
    const handler = Object.hasOwn(HANDLERS, command) ? HANDLERS[command] : undefined;
    if (handler === undefined) {
      throw new IpfsNodeError(`command /api/v0/${command} is not served by this node; it serves ${RPC_COMMANDS.join(", ")}`, 404);
    }
    if (req.method !== "POST") {
      throw new IpfsNodeError(`method ${req.method} not allowed: the Kubo RPC takes POST`, 405);
    }
    await handler(ctx, req, res, query);
  } catch (err) {
    const wrapped = err instanceof MultipartError ? new BadRequestError(err.message) : err;
    await respondAfterError(ctx, req, res, wrapped);
  }
}

/**
 * Sends the error. When the client is still uploading, the rest of a modest body is read first
 * so that it sees the answer rather than a reset; an oversized one is cut off after answering.
 */
async function respondAfterError(ctx: RpcContext, req: IncomingMessage, res: ServerResponse, err: unknown): Promise<void> {
  const status = err instanceof IpfsNodeError ? err.status : 500;
  if (!req.readableEnded && !res.headersSent) {
    if (status === 413) {
      res.setHeader("Connection", "close");
      sendKuboError(res, err);
      // Let the response leave before the socket goes.
      res.once("finish", () => setTimeout(() => req.socket.destroy(), 100).unref());
      req.resume();
      return;
    }
    try {
      await drain(req, ctx.maxBodyBytes);
    } catch {
      // the client went away; nothing to answer
    }
  }
  sendKuboError(res, err);
}
