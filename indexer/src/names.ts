// Names of the contracts' enums, in enum order, from the protocol package (generated from the
// Solidity sources). Modalities and formats are the protocol's lower-case names; statuses and
// training methods keep the enum members' spelling ("Pending", "LoRA"), which the GraphQL schema
// and the SQL rows have always used.
import { FORMAT_NAMES, LeafFault, MODALITY_NAMES, Status, TrainingMethod } from "@openledger/protocol";

/** The member names of a generated enum object, indexed by value. */
function memberNames<const E extends Record<string, number>>(members: E): (keyof E & string)[] {
  const names: (keyof E & string)[] = [];
  for (const [name, value] of Object.entries(members)) names[value] = name as keyof E & string;
  return names;
}

export const MODALITIES = MODALITY_NAMES;
export const FORMATS = FORMAT_NAMES;
export const TRAINING_METHODS = memberNames(TrainingMethod);
/** `LeafFault` of IModelRegistry.sol ("NotAccepted", "WrongWeight", …). */
export const LEAF_FAULTS = memberNames(LeafFault);
/** `Status` of IDatanets.sol; 0 (None) never appears in an event. */
export const STATUSES = memberNames(Status);
export type ContributionStatus = Exclude<keyof typeof Status, "None">;

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
