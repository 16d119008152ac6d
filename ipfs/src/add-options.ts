// The query parameters of Kubo's `/api/v0/add`, checked against the protocol's CID profile.
//
// Every parameter that changes the CID Kubo would produce must either be left out (it then takes
// the profile's value) or carry exactly the profile's value; anything else is refused with a 400
// that names the parameter, its value and what the profile needs. Parameters this node does not
// know are refused too, so that a client never gets a CID computed under a setting it asked for
// and this node silently ignored.
import { CHUNK_SIZE, KUBO_ADD_PARAMS, MAX_CHILDREN_PER_NODE } from "@openledger/protocol";
import { BadRequestError } from "./errors.ts";

/** What an add request asks for, once its parameters passed the profile check. */
export interface AddRequestOptions {
  /** Pin the added root recursively (Kubo's default: true). */
  pin: boolean;
  /** Name recorded with the pin (`pin-name`). */
  pinName: string | undefined;
  /** Compute CIDs without storing anything (`only-hash`). */
  onlyHash: boolean;
  /** Emit `{"Name","Bytes"}` progress lines (`progress`). */
  progress: boolean;
}

/** Parameters that must take the profile's value when present (Kubo's spelling → required value). */
const PROFILE_VALUES: Readonly<Record<string, string>> = {
  "cid-version": KUBO_ADD_PARAMS["cid-version"],
  "raw-leaves": KUBO_ADD_PARAMS["raw-leaves"],
  chunker: KUBO_ADD_PARAMS.chunker,
  hash: KUBO_ADD_PARAMS.hash,
  "max-file-links": String(MAX_CHILDREN_PER_NODE),
};

/** Boolean parameters that change the DAG when true; false (or absent) is the profile. */
const PROFILE_FALSE_FLAGS = [
  "trickle",
  "inline",
  "wrap-with-directory",
  "preserve-mode",
  "preserve-mtime",
  "nocopy",
  "fscache",
] as const;

/** Parameters that add UnixFS metadata to the root and so change its CID. */
const METADATA_PARAMS = ["mode", "mtime", "mtime-nsecs"] as const;

/** Parameters that change nothing about the CIDs (transport, output, or pinning). */
const HARMLESS_PARAMS = new Set([
  "stream-channels",
  "progress",
  "quiet",
  "quieter",
  "silent",
  "pin",
  "pin-name",
  "only-hash",
  "timeout",
  "cid-base",
  "encoding",
]);

/** Parses a boolean the way Kubo does (Go's strconv.ParseBool; an empty value means true). */
export function parseBool(name: string, value: string): boolean {
  if (value === "" || /^(1|t|true)$/i.test(value)) return true;
  if (/^(0|f|false)$/i.test(value)) return false;
  throw new BadRequestError(`parameter ${name}=${JSON.stringify(value)} is not a boolean (use true or false)`);
}

/** Parses a chunker spec as Kubo writes it; only `size-N` is understood. */
function describeChunker(value: string): string {
  const size = /^size-(\d+)$/.exec(value);
  if (size !== null) return `fixed-size chunks of ${size[1]} bytes`;
  if (value.startsWith("rabin") || value.startsWith("buzhash")) return `content-defined chunking (${value})`;
  return `chunker ${JSON.stringify(value)}`;
}

function refuse(param: string, value: string, need: string): never {
  throw new BadRequestError(
    `add refused: ${param}=${JSON.stringify(value)} would give CIDs outside the protocol's unixfs-v1-2025 profile ` +
      `(${need}); send ${Object.entries(KUBO_ADD_PARAMS)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ")} or leave these parameters out`,
  );
}

/** Checks the query of an add request; throws `BadRequestError` for anything outside the profile. */
export function parseAddOptions(query: URLSearchParams): AddRequestOptions {
  const seen = new Set<string>();
  for (const name of query.keys()) seen.add(name);

  for (const name of seen) {
    const values = query.getAll(name);
    if (values.length > 1 && new Set(values).size > 1) {
      throw new BadRequestError(`parameter ${name} given more than once with different values`);
    }
    const value = values[0] ?? "";
    const required = PROFILE_VALUES[name];
    if (required !== undefined) {
      if (name === "raw-leaves") {
        if (!parseBool(name, value)) refuse(name, value, "leaves must be raw blocks");
      } else if (name === "chunker") {
        if (value !== required) refuse(name, value, `the profile chunks into fixed-size blocks of ${CHUNK_SIZE} bytes, not ${describeChunker(value)}`);
      } else if (value !== required) {
        const need =
          name === "cid-version"
            ? "CIDv1 only"
            : name === "hash"
              ? "sha2-256 only"
              : `at most ${MAX_CHILDREN_PER_NODE} links per node`;
        refuse(name, value, need);
      }
      continue;
    }
    if ((PROFILE_FALSE_FLAGS as readonly string[]).includes(name)) {
      if (parseBool(name, value)) refuse(name, value, `${name} is not part of the profile`);
      continue;
    }
    if ((METADATA_PARAMS as readonly string[]).includes(name)) {
      refuse(name, value, "UnixFS mode/mtime metadata changes the root CID and is not recorded by the protocol");
    }
    if (name === "cid-base") {
      if (value !== "base32") throw new BadRequestError(`cid-base=${JSON.stringify(value)} is not supported; CIDs are returned in base32`);
      continue;
    }
    if (!HARMLESS_PARAMS.has(name)) {
      throw new BadRequestError(`add: unsupported parameter ${JSON.stringify(name)}; this node only adds single files under the unixfs-v1-2025 profile`);
    }
  }

  const flag = (name: string, fallback: boolean): boolean => {
    const value = query.get(name);
    return value === null ? fallback : parseBool(name, value);
  };
  const pin = flag("pin", true);
  const pinName = query.get("pin-name") ?? undefined;
  if (pinName !== undefined && !pin) throw new BadRequestError("pin-name requires pin=true");
  return {
    pin,
    pinName,
    onlyHash: flag("only-hash", false),
    progress: flag("progress", false),
  };
}
