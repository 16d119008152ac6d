// Names of the contracts' enums (contracts/libraries/Formats.sol, interfaces/*.sol), in enum order.
export const MODALITIES = ["text", "image", "audio"] as const;
export const FORMATS = ["txt", "md", "pdf", "docx", "jsonl", "csv", "png", "jpeg", "webp", "tiff", "bmp", "wav", "mp3", "flac"] as const;
export const TRAINING_METHODS = ["LoRA", "QLoRA", "Full"] as const;
/** `Status` of IDatanets.sol; 0 (None) never appears in an event. */
export const STATUSES = ["None", "Pending", "Accepted", "Rejected", "Expired"] as const;
export type ContributionStatus = "Pending" | "Accepted" | "Rejected" | "Expired";

export function formatNames(mask: number): string[] {
  return FORMATS.filter((_, bit) => (mask >> bit) & 1);
}

export function nameOf(list: readonly string[], value: number, what: string): string {
  const name = list[value];
  if (name === undefined) throw new Error(`unknown ${what} ${value}`);
  return name;
}

/** Seconds in a UTC day, as the contracts count quota days (`block.timestamp / 1 days`). */
export const DAY = 86_400n;

/** The leaderboard key: accepted count first, accepted bytes second. */
export function scoreOf(accepted: number, acceptedBytes: bigint): bigint {
  return (BigInt(accepted) << 64n) + acceptedBytes;
}

/** A ratio in basis points, or null when nothing was decided yet. */
export function rateBps(yes: number, no: number): number | null {
  const total = yes + no;
  return total === 0 ? null : Math.floor((yes * 10_000) / total);
}
