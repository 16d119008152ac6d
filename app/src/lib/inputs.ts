// Numbers people type into forms, refused with the field's name when they are not what it takes.
export class InputError extends Error {
  override name = "InputError";
}

export function parseWholeNumber(input: string, field: string, max = Number.MAX_SAFE_INTEGER): number {
  const text = input.trim().replace(/[,_\s]/g, "");
  if (!/^\d+$/.test(text)) throw new InputError(`${field} must be a whole number, not "${input.trim()}"`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value > max) throw new InputError(`${field} is at most ${max.toLocaleString("en-US")}, not ${input.trim()}`);
  return value;
}
