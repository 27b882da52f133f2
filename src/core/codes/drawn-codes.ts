import type { KeyObject } from 'node:crypto';
import { CODE_LENGTH, codeIdFromHash, generateCode, hashCode } from '../access-code.js';

const HASH_BYTES = 32;
/** Positions take the low bits of a sort key; the high bits are the hash's first 32 bits. */
const POSITION_BITS = 20;
export const MAX_DRAWN = 2 ** POSITION_BITS;

/**
 * A batch's codes as drawn, in id order, packed in two buffers: a million codes take 44 MB
 * instead of three million small objects (1 GB and seconds of garbage collection before).
 *
 * Ids sort like hashes, and a batch is stored in id order so that each short transaction writes
 * the index's pages about once. Sorting a Float64Array of (first 32 hash bits, position) keys is
 * native and needs no comparator; codes sharing their first 32 bits (about a hundred in a
 * million) keep their drawing order, which costs nothing but a page touched twice.
 */
export class DrawnCodes {
  private readonly codes: Buffer;
  private readonly hashes: Buffer;
  /** The positions in `codes`/`hashes`, in id order. */
  private readonly order: Uint32Array;

  constructor(
    readonly count: number,
    private readonly pepper: KeyObject,
    onProgress: (drawn: number) => void = () => undefined,
  ) {
    if (!Number.isInteger(count) || count < 0 || count > MAX_DRAWN) throw new RangeError(`a batch holds at most ${MAX_DRAWN} codes`);
    this.codes = Buffer.alloc(count * CODE_LENGTH);
    this.hashes = Buffer.alloc(count * HASH_BYTES);
    const keys = new Float64Array(count);
    for (let p = 0; p < count; p++) {
      this.draw(p);
      keys[p] = this.hashes.readUInt32BE(p * HASH_BYTES) * MAX_DRAWN + p;
      if ((p & 8191) === 8191) onProgress(p + 1);
    }
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

  /** Its stored hash (a view into the batch's buffer). */
  hash(i: number): Buffer {
    const p = this.order[i]!;
    return this.hashes.subarray(p * HASH_BYTES, (p + 1) * HASH_BYTES);
  }

  id(i: number): string {
    return codeIdFromHash(this.hash(i));
  }

  /** Replaces the `i`-th code by a new one, for an id that turned out to be taken already. */
  redraw(i: number): void {
    this.draw(this.order[i]!);
  }

  /** Overwrites every plaintext code, once they are written where they belong. */
  wipe(): void {
    this.codes.fill(0);
  }

  private draw(p: number): void {
    const code = generateCode();
    this.codes.write(code, p * CODE_LENGTH, 'latin1');
    hashCode(this.pepper, code).copy(this.hashes, p * HASH_BYTES);
  }
}
