// Node-only helpers of the SDK: deployment files, files on disk as byte sources, and encrypted keystores (Web3 Secret Storage v3,
// the format geth, Foundry's `cast wallet` and most wallets read and write).
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes, randomUUID, scryptSync, timingSafeEqual } from "node:crypto";
import { statSync } from "node:fs";
import { open } from "node:fs/promises";
import { DeploymentError, type Deployment } from "@openledger/protocol";
import { DEPLOYMENTS_DIR, loadDeployment as loadProtocolDeployment } from "@openledger/protocol/node";
import { bytesToHex, getAddress, hexToBytes, keccak256, type Address, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { OpenLedgerError } from "./errors.ts";
import { streamByReads, type ByteSource } from "./source.ts";

/** A deployment document (`protocol/deployments/<chainId>.json`). */
export type DeploymentFile = Deployment;

/** Where `npm run deploy` and `npm start` write deployments in this repository. */
export const DEFAULT_DEPLOYMENTS_DIR = DEPLOYMENTS_DIR;

/** Reads a deployment: an explicit file, or `<dir>/<chainId>.json`; problems become `OpenLedgerError`s. */
export function loadDeployment(options: { file?: string; chainId?: number; dir?: string }): Deployment {
  try {
    return loadProtocolDeployment(options);
  } catch (error) {
    if (!(error instanceof DeploymentError)) throw error;
    throw new OpenLedgerError(error.message, {
      details: "Start the local stack (`npm start`) or deploy (`npm run deploy -- --rpc URL`), or pass --deployment FILE.",
      docsPath: "README.md",
    });
  }
}

// ─── keystores ──────────────────────────────────────────────────────────────

export interface Keystore {
  version: 3;
  id: string;
  address: string;
  crypto: {
    cipher: "aes-128-ctr";
    ciphertext: string;
    cipherparams: { iv: string };
    kdf: "scrypt" | "pbkdf2";
    kdfparams: Record<string, number | string>;
    mac: string;
  };
}

const SCRYPT = { n: 1 << 17, r: 8, p: 1, dklen: 32 };

function deriveKey(password: string, kdf: Keystore["crypto"]["kdf"], params: Record<string, number | string>): Buffer {
  const salt = Buffer.from(String(params.salt), "hex");
  if (kdf === "scrypt") {
    const n = Number(params.n);
    const r = Number(params.r);
    return scryptSync(password, salt, Number(params.dklen), { N: n, r, p: Number(params.p), maxmem: 256 * n * r + (1 << 20) });
  }
  if (kdf === "pbkdf2") {
    if (params.prf !== "hmac-sha256") throw new OpenLedgerError(`keystore pbkdf2 prf ${params.prf} is not supported (hmac-sha256 is)`);
    return pbkdf2Sync(password, salt, Number(params.c), Number(params.dklen), "sha256");
  }
  throw new OpenLedgerError(`keystore kdf ${String(kdf)} is not supported (scrypt and pbkdf2 are)`);
}

function mac(derived: Buffer, ciphertext: Buffer): Buffer {
  return Buffer.from(hexToBytes(keccak256(Buffer.concat([derived.subarray(16, 32), ciphertext]))));
}

/** Encrypts a private key with a password (scrypt N=2^17, AES-128-CTR). */
export function encryptKeystore(privateKey: Hex, password: string): Keystore {
  if (password.length === 0) throw new OpenLedgerError("a keystore needs a non-empty password");
  const salt = randomBytes(32);
  const iv = randomBytes(16);
  const kdfparams = { ...SCRYPT, salt: salt.toString("hex") };
  const derived = deriveKey(password, "scrypt", kdfparams);
  const cipher = createCipheriv("aes-128-ctr", derived.subarray(0, 16), iv);
  const ciphertext = Buffer.concat([cipher.update(Buffer.from(hexToBytes(privateKey))), cipher.final()]);
  return {
    version: 3,
    id: randomUUID(),
    address: privateKeyToAccount(privateKey).address.slice(2).toLowerCase(),
    crypto: {
      cipher: "aes-128-ctr",
      ciphertext: ciphertext.toString("hex"),
      cipherparams: { iv: iv.toString("hex") },
      kdf: "scrypt",
      kdfparams,
      mac: mac(derived, ciphertext).toString("hex"),
    },
  };
}

/** Decrypts a keystore; a wrong password is refused by the MAC check. */
export function decryptKeystore(keystore: Keystore, password: string): { privateKey: Hex; address: Address } {
  if (keystore.version !== 3) throw new OpenLedgerError(`keystore version ${keystore.version} is not supported (3 is)`);
  const c = keystore.crypto;
  if (c.cipher !== "aes-128-ctr") throw new OpenLedgerError(`keystore cipher ${c.cipher} is not supported (aes-128-ctr is)`);
  const derived = deriveKey(password, c.kdf, c.kdfparams);
  const ciphertext = Buffer.from(c.ciphertext, "hex");
  const expected = Buffer.from(c.mac, "hex");
  const actual = mac(derived, ciphertext);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new OpenLedgerError("wrong keystore password (the MAC does not match)", { docsPath: "sdk/README.md#keys" });
  }
  const decipher = createDecipheriv("aes-128-ctr", derived.subarray(0, 16), Buffer.from(c.cipherparams.iv, "hex"));
  const privateKey = bytesToHex(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  const address = privateKeyToAccount(privateKey).address;
  if (keystore.address && getAddress(`0x${keystore.address.replace(/^0x/, "")}`) !== address) {
    throw new OpenLedgerError(`the keystore decrypts to ${address}, not the address it names (0x${keystore.address})`);
  }
  return { privateKey, address };
}

// ─── files ──────────────────────────────────────────────────────────────────

/**
 * A file on disk as a `ByteSource`: its size comes from `stat` (so an over-cap file is refused
 * without reading it) and every read opens, reads and closes the file, so no descriptor outlives a
 * call and memory stays at one chunk.
 */
export function fileSource(file: string, name = file): ByteSource {
  const stats = statSync(file);
  if (!stats.isFile()) throw new OpenLedgerError(`${file} is not a regular file`);
  const size = stats.size;
  const read = async (offset: number, length: number): Promise<Uint8Array> => {
    const start = Math.min(Math.max(0, offset), size);
    const want = Math.max(0, Math.min(length, size - start));
    const buffer = new Uint8Array(want);
    if (want === 0) return buffer;
    const handle = await open(file, "r");
    try {
      let got = 0;
      while (got < want) {
        const { bytesRead } = await handle.read(buffer, got, want - got, start + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return got === want ? buffer : buffer.subarray(0, got);
    } finally {
      await handle.close();
    }
  };
  return { name, size, read, stream: (chunkSize) => streamByReads({ size, read }, chunkSize) };
}

export { createFileVoteStore } from "./validator/file-store.ts";
export * from "./index.ts";
