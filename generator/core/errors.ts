/**
 * Errors caused by what the user gave us (a flag, a file, a field of a file).
 * The CLI prints `message` and exits with status 2; nothing is written.
 */
export class InputError extends Error {
  /** The flag, file or field at fault, as the user knows it: `--nin`, `matrix.npy`, `planes[0][3]`. */
  readonly field: string;

  constructor(field: string, problem: string) {
    super(`${field}: ${problem}`);
    this.name = 'InputError';
    this.field = field;
  }
}

/** Checks that `value` is an integer in [min, max]; `allowed` describes the range in words if given. */
export function requireInteger(field: string, value: unknown, min: number, max: number, allowed?: string): number {
  const range = allowed ?? `an integer from ${min} to ${max}`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InputError(field, `must be ${range}; got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return JSON.stringify(value);
}
