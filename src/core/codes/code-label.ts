import { invalidInput } from '../errors.js';

/** Labels group codes ("vip", "press", "row-12"): 1 to 100 printable characters. */
export function checkLabel(label: string | undefined, what = '--label'): string | null {
  if (label === undefined) return null;
  const trimmed = label.trim();
  if (trimmed.length === 0 || trimmed.length > 100 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw invalidInput(`${what}: a label is 1 to 100 printable characters`);
  }
  return trimmed;
}

export const MAX_CODES_PER_BATCH = 1_000_000;

export function checkCount(count: number, what = '--count'): number {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CODES_PER_BATCH) {
    throw invalidInput(`${what}: must be a whole number from 1 to ${MAX_CODES_PER_BATCH.toLocaleString('en')}`);
  }
  return count;
}
