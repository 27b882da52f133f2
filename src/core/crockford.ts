import { randomBytes } from 'node:crypto';

/** Crockford base32: digits and upper-case letters without I, L, O, U. */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * Uniform random string over `alphabet` from the CSPRNG. Rejection sampling keeps every
 * symbol equally likely for any alphabet size; for 32 symbols the mask is exact and nothing
 * is ever rejected. Bytes come from a pooled buffer because one `randomBytes` call per code
 * would dominate the cost of a million-code batch.
 */
export function randomString(length: number, alphabet = CROCKFORD_ALPHABET): string {
  const size = alphabet.length;
  if (size < 2 || size > 256) throw new RangeError('alphabet must have 2 to 256 symbols');
  const mask = (1 << Math.ceil(Math.log2(size))) - 1;
  let out = '';
  while (out.length < length) {
    const value = nextRandomByte() & mask;
    if (value < size) out += alphabet[value];
  }
  return out;
}

const POOL_SIZE = 64 * 1024;
let pool = Buffer.alloc(0);
let poolOffset = 0;

function nextRandomByte(): number {
  if (poolOffset >= pool.length) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const byte = pool[poolOffset]!;
  // Each byte is used once and then wiped, so a later heap dump cannot replay codes.
  pool[poolOffset++] = 0;
  return byte;
}

/**
 * Reads what a person typed: case, spaces and dashes are ignored, and the letters Crockford
 * reserves for misreadings map to the digits they look like (O→0, I/L→1). Returns null for
 * anything that still is not pure Crockford base32 of `length` characters.
 */
export function normaliseCrockford(input: string, length: number): string | null {
  const cleaned = input
    .toUpperCase()
    .replace(/[\s-]+/g, '')
    .replace(/O/g, '0')
    .replace(/[IL]/g, '1');
  if (cleaned.length !== length) return null;
  for (const char of cleaned) if (!CROCKFORD_ALPHABET.includes(char)) return null;
  return cleaned;
}
