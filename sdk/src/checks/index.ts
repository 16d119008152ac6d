// The file checks: which format the bytes are, proven by parsing its structure. A binary format is
// recognised by its signature and then parsed (bmp.ts, docx.ts, flac.ts, jpeg.ts, mp3.ts, pdf.ts,
// png.ts, riff.ts for WebP and WAV, tiff.ts); bytes whose signature matches but whose structure
// fails are judged as text instead when they are text (a CSV whose header starts with "BM" is a
// CSV), and refused with the binary format's problem when they are not. Text formats are judged by
// text.ts. Every check reads the bytes in place, in time linear in their length.
import { Format, formatName, TEXT_FORMAT_LIST } from "@openledger/protocol";
import { problem, startsWith, type CheckResult, type FormatProblem } from "./bytes.ts";
import { checkBmp, isBmp } from "./bmp.ts";
import { checkDocx } from "./docx.ts";
import { checkFlac, isFlac } from "./flac.ts";
import { checkJpeg, JPEG_SIGNATURE } from "./jpeg.ts";
import { checkMp3, mp3FrameAt } from "./mp3.ts";
import { checkPdf, isPdf } from "./pdf.ts";
import { checkPng, PNG_SIGNATURE } from "./png.ts";
import { checkWav, checkWebp, isRiff } from "./riff.ts";
import { judgeText } from "./text.ts";
import { checkTiff, isTiff } from "./tiff.ts";
import { isZip } from "./zip.ts";

export type { FormatProblem } from "./bytes.ts";
export { ZIP_LIMITS } from "./zip.ts";

export type Detection = { ok: true; format: Format } | { ok: false; problem: FormatProblem };

interface BinaryFormat {
  format: Format;
  matches: (b: Uint8Array) => boolean;
  check: (b: Uint8Array) => CheckResult;
}

/** Binary formats in the order their signatures are tried. */
const BINARY_FORMATS: BinaryFormat[] = [
  { format: Format.Png, matches: (b) => startsWith(b, PNG_SIGNATURE), check: checkPng },
  { format: Format.Jpeg, matches: (b) => startsWith(b, JPEG_SIGNATURE), check: checkJpeg },
  { format: Format.Webp, matches: (b) => isRiff(b, "WEBP"), check: checkWebp },
  { format: Format.Wav, matches: (b) => isRiff(b, "WAVE"), check: checkWav },
  { format: Format.Tiff, matches: isTiff, check: checkTiff },
  { format: Format.Bmp, matches: isBmp, check: checkBmp },
  { format: Format.Flac, matches: isFlac, check: checkFlac },
  { format: Format.Pdf, matches: isPdf, check: checkPdf },
  { format: Format.Docx, matches: isZip, check: checkDocx },
  { format: Format.Mp3, matches: (b) => (b[0] === 0x49 && b[1] === 0x44 && b[2] === 0x33) || mp3FrameAt(b, 0) !== undefined, check: checkMp3 },
];

const upper = (f: Format) => formatName(f).toUpperCase();

/** Runs a format's check; a check that throws (it should not) refuses instead of escaping. */
function runCheck(f: BinaryFormat, bytes: Uint8Array): CheckResult {
  try {
    return f.check(bytes);
  } catch (error) {
    return problem("invalid-structure", `the ${upper(f.format)} could not be read: ${(error as Error).message}`);
  }
}

/**
 * Detects the format of `bytes`. With `claimed`, checks that the bytes are a valid file of that
 * format (and refuses a contradiction); without, picks the most specific format the bytes are.
 */
export function detectFormat(bytes: Uint8Array, claimed?: Format): Detection {
  const matched = BINARY_FORMATS.find((f) => f.matches(bytes));
  const binaryProblem = matched && runCheck(matched, bytes);
  if (matched && !binaryProblem) {
    if (claimed !== undefined && claimed !== matched.format) {
      return { ok: false, problem: problem("format-mismatch", `the bytes are a ${upper(matched.format)} file, not ${formatName(claimed)}`) };
    }
    return { ok: true, format: matched.format };
  }
  if (claimed !== undefined && !TEXT_FORMAT_LIST.includes(claimed)) {
    if (matched?.format === claimed) return { ok: false, problem: binaryProblem! };
    return { ok: false, problem: problem("format-mismatch", `the bytes do not start with the ${upper(claimed)} signature`) };
  }
  const text = judgeText(bytes, claimed);
  if (text.problem === undefined) return { ok: true, format: text.format };
  // Bytes that are neither valid text nor a valid binary file: the binary problem says more.
  if (binaryProblem && (text.problem.rule === "invalid-utf8" || text.problem.rule === "binary-text")) return { ok: false, problem: binaryProblem };
  if (claimed === undefined && (text.problem.rule === "invalid-utf8" || text.problem.rule === "binary-text")) {
    return { ok: false, problem: problem("unknown-format", `the bytes match no supported format (${text.problem.message})`) };
  }
  return { ok: false, problem: text.problem };
}
