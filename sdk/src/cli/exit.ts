// Exit codes and error reports: 0 done; 1 unexpected failure; 2 bad usage; 3 refused (a file
// check, a protocol rule, content that fails verification); 4 a service (chain or IPFS) could not be
// reached.
import { CommanderError } from "commander";
import { HttpRequestError } from "viem";
import {
  ContentVerificationError,
  FileRejectedError,
  FilesRejectedError,
  IpfsError,
  OpenLedgerError,
  ProtocolError,
  SubmissionFailedError,
} from "@openledger/sdk";

export const EXIT = { ok: 0, failure: 1, usage: 2, refused: 3, unreachable: 4 } as const;

export class UsageError extends OpenLedgerError {
  override name = "UsageError";
}

/** Maps an error to an exit code and a message for people. */
export function report(error: unknown): number {
  if (error instanceof CommanderError) {
    if (error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help") return EXIT.ok;
    return EXIT.usage;
  }
  const print = (message: string) => process.stderr.write(`✖ ${message}\n`);
  if (error instanceof UsageError) {
    print(error.shortMessage);
    return EXIT.usage;
  }
  if (error instanceof FilesRejectedError) {
    print(error.shortMessage);
    for (const r of error.rejections) process.stderr.write(`  - ${r.file}: ${r.reason} [${r.rule}]\n`);
    return EXIT.refused;
  }
  if (error instanceof FileRejectedError || error instanceof ProtocolError || error instanceof ContentVerificationError) {
    print(error.shortMessage);
    return EXIT.refused;
  }
  if (error instanceof SubmissionFailedError) {
    print(error.shortMessage);
    if (error.details) process.stderr.write(`  ${error.details}\n`);
    return error.cause instanceof ProtocolError ? EXIT.refused : EXIT.failure;
  }
  if (error instanceof IpfsError || error instanceof HttpRequestError || (error instanceof OpenLedgerError && /cannot reach/.test(error.message))) {
    print(error instanceof OpenLedgerError ? error.shortMessage : (error as Error).message.split("\n")[0]!);
    if (error instanceof OpenLedgerError && error.details) process.stderr.write(`  ${error.details}\n`);
    return EXIT.unreachable;
  }
  if (error instanceof OpenLedgerError) {
    print(error.shortMessage);
    if (error.details) process.stderr.write(`  ${error.details}\n`);
    return EXIT.failure;
  }
  print(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return EXIT.failure;
}
