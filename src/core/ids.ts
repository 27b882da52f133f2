import { randomString } from './crockford.js';

const LOWER = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * Opaque ids that sort by creation time: 9 characters of millisecond clock, then 11 random
 * (55 bits). Time order keeps B-tree inserts near the end of the index; the random tail keeps
 * them unguessable, so an id in a JWT says nothing about how many codes an install has sold.
 */
export function timeOrderedId(nowMs: number = Date.now()): string {
  return nowMs.toString(32).padStart(9, '0') + randomString(11, LOWER);
}

/** A stream key: 32 characters of [a-z0-9] (~165 bits), safe in a URL path and in OBS. */
export function newStreamKey(): string {
  return randomString(32, 'abcdefghijklmnopqrstuvwxyz0123456789');
}
