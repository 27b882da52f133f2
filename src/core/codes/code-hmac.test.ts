import assert from 'node:assert/strict';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateCode } from '../access-code.js';
import { CodeHmac } from './code-hmac.js';

describe('CodeHmac', () => {
  // Short, block-sized and longer-than-a-block peppers (HMAC hashes a long key first).
  for (const keyBytes of [32, 64, 100]) {
    it(`hashes codes exactly as node:crypto's HMAC-SHA256 does (${keyBytes}-byte pepper)`, () => {
      const key = randomBytes(keyBytes);
      const hmac = new CodeHmac(createSecretKey(key));
      const out = Buffer.alloc(40);
      for (let n = 0; n < 2_000; n++) {
        const code = Buffer.from(generateCode(), 'latin1');
        hmac.hashInto(code, 0, out, 8);
        assert.deepEqual(out.subarray(8), createHmac('sha256', key).update(code).digest());
      }
    });
  }

  it('reads the code at an offset and matches a known HMAC-SHA256 value', () => {
    const pepper = createSecretKey(Buffer.alloc(32, 7));
    const expected = createHmac('sha256', Buffer.alloc(32, 7)).update('ABCDEFGHJKMN').digest();
    const out = Buffer.alloc(32);
    new CodeHmac(pepper).hashInto(Buffer.from('xxABCDEFGHJKMN', 'latin1'), 2, out, 0);
    assert.deepEqual(out, expected);
  });

  it('forgets the pepper on wipe', () => {
    const pepper = createSecretKey(randomBytes(32));
    const hmac = new CodeHmac(pepper);
    hmac.wipe();
    const out = Buffer.alloc(32);
    hmac.hashInto(Buffer.from('ABCDEFGHJKMN', 'latin1'), 0, out, 0);
    assert.notDeepEqual(out, createHmac('sha256', pepper).update('ABCDEFGHJKMN').digest());
  });
});
