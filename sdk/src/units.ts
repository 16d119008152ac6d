// Sizes and spans of time in words, the same in the app, the CLI and governance's explanations:
// binary units, as the protocol's caps are stated ("1.5 MiB"), and durations in the largest units
// that say them ("1 h 5 min", "42 s").

const BYTE_UNITS = ["bytes", "KiB", "MiB", "GiB"];

/** "1 byte", "1,023 bytes", "1.5 KiB", "10 MiB" (two decimals under 10, one above, trailing zeros dropped). */
export function formatBytes(bytes: number | bigint): string {
  let value = Number(bytes);
  if (value < 1024) return `${value.toLocaleString("en-US")} ${value === 1 ? "byte" : "bytes"}`;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toLocaleString("en-US", { maximumFractionDigits: value < 10 ? 2 : 1 })} ${BYTE_UNITS[unit]}`;
}

/** A span of seconds in words: "42 s", "5 min", "1 h 1 min", "1 d 1 h" (seconds shown under 10 min only). */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const days = Math.floor(s / 86_400);
  const hours = Math.floor((s % 86_400) / 3_600);
  const minutes = Math.floor((s % 3_600) / 60);
  const parts: string[] = [];
  if (days) parts.push(`${days} d`);
  if (hours) parts.push(`${hours} h`);
  if (minutes && days === 0) parts.push(`${minutes} min`);
  if (parts.length === 0 || (days === 0 && hours === 0 && s % 60 && s < 600)) parts.push(`${s % 60} s`);
  return parts.join(" ");
}
