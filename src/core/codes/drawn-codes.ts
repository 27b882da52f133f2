import { randomFillSync, type KeyObject } from 'node:crypto';
import { CODE_LENGTH, ID_ALPHABET, codeIdFromHash, generateCode } from '../access-code.js';
import { CROCKFORD_ALPHABET } from '../crockford.js';
import { CodeHmac } from './code-hmac.js';

const HASH_BYTES = 32;
/** A code's id in bytes: 80 hash bits in base32. */
export const ID_LENGTH = 16;
/** One packed row (see `rows`): the id's ASCII bytes, then the hash. */
export const ROW_BYTES = ID_LENGTH + HASH_BYTES;
/** Positions take the low bits of a sort key; the high bits are the hash's first 32 bits. */
const POSITION_BITS = 20;
export const MAX_DRAWN = 2 ** POSITION_BITS;
/** Codes drawn per refill of the random pool. */
const DRAW_CHUNK = 4096;

const CODE_SYMBOLS = Buffer.from(CROCKFORD_ALPHABET, 'latin1');
const ID_SYMBOLS = Buffer.from(ID_ALPHABET, 'latin1');

/**
 * A batch's codes as drawn, in id order, packed in two buffers: a million codes take 44 MB
 * instead of three million small objects (1 GB and seconds of garbage collection before).
 *
 * Ids sort like hashes, and a batch is stored in id order so that each short transaction writes
 * the index's pages about once. Sorting a Float64Array of (first 32 hash bits, position) keys is
 * native and needs no comparator; codes sharing their first 32 bits (about a hundred in a
 * million) keep their drawing order, which costs nothing but a page touched twice.
 *
 * Codes are drawn straight into the buffer (32 symbols: one random byte's low 5 bits each, so
 * every symbol is equally likely) and hashed by CodeHmac; no string exists per code.
 */
export class DrawnCodes {
  private readonly codes: Buffer;
  private readonly hashes: Buffer;
  /** The positions in `codes`/`hashes`, in id order. */
  private readonly order: Uint32Array;
  private readonly hmac: CodeHmac;

  constructor(
    readonly count: number,
    pepper: KeyObject,
    onProgress: (drawn: number) => void = () => undefined,
  ) {
    if (!Number.isInteger(count) || count < 0 || count > MAX_DRAWN) throw new RangeError(`a batch holds at most ${MAX_DRAWN} codes`);
    this.codes = Buffer.alloc(count * CODE_LENGTH);
    this.hashes = Buffer.alloc(count * HASH_BYTES);
    this.hmac = new CodeHmac(pepper);
    const keys = new Float64Array(count);
    const random = Buffer.alloc(DRAW_CHUNK * CODE_LENGTH);
    for (let start = 0; start < count; start += DRAW_CHUNK) {
      const end = Math.min(count, start + DRAW_CHUNK);
      randomFillSync(random);
      for (let b = 0; b < (end - start) * CODE_LENGTH; b++) this.codes[start * CODE_LENGTH + b] = CODE_SYMBOLS[random[b]! & 31]!;
      for (let p = start; p < end; p++) {
        this.hmac.hashInto(this.codes, p * CODE_LENGTH, this.hashes, p * HASH_BYTES);
        keys[p] = this.hashes.readUInt32BE(p * HASH_BYTES) * MAX_DRAWN + p;
        if ((p & 8191) === 8191) onProgress(p + 1);
      }
    }
    // Each random byte is a code's symbol: wipe them so a later heap dump cannot replay codes.
    random.fill(0);
    onProgress(count);
    keys.sort();
    this.order = new Uint32Array(count);
    for (let i = 0; i < count; i++) this.order[i] = keys[i]! % MAX_DRAWN;
  }

  /** The `i`-th code in id order, as issued. */
  code(i: number): string {
    const p = this.order[i]!;
    return this.codes.toString('latin1', p * CODE_LENGTH, (p + 1) * CODE_LENGTH);
  }

