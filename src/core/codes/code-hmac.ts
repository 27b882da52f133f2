import { createHash, type KeyObject } from 'node:crypto';
import { CODE_LENGTH } from '../access-code.js';

/** SHA-256 round constants (FIPS 180-4 §4.2.2). */
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
  0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
  0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
  0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
  0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
  0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
const IV = new Int32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const BLOCK_BYTES = 64;
const HASH_BYTES = 32;

/**
 * HMAC-SHA256 under the pepper of CODE_LENGTH-byte codes, exactly what `hashCode` stores, for a
 * whole batch. node:crypto costs ~3.7 µs a code, nearly all of it per-call setup (a new HMAC
 * context, the key's two pad blocks hashed again); here the pad states are computed once and each
 * code is two SHA-256 blocks in plain integer code, ~0.8 µs. Tests check it against node:crypto.
 *
 * The pad states are as secret as the pepper: `wipe` them once the batch is hashed.
 */
export class CodeHmac {
  private readonly inner = new Int32Array(8);
  private readonly outer = new Int32Array(8);
  private readonly w = new Int32Array(64);
  private readonly mid = new Int32Array(8);

  constructor(pepper: KeyObject) {
    let key = pepper.export();
    if (key.length > BLOCK_BYTES) key = createHash('sha256').update(key).digest();
    const block = Buffer.alloc(BLOCK_BYTES);
    key.copy(block);
    key.fill(0);
    this.padState(block, 0x36, this.inner);
    this.padState(block, 0x5c, this.outer);
    block.fill(0);
  }

  /** Hashes the code at `codes[from..from+CODE_LENGTH)` into `out[at..at+32)`. */
  hashInto(codes: Uint8Array, from: number, out: Uint8Array, at: number): void {
    const w = this.w;
    // Inner block: the code, the 0x80 end marker, zeros, then the length in bits of pad + code.
    w[0] = (codes[from]! << 24) | (codes[from + 1]! << 16) | (codes[from + 2]! << 8) | codes[from + 3]!;
    w[1] = (codes[from + 4]! << 24) | (codes[from + 5]! << 16) | (codes[from + 6]! << 8) | codes[from + 7]!;
    w[2] = (codes[from + 8]! << 24) | (codes[from + 9]! << 16) | (codes[from + 10]! << 8) | codes[from + 11]!;
    w[3] = 0x80000000;
    w.fill(0, 4, 15);
    w[15] = (BLOCK_BYTES + CODE_LENGTH) * 8;
    compress(this.inner, w, this.mid);
    // Outer block: the inner digest, end marker, zeros, length of pad + digest.
    w.set(this.mid, 0);
    w[8] = 0x80000000;
    w.fill(0, 9, 15);
    w[15] = (BLOCK_BYTES + HASH_BYTES) * 8;
    compress(this.outer, w, this.mid);
    for (let i = 0; i < 8; i++) {
      const v = this.mid[i]!;
      out[at + 4 * i] = v >>> 24;
      out[at + 4 * i + 1] = v >>> 16;
      out[at + 4 * i + 2] = v >>> 8;
      out[at + 4 * i + 3] = v;
    }
  }

  wipe(): void {
    this.inner.fill(0);
    this.outer.fill(0);
    this.w.fill(0);
    this.mid.fill(0);
  }

  private padState(key: Buffer, pad: number, state: Int32Array): void {
    for (let i = 0; i < 16; i++) {
      this.w[i] = ((key[4 * i]! ^ pad) << 24) | ((key[4 * i + 1]! ^ pad) << 16) | ((key[4 * i + 2]! ^ pad) << 8) | (key[4 * i + 3]! ^ pad);
    }
    compress(IV, this.w, state);
  }
}

/** One SHA-256 compression of the block in `w[0..16)` (expanded in place) from `state` into `out`. */
function compress(state: Int32Array, w: Int32Array, out: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const w15 = w[t - 15]!;
    const w2 = w[t - 2]!;
    const s0 = ((w15 >>> 7) | (w15 << 25)) ^ ((w15 >>> 18) | (w15 << 14)) ^ (w15 >>> 3);
    const s1 = ((w2 >>> 17) | (w2 << 15)) ^ ((w2 >>> 19) | (w2 << 13)) ^ (w2 >>> 10);
    w[t] = (s1 + w[t - 7]! + s0 + w[t - 16]!) | 0;
  }
  let a = state[0]!;
  let b = state[1]!;
  let c = state[2]!;
  let d = state[3]!;
  let e = state[4]!;
  let f = state[5]!;
  let g = state[6]!;
  let h = state[7]!;
  for (let t = 0; t < 64; t++) {
    const s1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const t1 = (h + s1 + ((e & f) ^ (~e & g)) + K[t]! + w[t]!) | 0;
    const s0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const t2 = (s0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  out[0] = (state[0]! + a) | 0;
  out[1] = (state[1]! + b) | 0;
  out[2] = (state[2]! + c) | 0;
  out[3] = (state[3]! + d) | 0;
  out[4] = (state[4]! + e) | 0;
  out[5] = (state[5]! + f) | 0;
  out[6] = (state[6]! + g) | 0;
  out[7] = (state[7]! + h) | 0;
}
