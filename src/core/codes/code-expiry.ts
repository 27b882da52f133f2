import type { EventRow } from '../db/schema.js';
import { invalidInput } from '../errors.js';
import { formatLocalTime } from '../local-time.js';

const DEFAULT_LIFETIME_MS = 30 * 86_400_000;

/**
 * When new codes for `event` expire: an explicit time wins; otherwise the end of the event plus
 * its rewatch window, or 30 days from now for an event with no end. Codes born expired are refused.
 */
export function resolveCodeExpiry(event: EventRow, nowMs: number, explicit: { at?: number; inMs?: number }): number {
  const expiresAt =
    explicit.at ??
    (explicit.inMs !== undefined ? nowMs + explicit.inMs : null) ??
    (event.ends_at !== null ? event.ends_at + event.rewatch_hours * 3_600_000 : nowMs + DEFAULT_LIFETIME_MS);
  if (expiresAt <= nowMs) {
    const flag = explicit.at !== undefined ? '--expires-at' : '--expires-in';
    throw invalidInput(
      explicit.at !== undefined || explicit.inMs !== undefined
        ? `${flag}: the codes would already be expired (${formatLocalTime(expiresAt)} is past)`
        : `event "${event.id}" ended ${formatLocalTime(event.ends_at!)} and its ${event.rewatch_hours} h rewatch window closed ${formatLocalTime(expiresAt)}, `
          + 'so its codes would be born expired; give them an expiry with --expires-in (e.g. 7d) or --expires-at',
    );
  }
  return expiresAt;
}
