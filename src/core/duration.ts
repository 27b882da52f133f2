import { invalidInput } from './errors.js';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `30m`, `48h`, `7d` into milliseconds; `what` names the flag in the error. */
export function parseDuration(text: string, what: string): number {
  const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
  const amount = match ? Number(match[1]) : 0;
  if (!match || amount <= 0) {
    throw invalidInput(`${what}: "${text}" is not a duration (use e.g. 90s, 30m, 48h, 7d)`);
  }
  return amount * UNIT_MS[match[2]!]!;
}

export function toIso(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}
