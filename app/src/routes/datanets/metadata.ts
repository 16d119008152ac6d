// The SDK's format and modality names, and metadata parsing that never fails a list row.
import { formatName, formatsOfMask, modalityName } from "@openledger/sdk";
import { parseDatanetMetadata, type DatanetMetadata } from "@openledger/sdk";

export { formatName, formatsOfMask, modalityName };

export function parseDatanetMetadataSafe(bytes: Uint8Array): DatanetMetadata {
  try {
    return parseDatanetMetadata(bytes);
  } catch {
    return { name: "", description: "", license: "" };
  }
}
