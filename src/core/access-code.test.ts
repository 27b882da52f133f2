import assert from 'node:assert/strict';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { codeIdFromHash, codeKey, generateCode, hashCode } from './access-code.js';

describe('access codes', () => {
  it('are 12 Crockford characters and practically never repeat', () => {
    const codes = new Set(Array.from({ length: 50_000 }, generateCode));
    assert.equal(codes.size, 50_000);
    for (const code of [...codes].slice(0, 100)) assert.match(code, /^[0-9A-HJKMNP-TV-Z]{12}$/);
  });

  it('are hashed as HMAC-SHA256 under the pepper', () => {
    const pepper = Buffer.alloc(32, 7);
    const expected = createHmac('sha256', pepper).update('ABCDEFGHJKMN').digest();
    assert.deepEqual(hashCode(createSecretKey(pepper), 'ABCDEFGHJKMN'), expected);
  });

  it('get the key of hashCode from codeKey, with its pad states kept per pepper, and for any other input too', () => {
    const peppers = [createSecretKey(randomBytes(32)), createSecretKey(randomBytes(32))];
    const inputs = [...Array.from({ length: 200 }, generateCode), 'not-a-code-000', '', 'ÅBCDEFGHJKMN', 'ABC DEFGHJKM'];
    for (const pepper of peppers) {
      for (const input of inputs) {
        const hash = hashCode(pepper, input);
        assert.deepEqual(codeKey(pepper, input), { id: codeIdFromHash(hash), hash }, input);
      }
    }
  });

  it('get ids from the first 80 bits of the hash, in base32 that sorts like the bytes', () => {
    assert.equal(codeIdFromHash(Buffer.alloc(32, 0)), '0000000000000000');
    assert.equal(codeIdFromHash(Buffer.alloc(32, 0xff)), 'zzzzzzzzzzzzzzzz');
    const ones = Buffer.from('08421084210842108421' + '00'.repeat(22), 'hex'); // 5-bit groups 00001 00001 …
    assert.equal(codeIdFromHash(ones), '1111111111111111');
    const a = Buffer.from('01' + '00'.repeat(31), 'hex');
    const b = Buffer.from('02' + '00'.repeat(31), 'hex');
    assert.ok(codeIdFromHash(a) < codeIdFromHash(b));
  });
});
