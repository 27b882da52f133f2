import { parseDuration } from '../core/duration.js';
import { parseTime } from '../core/local-time.js';
import { invalidInput } from '../core/errors.js';

/** Flag parsers shared by commands; each names its flag in the error it throws. */

export function timeFlag(value: unknown, flag: string): number | undefined {
  return value === undefined ? undefined : parseTime(String(value), flag);
}

/** Like `timeFlag`, but "none" clears the time (for `events update`). */
export function clearableTimeFlag(value: unknown, flag: string): number | null | undefined {
  return value === 'none' ? null : timeFlag(value, flag);
}

export function durationFlag(value: unknown, flag: string): number | undefined {
  return value === undefined ? undefined : parseDuration(String(value), flag);
}

/** A rewatch window in whole hours; "0" (or 0h) means none. */
export function rewatchHoursFlag(value: unknown, flag = '--rewatch'): number | undefined {
  if (value === undefined) return undefined;
  if (/^0[smhd]?$/.test(String(value).trim())) return 0;
  const ms = parseDuration(String(value), flag);
  if (ms % 3_600_000 !== 0) throw invalidInput(`${flag}: use whole hours (e.g. 48h or 2d)`);
  return ms / 3_600_000;
}

export function countFlag(value: unknown, flag = '--count'): number {
  const text = String(value).replace(/[_,]/g, '');
  if (!/^\d{1,7}$/.test(text)) throw invalidInput(`${flag}: "${String(value)}" is not a whole number`);
  return Number(text);
}
