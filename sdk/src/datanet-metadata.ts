// A Datanet's metadata document on IPFS (the chain keeps its CID): its name, description, license,
// row schema, modality and formats. One format for everyone who writes or reads it (the CLI's
// `datanets create` and `datanets list`, the app's create form and lists).
import { FORMAT_NAMES, MODALITY_NAMES, type FormatName, type ModalityName } from "@openledger/protocol";
import { OpenLedgerError } from "./errors.ts";

export interface DatanetMetadata {
  name: string;
  description: string;
  license: string;
  schema?: string;
  modality?: ModalityName;
  formats?: FormatName[];
}

export const MAX_NAME_LENGTH = 80;
export const MAX_DESCRIPTION_LENGTH = 2_000;

export class MetadataError extends OpenLedgerError {
  override name = "MetadataError";
}

/** The document's bytes (pretty JSON and a newline); refuses an empty or over-long name or description. */
export function encodeDatanetMetadata(metadata: DatanetMetadata): Uint8Array {
  const name = metadata.name.trim();
  if (name === "") throw new MetadataError("a Datanet needs a name");
  if (name.length > MAX_NAME_LENGTH) throw new MetadataError(`the name is ${name.length} characters; at most ${MAX_NAME_LENGTH}`);
  if (metadata.description.length > MAX_DESCRIPTION_LENGTH) throw new MetadataError(`the description is ${metadata.description.length} characters; at most ${MAX_DESCRIPTION_LENGTH}`);
  const doc = {
    name,
    description: metadata.description,
    license: metadata.license,
    ...(metadata.schema ? { schema: metadata.schema } : {}),
    modality: metadata.modality,
    formats: metadata.formats,
  };
  return new TextEncoder().encode(`${JSON.stringify(doc, null, 2)}\n`);
}

/** Reads a metadata document; a missing or odd field becomes empty rather than failing the page. */
export function parseDatanetMetadata(bytes: Uint8Array): DatanetMetadata {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes)) as Record<string, unknown>;
  } catch (error) {
    throw new MetadataError(`the metadata document is not UTF-8 JSON (${(error as Error).message})`);
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new MetadataError("the metadata document is not a JSON object");
  const text = (v: unknown, max: number) => (typeof v === "string" ? v.slice(0, max) : "");
  return {
    name: text(value.name, MAX_NAME_LENGTH),
    description: text(value.description, MAX_DESCRIPTION_LENGTH),
    license: text(value.license, 100),
    ...(typeof value.schema === "string" ? { schema: value.schema.slice(0, 2_000) } : {}),
    ...(typeof value.modality === "string" && (MODALITY_NAMES as readonly string[]).includes(value.modality) ? { modality: value.modality as ModalityName } : {}),
    ...(Array.isArray(value.formats) ? { formats: value.formats.filter((f): f is FormatName => (FORMAT_NAMES as readonly string[]).includes(f as string)) } : {}),
  };
}
