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

// ISO 8601 date or date-time; a bare date means midnight UTC, a time without offset is UTC.
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Parses an ISO 8601 time into epoch milliseconds; `what` names the flag in the error. */
export function parseTime(text: string, what: string): number {
  const trimmed = text.trim();
  if (!ISO_8601.test(trimmed)) {
    throw invalidInput(`${what}: "${text}" is not an ISO 8601 time (e.g. 2026-05-01T18:00:00Z)`);
  }
  const hasZone = /(?:Z|[+-]\d{2}:?\d{2})$/i.test(trimmed) && trimmed.length > 10;
  const ms = Date.parse(hasZone || trimmed.length === 10 ? trimmed : `${trimmed}Z`);
  if (Number.isNaN(ms) || !sameCalendarDate(trimmed, ms)) {
    throw invalidInput(`${what}: "${text}" is not a valid date`);
  }
  return ms;
}

// Date.parse rolls 2026-02-30 over to March; refuse instead of guessing.
function sameCalendarDate(text: string, ms: number): boolean {
  const [year, month, day] = text.slice(0, 10).split('-').map(Number);
  const probe = new Date(Date.UTC(year!, month! - 1, day!));
  return probe.getUTCFullYear() === year && probe.getUTCMonth() === month! - 1 && probe.getUTCDate() === day && Number.isFinite(ms);
}

export function toIso(ms: number | null | undefined): string | null {
  return ms == null ? null : new Date(ms).toISOString();
}
