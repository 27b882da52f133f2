import type { DevicePolicy } from '../db/schema.js';
import { invalidInput } from '../errors.js';

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
