// The operator token: the secret that job creation, cancellation and retry (and so every model the
// node registers with its key) need. Generated at the node's first start, stored owner-only (0600)
// in the data folder, accepted as `Authorization: Bearer <token>`. Reads and chat need none.
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { randomBytes, timingSafeEqual } from "node:crypto";
import path from "node:path";

/** The token's file name inside the node's data folder. */
export const TOKEN_FILE_NAME = "operator-token";

export function tokenFileOf(dataDir: string): string {
  return path.join(dataDir, TOKEN_FILE_NAME);
}

/** The token in a file (first line, trimmed), or undefined when the file is missing or empty. */
export function readOperatorToken(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  const token = readFileSync(file, "utf8").split("\n")[0]!.trim();
  return token === "" ? undefined : token;
}

/**
 * The node's token: read from `<dataDir>/operator-token`, or generated and written there (mode 0600)
 * when there is none yet; `created` says which, so the node prints a new token once.
 */
export function ensureOperatorToken(dataDir: string): { token: string; file: string; created: boolean } {
  const file = tokenFileOf(dataDir);
  mkdirSync(dataDir, { recursive: true });
  const existing = readOperatorToken(file);
  if (existing !== undefined) {
    // A copy or an editor may have widened the permissions; the token stays the owner's.
    if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
    return { token: existing, file, created: false };
  }
  const token = randomBytes(32).toString("base64url");
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // the mode above applies only when the file is new
  return { token, file, created: true };
}

/** Whether an Authorization header carries `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  if (!match) return false;
  const given = Buffer.from(match[1]!);
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}
