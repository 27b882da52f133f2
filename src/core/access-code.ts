import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { CodeHmac } from './codes/code-hmac.js';
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

export const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford, lower case; sorts like the bytes
export const ID_BYTES = 10;

/**
 * A code's public id: its hash's first 80 bits in base32 (16 characters). Looking a code up is
 * a primary-key probe (id from the hash, then a constant-time check of the full hash), so the
 * table needs no second index; and ids sort like hashes, which lets a batch be written in key
 * order. Without the pepper an id reveals nothing of its code, nor how many codes exist.
 */
export function codeIdFromHash(hash: Buffer): string {
  let id = '';
  let bits = 0;
  let value = 0;
  for (let i = 0; i < ID_BYTES; i++) {
    value = (value << 8) | hash[i]!;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      id += ID_ALPHABET[(value >>> bits) & 31];
    }
    value &= (1 << bits) - 1;
  }
  return id;
}

/**
 * Each pepper's HMAC pad states, computed once: a new node:crypto HMAC per code hashes the key's
 * two pad blocks again, the larger part of a validation's hash (code-hmac.ts). They are as secret
 * as the pepper, which the keyring holds in this process anyway, and go with its KeyObject.
 */
const codeHmacs = new WeakMap<KeyObject, CodeHmac>();

/** Everything stored about a code: its hash and the id derived from it. */
export function codeKey(pepper: KeyObject, normalisedCode: string): { id: string; hash: Buffer } {
  const hash = hashNormalisedCode(pepper, normalisedCode);
  return { id: codeIdFromHash(hash), hash };
}

/** `hashCode`, with the pepper's pad states kept for a code of CODE_LENGTH ASCII characters (every normalised code). */
function hashNormalisedCode(pepper: KeyObject, normalisedCode: string): Buffer {
  if (normalisedCode.length !== CODE_LENGTH || !/^[\x21-\x7e]+$/.test(normalisedCode)) return hashCode(pepper, normalisedCode);
  let hmac = codeHmacs.get(pepper);
  if (!hmac) codeHmacs.set(pepper, (hmac = new CodeHmac(pepper)));
  const hash = Buffer.alloc(32);
  hmac.hashInto(Buffer.from(normalisedCode, 'latin1'), 0, hash, 0);
  return hash;
}

export function hashesEqual(stored: Uint8Array, computed: Buffer): boolean {
  return stored.length === computed.length && timingSafeEqual(stored, computed);
}
