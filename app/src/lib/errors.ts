// What a person reads when something fails. Protocol refusals come from the SDK's typed errors
// (their sentences spell out the numbers: a quota error says used, requested and limit); a wallet's
// "rejected" is said plainly (nothing was sent); anything else keeps its short message, never a raw
// hex blob of revert data.
import {
  ContentVerificationError,
  FilesRejectedError,
  IpfsError,
  OpenLedgerError,
  ProtocolError,
  QuotaExceededError,
  SubmissionFailedError,
  toOpenLedgerError,
} from "@openledger/sdk";
import { BaseError, UserRejectedRequestError } from "viem";
import { ServiceDownError } from "./services.ts";

export type ErrorKind = "rejected" | "quota" | "protocol" | "files" | "content" | "service" | "submission" | "other";

export interface ErrorReport {
  kind: ErrorKind;
  title: string;
  message: string;
  details?: string;
}

function isUserRejection(error: unknown): boolean {
  if (error instanceof BaseError) {
    const found = error.walk((e) => e instanceof UserRejectedRequestError || (e as { code?: number }).code === 4001);
    if (found) return true;
  }
  let e: unknown = error;
  for (let depth = 0; e && depth < 8; depth++) {
    if ((e as { code?: number }).code === 4001 || (e as { name?: string }).name === "UserRejectedRequestError") return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Hex blobs (revert data, calldata) are cut from free-text messages: they say nothing to a person. */
function withoutHexBlobs(text: string): string {
  return text.replace(/0x[0-9a-fA-F]{80,}/g, (blob) => `${blob.slice(0, 10)}… (${(blob.length - 2) / 2} bytes)`);
}

export function describeError(raw: unknown): ErrorReport {
  if (isUserRejection(raw)) {
    return { kind: "rejected", title: "Signature rejected", message: "You rejected the request in your wallet. Nothing was sent and nothing changed." };
  }
  const error = toOpenLedgerError(raw);
  if (error instanceof ServiceDownError) return { kind: "service", title: `The ${error.label} is not answering`, message: error.message };
  if (error instanceof QuotaExceededError) return { kind: "quota", title: "Daily quota exceeded", message: error.shortMessage, details: error.details };
  if (error instanceof ProtocolError) return { kind: "protocol", title: `Refused by the protocol: ${error.errorName}`, message: error.shortMessage, details: error.details };
  if (error instanceof FilesRejectedError) {
    return { kind: "files", title: "Files refused", message: error.shortMessage, details: error.rejections.map((r) => r.shortMessage).join("\n") };
  }
  if (error instanceof ContentVerificationError) return { kind: "content", title: "Content does not match its CID", message: error.shortMessage, details: error.details };
  if (error instanceof SubmissionFailedError) return { kind: "submission", title: "Uploaded, but not submitted", message: error.shortMessage, details: error.details };
  if (error instanceof IpfsError) return { kind: "service", title: "The IPFS node is not answering", message: error.shortMessage, details: error.details };
  if (error instanceof OpenLedgerError) return { kind: "other", title: "Refused", message: error.shortMessage, details: error.details };
  if (error instanceof BaseError) return { kind: "other", title: "The call failed", message: withoutHexBlobs(error.shortMessage), details: error.details ? withoutHexBlobs(error.details) : undefined };
  if (error instanceof Error) return { kind: "other", title: "Something failed", message: withoutHexBlobs(error.message) };
  return { kind: "other", title: "Something failed", message: withoutHexBlobs(String(error)) };
}
