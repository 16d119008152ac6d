// Names, masks and modality lists derived from the generated `Format` and `Modality` enums and the
// `*_FORMATS` masks of contracts/libraries/Formats.sol. A format's bit in a Datanet's mask is
// `1 << format`.
import {
  AUDIO_FORMATS,
  FORMAT_NAMES,
  Format,
  IMAGE_FORMATS,
  MODALITY_NAMES,
  Modality,
  TEXT_FORMATS,
} from "./generated/constants.ts";

export type FormatName = (typeof FORMAT_NAMES)[number];
export type ModalityName = (typeof MODALITY_NAMES)[number];

/** The mask of formats each modality may allow, as the contracts define it. */
export const MODALITY_FORMAT_MASKS: Record<Modality, number> = {
  [Modality.Text]: TEXT_FORMATS,
  [Modality.Image]: IMAGE_FORMATS,
  [Modality.Audio]: AUDIO_FORMATS,
};

export function formatsOfMask(mask: number): Format[] {
  return FORMAT_NAMES.map((_, i) => i as Format).filter((f) => (mask >> f) & 1);
}

export function formatMask(formats: readonly Format[]): number {
  return formats.reduce<number>((mask, f) => mask | (1 << f), 0);
}

/** The formats each modality may allow (OpenLedger's lists, jsonl and csv added for fine-tuning). */
export const MODALITY_FORMATS: Record<Modality, readonly Format[]> = {
  [Modality.Text]: formatsOfMask(TEXT_FORMATS),
  [Modality.Image]: formatsOfMask(IMAGE_FORMATS),
  [Modality.Audio]: formatsOfMask(AUDIO_FORMATS),
};

/** Formats whose files are UTF-8 text. */
export const TEXT_FORMAT_LIST: readonly Format[] = [Format.Txt, Format.Md, Format.Jsonl, Format.Csv];

/** Extra names accepted where users type a format. */
const FORMAT_ALIASES: Record<string, Format> = { jpg: Format.Jpeg, tif: Format.Tiff, markdown: Format.Md, text: Format.Txt };

export function formatName(format: number): FormatName {
  const name = FORMAT_NAMES[format];
  if (!name) throw new Error(`unknown format number ${format}`);
  return name;
}

export function modalityName(modality: number): ModalityName {
  const name = MODALITY_NAMES[modality];
  if (!name) throw new Error(`unknown modality number ${modality}`);
  return name;
}

/** Parses a format name (`png`, `jpg`, `.md`…); undefined when unknown. */
export function parseFormat(name: string): Format | undefined {
  const key = name.toLowerCase().replace(/^\./, "");
  const index = (FORMAT_NAMES as readonly string[]).indexOf(key);
  if (index >= 0) return index as Format;
  return FORMAT_ALIASES[key];
}

export function parseModality(name: string): Modality | undefined {
  const index = (MODALITY_NAMES as readonly string[]).indexOf(name.toLowerCase());
  return index >= 0 ? (index as Modality) : undefined;
}

/** The format a file name's extension claims, if any. */
export function formatFromFileName(fileName: string): Format | undefined {
  const dot = fileName.lastIndexOf(".");
  return dot < 0 ? undefined : parseFormat(fileName.slice(dot + 1));
}

export function modalityOfFormat(format: Format): Modality {
  for (const [modality, mask] of Object.entries(MODALITY_FORMAT_MASKS)) {
    if ((mask >> format) & 1) return Number(modality) as Modality;
  }
  throw new Error(`format ${format} belongs to no modality`);
}
