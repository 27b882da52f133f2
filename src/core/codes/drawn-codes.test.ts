import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { CROCKFORD_ALPHABET } from '../crockford.js';
import { codeKey } from '../access-code.js';
import { DrawnCodes, MAX_DRAWN, ROW_BYTES } from './drawn-codes.js';

const pepper = createSecretKey(randomBytes(32));

describe('DrawnCodes', () => {
  it('holds distinct codes whose ids and hashes are those of codeKey, in id order', () => {
    const drawn = new DrawnCodes(5_000, pepper);
    const ids: string[] = [];
    for (let i = 0; i < drawn.count; i++) {
      const expected = codeKey(pepper, drawn.code(i));
      assert.equal(drawn.id(i), expected.id);
      assert.ok(drawn.hash(i).equals(expected.hash));
      ids.push(drawn.id(i));
    }
    assert.deepEqual(ids, [...ids].sort());
    assert.equal(new Set(ids).size, drawn.count);
  });

  it('packs rows as id bytes then hash, and code bytes, in id order', () => {
    const drawn = new DrawnCodes(300, pepper);
    const rows = drawn.rows(10, 300);
    const codes = drawn.codeBytes(10, 300);
    for (let i = 10; i < 300; i++) {
      const at = (i - 10) * ROW_BYTES;
      assert.equal(rows.toString('latin1', at, at + 16), drawn.id(i));
      assert.deepEqual(rows.subarray(at + 16, at + ROW_BYTES), drawn.hash(i));
      assert.equal(codes.toString('latin1', (i - 10) * 12, (i - 9) * 12), drawn.code(i));
    }
    assert.deepEqual(drawn.rowsAt([7, 3]), Buffer.concat([drawn.rows(7, 8), drawn.rows(3, 4)]));
  });

  it('draws every symbol of the alphabet about equally often', () => {
    const drawn = new DrawnCodes(20_000, pepper);
    const counts = new Map<string, number>();
    for (const char of drawn.codeBytes(0, drawn.count).toString('latin1')) counts.set(char, (counts.get(char) ?? 0) + 1);
    assert.deepEqual([...counts.keys()].sort().join(''), CROCKFORD_ALPHABET);
    // 240,000 symbols: 7,500 expected each; 6 standard deviations is ±520.
    for (const [char, n] of counts) assert.ok(Math.abs(n - 7_500) < 520, `${char}: ${n}`);
  });

  it('redraw gives that code a new value and hash, leaving the others alone', () => {
    const drawn = new DrawnCodes(10, pepper);
    const before = Array.from({ length: 10 }, (_, i) => drawn.code(i));
    drawn.redraw(3);
    assert.notEqual(drawn.code(3), before[3]);
    assert.equal(drawn.id(3), codeKey(pepper, drawn.code(3)).id);
    for (const i of [0, 1, 2, 4, 9]) assert.equal(drawn.code(i), before[i]);
  });

  it('reports progress up to the count, wipes the plaintext, and refuses more than it can order', () => {
    const seen: number[] = [];
    const drawn = new DrawnCodes(20_000, pepper, (n) => seen.push(n));
    assert.deepEqual(seen, [8192, 16384, 20000]);
    drawn.wipe();
    assert.equal(drawn.code(0), '\0'.repeat(12));
    assert.throws(() => new DrawnCodes(MAX_DRAWN + 1, pepper), RangeError);
  });
});
