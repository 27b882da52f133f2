import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { requestIdFor } from './request-id.js';

const withHeader = (value: string | string[] | undefined) => ({ headers: { 'x-request-id': value } }) as unknown as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('requestIdFor', () => {
  for (const kept of ['a', 'f81d4fae7dec11d0a76500a0c91e6bf6', 'trace-1.2:3_x', 'A'.repeat(64)]) {
    it(`keeps a short, safe incoming id: ${kept.slice(0, 20)}`, () => assert.equal(requestIdFor(withHeader(kept)), kept));
  }
  for (const [why, value] of [
    ['missing', undefined],
    ['empty', ''],
    ['too long', 'A'.repeat(65)],
    ['a newline (a forged log line)', 'abc\n{"level":"error"}'],
    ['a space', 'abc def'],
    ['a quote', 'abc"def'],
    ['markup', '<script>'],
    ['an equals sign (a forged pretty field)', 'a=b'],
    ['a leading dash', '-abc'],
    ['sent twice', ['abc', 'def']],
  ] as const) {
    it(`replaces an incoming id that is ${why} with a new UUID`, () => assert.match(requestIdFor(withHeader(value as string | string[] | undefined)), UUID));
  }
  it('makes a different id for every request', () => assert.notEqual(requestIdFor(withHeader(undefined)), requestIdFor(withHeader(undefined))));
});
