// Sizes and spans of time in words, the same in the app, the CLI and governance's explanations:
// binary units, as the protocol's caps are stated ("1.5 MiB"), and durations in the largest units
// that say them ("1 h 5 min", "42 s").

const BYTE_UNITS = ["bytes", "KiB", "MiB", "GiB"];

/**
 * "1 byte", "1,023 bytes", "1.5 KiB", "10 MiB" (two decimals under 10, one above, trailing zeros
 * dropped). With `exact`, a size the unit rounds also gets its bytes: "10.3 MiB (10,747,904 bytes)".
 */
export function formatBytes(bytes: number | bigint, options: { exact?: boolean } = {}): string {
  const total = Number(bytes);
  if (total < 1024) return `${total.toLocaleString("en-US")} ${total === 1 ? "byte" : "bytes"}`;
  let value = total;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const decimals = value < 10 ? 2 : 1;
  const text = `${value.toLocaleString("en-US", { maximumFractionDigits: decimals })} ${BYTE_UNITS[unit]}`;
  const shown = Math.round(value * 10 ** decimals) / 10 ** decimals;
  return options.exact && shown * 1024 ** unit !== total ? `${text} (${total.toLocaleString("en-US")} bytes)` : text;
}

/**
 * A span of seconds in words: "42 s", "5 min", "1 h 1 min", "1 d 1 h" (seconds shown under 10 min
 * only, minutes under a day). With `exact`, every unit that is not zero: "1 d 1 min", "1 h 59 s".
 */
export function formatDuration(seconds: number, options: { exact?: boolean } = {}): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (options.exact) {
    const units: [number, string][] = [[86_400, "d"], [3_600, "h"], [60, "min"], [1, "s"]];
    let left = s;
    const parts: string[] = [];
    for (const [size, name] of units) {
      const n = Math.floor(left / size);
      left -= n * size;
      if (n) parts.push(`${n} ${name}`);
    }
    return parts.join(" ");
  }
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
