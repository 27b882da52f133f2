import type { EventEncryption } from '../db/schema.js';
import { invalidInput } from '../errors.js';

export const ENCRYPTIONS = ['none', 'aes-128'] as const satisfies readonly EventEncryption[];

export function checkEncryption(value: string, what = '--encryption'): EventEncryption {
  if (!(ENCRYPTIONS as readonly string[]).includes(value)) throw invalidInput(`${what}: "${value}" is not an encryption (none or aes-128)`);
  return value as EventEncryption;
}
