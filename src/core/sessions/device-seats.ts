import type { DevicePolicy } from '../db/schema.js';
import { AppError, invalidInput } from '../errors.js';

/**
 * Seats per code and what a device beyond them gets (issue 14). A code plays on as many devices
 * at once as its batch has seats (`tokens create --devices N`); one more is refused with
 * `device_conflict` (`block`, the default) or takes the seat of the code's least recently seen
 * session, which ends with the reason `taken_over` (`takeover`).
 */
export const DEVICE_POLICIES = ['block', 'takeover'] as const satisfies readonly DevicePolicy[];

/** More seats than a household's screens makes a code a shared password: bounded, as the issue says. */
export const MAX_DEVICES = 100;

/** Why a session ended when another device took its seat; the player says "You started watching on another device". */
export const TAKEN_OVER = 'taken_over';

export function checkDevicePolicy(value: string, what = '--device-policy'): DevicePolicy {
  if (!(DEVICE_POLICIES as readonly string[]).includes(value)) throw invalidInput(`${what}: "${value}" is not a device policy (block or takeover)`);
  return value as DevicePolicy;
}

export function checkDevices(value: number, what = '--devices'): number {
  if (!Number.isInteger(value) || value < 1 || value > MAX_DEVICES) throw invalidInput(`${what}: a code plays on 1 to ${MAX_DEVICES} devices at once`);
  return value;
}

/**
 * The seat a new session takes: the lowest of 0..devices-1 that none of `taken` holds; null when
 * every seat is taken.
 */
export function freeSeat(devices: number, taken: readonly number[]): number | null {
  const held = new Set(taken);
  for (let seat = 0; seat < devices; seat++) if (!held.has(seat)) return seat;
  return null;
}

/**
 * The seat a device without a session gets among the code's `playing` sessions: a free one; or,
 * all taken, the least recently seen one's (`displaced`, to end) when the policy is `takeover`.
 * Otherwise 409 `device_conflict`, with `retryAfter` until that session times out (`timeoutMs`
 * after its last heartbeat), unless a device releases a seat before.
 */
export function seatForNewDevice<S extends { seat: number; last_seen_at: number }>(
  devices: number,
  policy: DevicePolicy,
  playing: S[],
  { now, timeoutMs }: { now: number; timeoutMs: number },
): { seat: number; displaced: S | null } {
  const seat = freeSeat(devices, playing.map((s) => s.seat));
  if (seat !== null) return { seat, displaced: null };
  // Every seat is taken (by the earliest sessions, if a code somehow has more than its seats).
  const leastRecent = playing.reduce((a, b) => (b.last_seen_at < a.last_seen_at ? b : a));
  if (policy === 'takeover' && leastRecent.seat < devices) return { seat: leastRecent.seat, displaced: leastRecent };
  const retryAfter = Math.max(1, Math.ceil((leastRecent.last_seen_at + timeoutMs - now) / 1000));
  const message = devices === 1 ? 'This code is playing on another device.' : `This code is playing on ${devices} other devices.`;
  throw new AppError(409, 'device_conflict', message, { retryAfter });
}
