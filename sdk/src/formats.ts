// File formats and modalities of the protocol, and the detection of a file's format from its bytes.
//
// The enums, names and masks are the protocol's (@openledger/protocol, generated from the Solidity).
// A file's format is decided by its bytes, never by its name, and proven by parsing its structure
// (see checks/): binary formats by their signature and container, text formats by being valid UTF-8
// without NUL bytes, jsonl by one JSON object per line, csv by a real header and rows of the same
// width. The text formats cannot all be told apart by bytes alone (any CSV is also text), so a
// claimed format (from `--format` or the file's extension) picks among the text formats the bytes
// validate as; a claim the bytes contradict (a PNG named `.txt`) is refused.

export { detectFormat, ZIP_LIMITS, type Detection, type FormatProblem } from "./checks/index.ts";

export {
  Format,
  FORMAT_NAMES,
  formatFromFileName,
  formatMask,
  formatName,
  formatsOfMask,
  Modality,
  MODALITY_FORMAT_MASKS,
  MODALITY_FORMATS,
  MODALITY_NAMES,
  modalityName,
  modalityOfFormat,
  parseFormat,
  parseModality,
  type FormatName,
  type ModalityName,
} from "@openledger/protocol";
