import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { heartbeatIntervalMs, tokenLifetimeMs } from '../../src/player/token-lifetime.js';

/** A token shaped like the platform's (the signature is not read). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'HS256', typ: 'JWT', kid: 'k1' })}.${part(claims)}.c2lnbmF0dXJl`;
}

describe('the player reads its token lifetime and paces its heartbeat', () => {
  const iat = 1_764_000_000;
  const cases: [string, string, number, number][] = [
    ['the default 5 minutes', jwt({ iat, exp: iat + 300, sub: 'ü-ß' }), 300_000, 30_000],
    ['15 minutes: still every 30 s', jwt({ iat, exp: iat + 900 }), 900_000, 30_000],
    ['8 s: every quarter of it', jwt({ iat, exp: iat + 8 }), 8_000, 2_000],
    ['2 s: never more than once a second', jwt({ iat, exp: iat + 2 }), 2_000, 1_000],
    ['no exp: the default', jwt({ iat }), 300_000, 30_000],
    ['not a JWT: the default', 'not-a-token', 300_000, 30_000],
    ['a payload that is not JSON: the default', 'a.b.c', 300_000, 30_000],
  ];
  for (const [what, token, lifetime, heartbeat] of cases) {
    it(what, () => {
      assert.equal(tokenLifetimeMs(token), lifetime);
      assert.equal(heartbeatIntervalMs(token), heartbeat);
    });
  }
});
