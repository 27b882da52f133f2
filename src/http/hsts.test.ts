import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { isHttpsRequest } from './hsts.js';

const request = (encrypted: boolean, proto?: string) => ({ socket: { encrypted }, headers: proto === undefined ? {} : { 'x-forwarded-proto': proto } }) as unknown as IncomingMessage;

describe('isHttpsRequest', () => {
  const cases: [string, IncomingMessage, number, boolean][] = [
    ['our own TLS listener', request(true), 0, true],
    ['plain HTTP', request(false), 0, false],
    ['a client claiming https with no trusted proxy', request(false, 'https'), 0, false],
    ['a trusted proxy saying https', request(false, 'https'), 1, true],
    ['a trusted proxy saying http', request(false, 'http'), 1, false],
    ['the first of several values, as Express reads it', request(false, 'HTTPS, http'), 2, true],
    ['no header behind a trusted proxy', request(false), 1, false],
  ];
  for (const [name, req, hops, expected] of cases) {
    it(name, () => assert.equal(isHttpsRequest(req, hops), expected));
  }
});
