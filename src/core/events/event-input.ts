import { invalidInput } from '../errors.js';
import { formatLocalTime } from '../local-time.js';

export const EVENT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function checkEventId(id: string, what = '--id'): string {
  if (!EVENT_ID_PATTERN.test(id)) {
    throw invalidInput(`${what}: "${id}" is not an event id (lower-case letters, digits and dashes, at most 63, starting with a letter or digit)`);
  }
  return id;
}

/** A readable id from a title: "Spring Conf 2026!" → "spring-conf-2026". */
export function slugify(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/, '');
}

export function checkTitle(title: string, what = '--title'): string {
  const trimmed = title.trim();
  if (trimmed.length === 0 || trimmed.length > 200 || /[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw invalidInput(`${what}: a title is 1 to 200 printable characters`);
  }
  return trimmed;
}

export function checkWindow(startsAt: number | null, endsAt: number | null): void {
  if (startsAt !== null && endsAt !== null && endsAt <= startsAt) {
    throw invalidInput('--ends-at: must be after --starts-at');
  }
}

/**
 * A new event that has already ended would be listed as scheduled and refuse its own codes (born
 * expired), so it is refused at once. Updating an end into the past stays allowed: that ends it.
 */
export function checkEndsInFuture(endsAt: number | null, nowMs: number): void {
  if (endsAt !== null && endsAt <= nowMs) {
    throw invalidInput(`--ends-at: ${formatLocalTime(endsAt)} is already past; a new event must end in the future (or leave --ends-at out)`);
  }
}

export function checkRewatchHours(hours: number, what = '--rewatch'): number {
  if (!Number.isInteger(hours) || hours < 0 || hours > 87_600) {
    throw invalidInput(`${what}: the rewatch window is 0 hours to 10 years, in whole hours`);
  }
  return hours;
}
