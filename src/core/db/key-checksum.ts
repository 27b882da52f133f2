import { createHash } from 'node:crypto';

const MOD = 1n << 64n;

/**
 * An order-independent checksum of a table's keys: the sum, modulo 2^64, of the first 8 bytes of
 * each key's SHA-256. Both sides of a copy read their keys in their own collation's order (SQLite
 * sorts text bytewise, PostgreSQL by locale), so the checksum must not depend on the order; keys
 * are unique, so a sum catches a row that is missing, doubled or changed.
 */
export class KeyChecksum {
  private sum = 0n;

  add(key: unknown): void {
    this.sum = (this.sum + createHash('sha256').update(String(key)).digest().readBigUInt64BE(0)) % MOD;
  }

  toString(): string {
    return this.sum.toString(16).padStart(16, '0');
  }
}
