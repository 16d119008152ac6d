// Small HTTP helpers shared by the Kubo RPC and the gateway: Kubo's error shape, body limits.
import type { IncomingMessage, ServerResponse } from "node:http";
import { IpfsNodeError, PayloadTooLargeError } from "./errors.ts";

/** Default cap on a request body: 64 MiB, far above the protocol's 10 MB file cap. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * True for the error a request body gives when the client goes away before sending all of it
 * (Node's `aborted`, code ECONNRESET). That is the client's choice, not a failure of the node.
 */
export function isClientDisconnect(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === "ECONNRESET";
}

/** Status and message of any thrown value, as the HTTP layer reports it. */
export function describeError(err: unknown): { status: number; message: string } {
  if (err instanceof IpfsNodeError) return { status: err.status, message: err.message };
  if (err instanceof Error && err.name === "AbortError") return { status: 500, message: "request aborted" };
  if (isClientDisconnect(err)) return { status: 400, message: "the client closed the connection" };
  // An unexpected failure: the details (which may name files of the node) go to the node's log only.
  console.error(`ipfs node: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return { status: 500, message: "internal error: the node could not answer this request (the details are in its log)" };
}

/** Writes an error as Kubo does (`{"Message","Code":0,"Type":"error"}`), or ends a started stream. */
export function sendKuboError(res: ServerResponse, err: unknown): void {
  if (isClientDisconnect(err)) {
    // Nobody is left to read an answer.
    res.destroy();
    return;
  }
  const { status, message } = describeError(err);
  if (res.headersSent) {
    // Kubo reports a failure after streaming began in a trailer; a client sees a broken stream.
    res.destroy(err instanceof Error ? err : new Error(message));
    return;
  }
  const body = JSON.stringify({ Message: message, Code: 0, Type: "error" });
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "X-Content-Type-Options": "nosniff",
  });
  res.end(body);
}

/** Plain-text error for the gateway. */
export function sendTextError(res: ServerResponse, status: number, message: string, head = false): void {
  if (res.headersSent) {
    res.destroy(new Error(message));
    return;
  }
  const body = `${message}\n`;
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    "X-Content-Type-Options": "nosniff",
  });
  res.end(head ? undefined : body);
}

/**
 * The request body as chunks, refusing more than `limit` bytes: at once from Content-Length,
 * otherwise as soon as the running count passes the limit.
 */
export async function* limitedBody(req: IncomingMessage, limit: number): AsyncGenerator<Uint8Array> {
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) throw new PayloadTooLargeError(limit);
  let received = 0;
  // destroyOnReturn: false keeps the socket open when reading stops early, so an error can still be sent.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    received += chunk.byteLength;
    if (received > limit) throw new PayloadTooLargeError(limit);
    yield chunk;
  }
}

/** Reads and discards the rest of a request body (bounded), so the connection can answer cleanly. */
export async function drain(req: IncomingMessage, limit: number): Promise<void> {
  if (req.readableEnded) return;
  let seen = 0;
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    seen += chunk.byteLength;
    if (seen > limit) {
      req.destroy();
      return;
    }
  }
}

/** Writes one line of newline-delimited JSON, waiting when the socket is full. */
export async function writeJsonLine(res: ServerResponse, value: unknown): Promise<void> {
  await writeLine(res, JSON.stringify(value));
}

/** Writes one line of text (already serialised JSON), waiting when the socket is full. */
export async function writeLine(res: ServerResponse, line: string): Promise<void> {
  if (!res.write(`${line}\n`)) {
    await new Promise<void>((resolve, reject) => {
      const onDrain = (): void => {
        res.off("close", onClose);
        resolve();
      };
      const onClose = (): void => {
        res.off("drain", onDrain);
        reject(new Error("client closed the connection"));
      };
      res.once("drain", onDrain);
      res.once("close", onClose);
    });
  }
}

/** Streams chunks to the response with backpressure. */
export async function writeChunks(res: ServerResponse, chunks: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const chunk of chunks) {
    if (res.destroyed) return;
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off("drain", done);
          res.off("close", done);
          resolve();
        };
        res.once("drain", done);
        res.once("close", done);
      });
    }
  }
}
