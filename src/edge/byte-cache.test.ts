import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteCache } from './byte-cache.js';

describe('ByteCache', () => {
  it('evicts the least recently used to stay within its bound', () => {
    const cache = new ByteCache(800); // entries up to 100 bytes
    for (const key of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h']) {
      assert.ok(cache.reserve(100));
      cache.settle(100, key, Buffer.alloc(100));
    }
    assert.equal(cache.bytes, 800);
    cache.get('a'); // now the most recent
    assert.ok(cache.reserve(100));
    cache.settle(100, 'i', Buffer.alloc(100));
    assert.equal(cache.bytes, 800);
    assert.ok(cache.get('a') && !cache.get('b'), 'b, the least recently used, went');
  });

  it('refuses entries over an eighth of it, and reservations it cannot cover', () => {
    const cache = new ByteCache(800);
    assert.equal(cache.reserve(101), false);
    for (let i = 0; i < 8; i++) assert.ok(cache.reserve(100));
    assert.equal(cache.reserve(1), false, 'all reserved by loads under way');
    assert.equal(cache.bytes, 800);
    for (let i = 0; i < 8; i++) cache.settle(100, `k${i}`, i % 2 ? null : Buffer.alloc(100));
    assert.equal(cache.bytes, 400, 'failed loads release their reservation');
  });

  it('with a bound of 0 holds nothing', () => {
    const cache = new ByteCache(0);
    assert.equal(cache.reserve(1), false);
    assert.equal(cache.bytes, 0);
  });
});
