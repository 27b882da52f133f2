import { createHmac, type KeyObject } from 'node:crypto';
import { normaliseCrockford, randomString } from './crockford.js';

/** 12 Crockford base32 characters: 60 random bits (SPEC §2). */
export const CODE_LENGTH = 12;

export function generateCode(): string {
  return randomString(CODE_LENGTH);
}

/** What a viewer or operator typed, as the canonical code, or null if it cannot be one. */
export function normaliseCode(input: string): string | null {
  return normaliseCrockford(input, CODE_LENGTH);
}

/**
 * The only form a code is stored in: HMAC-SHA256 under the pepper from data/secret. Without the
 * pepper a stolen database cannot be brute-forced offline, 60 bits or not.
 */
export function hashCode(pepper: KeyObject, normalisedCode: string): Buffer {
  return createHmac('sha256', pepper).update(normalisedCode).digest();
}
