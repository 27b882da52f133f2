import { invalidInput } from './errors.js';

/**
 * Times as operators type and read them. A time without an offset means the wall clock of the
 * machine's zone (TZ), as `date` and cron read it; every time printed back carries its offset,
 * so nothing is ambiguous on the way in or out. Stored times are epoch milliseconds (UTC).
 */

// ISO 8601 date or date-time, with an optional offset.
const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

const EXAMPLE = '2027-05-01T18:00, 2027-05-01T18:00+02:00 or 2027-05-01T16:00Z';

export interface ParseTimeOptions {
  /** Refuse a time without an offset (over HTTP there is no operator's zone to assume). */
  requireOffset?: boolean;
}

/** Parses an ISO 8601 time into epoch milliseconds; `what` names the flag or field in the error. */
export function parseTime(text: string, what: string, options: ParseTimeOptions = {}): number {
  const trimmed = text.trim();
  const match = ISO_8601.exec(trimmed);
  if (!match) throw invalidInput(`${what}: "${text}" is not an ISO 8601 time (e.g. ${EXAMPLE})`);
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = '', offset] = match;
  const wall: WallTime = {
    year: Number(year), month: Number(month), day: Number(day),
    hour: Number(hour), minute: Number(minute), second: Number(second),
    ms: Math.floor(Number(`0${fraction || '.0'}`) * 1000),
  };
  if (!isValidWallTime(wall)) throw invalidInput(`${what}: "${text}" is not a valid date and time`);
  if (offset) {
    const minutes = offsetMinutes(offset);
    if (Math.abs(minutes) > 18 * 60) throw invalidInput(`${what}: "${text}" has an offset beyond ±18:00`);
    return wallAsUtc(wall) - minutes * 60_000;
  }
  if (options.requireOffset) throw invalidInput(`${what}: "${text}" needs an offset or Z (e.g. 2027-05-01T18:00:00+02:00)`);
  return localWallTime(wall, text, what);
}

interface WallTime {
  year: number; month: number; day: number; hour: number; minute: number; second: number; ms: number;
}

function wallAsUtc(w: WallTime): number {
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);
}

// Date.UTC rolls 2027-02-30 over to March and 24:00 to the next day; refuse instead of guessing.
function isValidWallTime(w: WallTime): boolean {
  const probe = new Date(wallAsUtc(w));
  return probe.getUTCFullYear() === w.year && probe.getUTCMonth() === w.month - 1 && probe.getUTCDate() === w.day
    && w.hour < 24 && w.minute < 60 && w.second < 60;
}

function offsetMinutes(offset: string): number {
  if (offset.toUpperCase() === 'Z') return 0;
  const digits = offset.replace(':', '');
  const sign = digits.startsWith('-') ? -1 : 1;
  return sign * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
}

/** The local zone's offset east of UTC at `ms`, in minutes. */
function localOffsetMinutes(ms: number): number {
  return -new Date(ms).getTimezoneOffset();
}

function sameLocalWallTime(ms: number, w: WallTime): boolean {
  const d = new Date(ms);
  return d.getFullYear() === w.year && d.getMonth() === w.month - 1 && d.getDate() === w.day
    && d.getHours() === w.hour && d.getMinutes() === w.minute && d.getSeconds() === w.second;
}

/**
 * The instant at which the local clock shows `wall`. Around a DST change a wall time can happen
 * never (spring forward) or twice (fall back): both are refused, naming the zone, rather than
 * shifted by an hour without a word.
 */
function localWallTime(wall: WallTime, text: string, what: string): number {
  const asUtc = wallAsUtc(wall);
  const day = 86_400_000;
  const offsets = new Set([localOffsetMinutes(asUtc - day), localOffsetMinutes(asUtc), localOffsetMinutes(asUtc + day)]);
  const instants = [...new Set([...offsets].map((o) => asUtc - o * 60_000))].filter((ms) => sameLocalWallTime(ms, wall));
  const zone = localZoneName();
  if (instants.length === 0) {
    throw invalidInput(`${what}: "${text}" does not exist in ${zone} (the clocks skip it for daylight saving time); give an offset`);
  }
  if (instants.length > 1) {
    const choices = instants.sort((a, b) => a - b).map((ms) => formatLocalTime(ms)).join(' or ');
    throw invalidInput(`${what}: "${text}" happens twice in ${zone} (daylight saving time ends); give an offset: ${choices}`);
  }
  return instants[0]!;
}

/** The zone times without an offset are read in, e.g. "Europe/Berlin" (TZ, else the system's). */
export function localZoneName(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'the local zone';
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * An instant as local wall time with its offset, e.g. `2027-01-02 10:00-05:00` (seconds only when
 * there are some). It reads back unchanged through `parseTime`.
 */
export function formatLocalTime(ms: number): string {
  const d = new Date(ms);
  const offset = localOffsetMinutes(ms);
  const sign = offset < 0 ? '-' : '+';
  const seconds = d.getSeconds() || d.getMilliseconds() ? `:${pad(d.getSeconds())}` : '';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}${seconds}`
    + `${sign}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
}
