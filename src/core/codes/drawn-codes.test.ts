import assert from 'node:assert/strict';
import { createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { codeKey } from '../access-code.js';
import { DrawnCodes, MAX_DRAWN } from './drawn-codes.js';

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