  /** The codes `from`..`end` in id order, CODE_LENGTH latin1 bytes each, back to back (a copy). */
  codeBytes(from: number, end: number): Buffer {
    const out = Buffer.allocUnsafe((end - from) * CODE_LENGTH);
    for (let i = from; i < end; i++) copyBytes(this.codes, this.order[i]! * CODE_LENGTH, out, (i - from) * CODE_LENGTH, CODE_LENGTH);
    return out;
  }

  /** Its stored hash (a view into the batch's buffer). */
  hash(i: number): Buffer {
    const p = this.order[i]!;
    return this.hashes.subarray(p * HASH_BYTES, (p + 1) * HASH_BYTES);
  }

  id(i: number): string {
    return codeIdFromHash(this.hash(i));
  }

  /**
   * The rows `from`..`end` (in id order) packed for one INSERT: ROW_BYTES each, the id in ASCII
   * then the hash. One bound blob costs the database driver the same whatever the row count.
   */
  rows(from: number, end: number): Buffer {
    const out = Buffer.allocUnsafe((end - from) * ROW_BYTES);
    for (let i = from; i < end; i++) this.packRow(i, out, (i - from) * ROW_BYTES);
    return out;
  }

  /** As `rows`, for the rows at `positions`. */
  rowsAt(positions: readonly number[]): Buffer {
    const out = Buffer.allocUnsafe(positions.length * ROW_BYTES);
    positions.forEach((i, k) => this.packRow(i, out, k * ROW_BYTES));
    return out;
  }

  /** Replaces the `i`-th code by a new one, for an id that turned out to be taken already. */
  redraw(i: number): void {
    const p = this.order[i]!;
    this.codes.write(generateCode(), p * CODE_LENGTH, 'latin1');
    this.hmac.hashInto(this.codes, p * CODE_LENGTH, this.hashes, p * HASH_BYTES);
  }

  /** Overwrites every plaintext code and the pepper's pad states, once the codes are written where they belong. */
  wipe(): void {
    this.codes.fill(0);
    this.hmac.wipe();
  }

  private packRow(i: number, out: Buffer, at: number): void {
    const h = this.order[i]! * HASH_BYTES;
    writeId(this.hashes, h, out, at);
    writeId(this.hashes, h + 5, out, at + 8);
    copyBytes(this.hashes, h, out, at + ID_LENGTH, HASH_BYTES);
  }
}

/** A few bytes copied in place: Buffer#copy costs ~1 µs a call, which a million small copies feel. */
function copyBytes(from: Uint8Array, start: number, to: Uint8Array, at: number, length: number): void {
  for (let k = 0; k < length; k++) to[at + k] = from[start + k]!;
}

/** Base32 of the 5 bytes at `hashes[h..]` as 8 ASCII bytes at `out[at..]` (as codeIdFromHash). */
function writeId(hashes: Buffer, h: number, out: Buffer, at: number): void {
  const b0 = hashes[h]!;
  const b1 = hashes[h + 1]!;
  const b2 = hashes[h + 2]!;
  const b3 = hashes[h + 3]!;
  const b4 = hashes[h + 4]!;
  out[at] = ID_SYMBOLS[b0 >>> 3]!;
  out[at + 1] = ID_SYMBOLS[((b0 & 7) << 2) | (b1 >>> 6)]!;
  out[at + 2] = ID_SYMBOLS[(b1 >>> 1) & 31]!;
  out[at + 3] = ID_SYMBOLS[((b1 & 1) << 4) | (b2 >>> 4)]!;
  out[at + 4] = ID_SYMBOLS[((b2 & 15) << 1) | (b3 >>> 7)]!;
  out[at + 5] = ID_SYMBOLS[(b3 >>> 2) & 31]!;
  out[at + 6] = ID_SYMBOLS[((b3 & 3) << 3) | (b4 >>> 5)]!;
  out[at + 7] = ID_SYMBOLS[b4 & 31]!;
}
