import assert from 'node:assert/strict';
import { createHmac, createSecretKey, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import jwt from 'jsonwebtoken';
import {
  bearerToken,
  CLOCK_TOLERANCE_SECONDS,
  PLAYBACK_AUDIENCE,
  retiredKeyLifetimeSeconds,
  signPlaybackToken,
  signPreviewToken,
  signToken,
  TokenError,
  verifyPlaybackToken,
} from './playback-token.js';
import type { SigningKey } from './secret-store.js';

const key: SigningKey = { kid: 'k1', key: createSecretKey(Buffer.alloc(32, 7)) };
const keyring = { byKid: new Map([[key.kid, key]]) };
const NOW = 1_800_000_000_000;
const MAX_TTL = 900;
const nowS = NOW / 1000;
const b64 = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A token signed with `key` over exactly the given header and payload text: valid signatures on bad content. */
function signedRaw(header: string, payload: string, signingKey = key): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', signingKey.key).update(input).digest('base64url')}`;
}
const claims = (extra: Record<string, unknown> = {}) =>
  JSON.stringify({ sub: 'c1', eid: 'conf', sid: 's1', iss: 'streamgate', aud: PLAYBACK_AUDIENCE, iat: nowS, exp: nowS + 300, ...extra });
const HEADER = JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: 'k1' });

const verify = (token: string, ring: typeof keyring = keyring, now = NOW) => verifyPlaybackToken(token, ring, now, MAX_TTL);

describe('signToken', () => {
  it("makes the very bytes jsonwebtoken's sign makes, key after key", () => {
    const other: SigningKey = { kid: 'other_kid-2', key: createSecretKey(Buffer.alloc(32, 9)) };
    const signed = [
      [key, signPlaybackToken(key, { codeId: 'c1', eventId: 'conf', sessionId: 's1' }, NOW + 999, 300)],
      [key, signPreviewToken(key, { eventId: 'conf', previewId: 'p1' }, NOW, 900)],
      [other, signToken(other, 'streamgate:edge', { sub: 'édge "one"' }, NOW, 60)],
      [key, signToken(key, 'streamgate:edge', { sub: 'edge' }, NOW, 60)],
    ] as const;
    for (const [signingKey, { token }] of signed) {
      const [header, payload] = token.split('.').slice(0, 2).map((part) => JSON.parse(Buffer.from(part, 'base64url').toString()));
      assert.equal(header.kid, signingKey.kid);
      assert.equal(token, jwt.sign(payload, signingKey.key, { algorithm: 'HS256', keyid: signingKey.kid }));
    }
  });
});

describe('bearerToken', () => {
  it('reads the Bearer scheme in any case (RFC 7235), and nothing else', () => {
    for (const header of ['Bearer a.b-c_d', 'bearer a.b-c_d', 'BEARER a.b-c_d', 'Bearer  a.b-c_d']) assert.equal(bearerToken(header), 'a.b-c_d', header);
    for (const header of [undefined, '', 'Bearer', 'Bearer ', 'Basic a.b', 'Bearera.b', 'Bearer a b', 'Bearer a.b\n']) assert.equal(bearerToken(header), null, String(header));
  });
});

describe('verifyPlaybackToken', () => {
  it('accepts a token it signed, and names the key', () => {
    const { token } = signPlaybackToken(key, { codeId: 'c1', eventId: 'conf', sessionId: 's1' }, NOW, 300);
    assert.deepEqual(verify(token), { sub: 'c1', eid: 'conf', sid: 's1', iat: nowS, exp: nowS + 300, kid: 'k1' });
    assert.ok(verify(signedRaw(HEADER, claims())), 'the raw signer builds valid tokens');
  });

  // Whatever the bytes, a refusal is a TokenError: anything else would be a 500 for the client.
  const malformed: Record<string, string> = {
    'payload not JSON (typ JWT)': signedRaw(HEADER, 'not json'),
    'payload not JSON (no typ)': signedRaw(JSON.stringify({ alg: 'HS256', kid: 'k1' }), '{"sub":'),
    'payload a JSON string': signedRaw(HEADER, '"just a string"'),
    'payload JSON null': signedRaw(HEADER, 'null'),
    'payload an array': signedRaw(HEADER, '[1,2]'),
    'payload invalid UTF-8': signedRaw(HEADER, Buffer.from([0xff, 0xfe, 0x7b]).toString('latin1')),
    'header not JSON': `${b64('{alg')}.${b64(claims())}.c2ln`,
    'header null': signedRaw('null', claims()),
    'bad base64 in the payload': `${b64(HEADER)}.!!!.c2ln`,
    'bad base64 in the signature': `${b64(HEADER)}.${b64(claims())}.%%%`,
    'non-canonical signature': (() => {
      const token = signedRaw(HEADER, claims());
      const last = token.at(-1)!;
      return token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    })(),
    'two parts': `${b64(HEADER)}.${b64(claims())}`,
    'four parts': `${signedRaw(HEADER, claims())}.x`,
    empty: '',
    'just dots': '..',
    huge: `${b64(HEADER)}.${b64(claims({ pad: 'x'.repeat(5_000) }))}.c2ln`,
    'alg none': `${b64(JSON.stringify({ alg: 'none', typ: 'JWT', kid: 'k1' }))}.${b64(claims())}.`,
    'alg none with a signature': signedRaw(JSON.stringify({ alg: 'none', kid: 'k1' }), claims()),
    'alg HS512': signedRaw(JSON.stringify({ alg: 'HS512', kid: 'k1' }), claims()),
    'alg an object': signedRaw(JSON.stringify({ alg: { toString: 'HS256' }, kid: 'k1' }), claims()),
    'crit header': signedRaw(JSON.stringify({ alg: 'HS256', kid: 'k1', crit: ['exp'] }), claims()),
    'kid a number': signedRaw(JSON.stringify({ alg: 'HS256', kid: 1 }), claims()),
    'kid a path': signedRaw(JSON.stringify({ alg: 'HS256', kid: '../../secret' }), claims()),
    'kid __proto__': signedRaw(JSON.stringify({ alg: 'HS256', kid: '__proto__' }), claims()),
    'unknown kid': signedRaw(JSON.stringify({ alg: 'HS256', kid: 'k2' }), claims()),
    'wrong secret': signedRaw(HEADER, claims(), { kid: 'k1', key: createSecretKey(Buffer.alloc(32, 8)) }),
    'exp a string': signedRaw(HEADER, claims({ exp: String(nowS + 300) })),
    'exp a fraction': signedRaw(HEADER, claims({ exp: nowS + 300.5 })),
    'exp missing': signedRaw(HEADER, claims({ exp: undefined })),
    'iat missing': signedRaw(HEADER, claims({ iat: undefined })),
    'iat null': signedRaw(HEADER, claims({ iat: null })),
    'exp huge': signedRaw(HEADER, claims({ exp: 1e300 })),
    'sub a number': signedRaw(HEADER, claims({ sub: 42 })),
    'eid an object': signedRaw(HEADER, claims({ eid: { id: 'conf' } })),
    'sid missing': signedRaw(HEADER, claims({ sid: undefined })),
    'aud an array': signedRaw(HEADER, claims({ aud: [PLAYBACK_AUDIENCE] })),
    'aud another': signedRaw(HEADER, claims({ aud: 'streamgate:edge' })),
    'iss another': signedRaw(HEADER, claims({ iss: 'someone' })),
    'nbf in the future': signedRaw(HEADER, claims({ nbf: nowS + 600 })),
    'nbf a string': signedRaw(HEADER, claims({ nbf: 'later' })),
    expired: signedRaw(HEADER, claims({ iat: nowS - 400, exp: nowS - CLOCK_TOLERANCE_SECONDS - 1 })),
    'iat in the future beyond the tolerance': signedRaw(HEADER, claims({ iat: nowS + CLOCK_TOLERANCE_SECONDS + 1, exp: nowS + CLOCK_TOLERANCE_SECONDS + 301 })),
    'iat far in the future': signedRaw(HEADER, claims({ iat: nowS + 86_400, exp: nowS + 86_400 + 300 })),
    'exp before iat': signedRaw(HEADER, claims({ iat: nowS, exp: nowS - 1 })),
    'lifetime over the maximum': signedRaw(HEADER, claims({ exp: nowS + MAX_TTL + 1 })),
  };
  for (const [name, token] of Object.entries(malformed)) {
    it(`refuses with a TokenError: ${name}`, () => assert.throws(() => verify(token), TokenError));
  }

  it('refuses random bytes with a TokenError, never anything else', () => {
    for (let i = 0; i < 2_000; i++) {
      const parts = [randomBytes(i % 40), randomBytes(i % 23), randomBytes(i % 33)].map((b) => (i % 3 === 0 ? b.toString('base64url') : b.toString('latin1')));
      assert.throws(() => verify(parts.join('.')), TokenError);
    }
  });

  it('accepts an iat up to the clock tolerance ahead (a platform clock slightly fast)', () => {
    assert.ok(verify(signedRaw(HEADER, claims({ iat: nowS + CLOCK_TOLERANCE_SECONDS, exp: nowS + CLOCK_TOLERANCE_SECONDS + 300 }))));
  });
});

describe('a retired signing key', () => {
  const retiredAtMs = NOW;
  const retired = { byKid: new Map([[key.kid, { ...key, retiredAtMs }]]) };
  const signedAt = (atMs: number, ttl = 300) => signPlaybackToken(key, { codeId: 'c1', eventId: 'conf', sessionId: 's1' }, atMs, ttl).token;

  it('verifies the tokens it signed until the longest of them has expired', () => {
    const last = signedAt(retiredAtMs + 5_000, MAX_TTL); // signed in the seconds a service takes to adopt the new key
    assert.ok(verify(last, retired, retiredAtMs + (5 + MAX_TTL) * 1000));
    const lifetimeMs = retiredKeyLifetimeSeconds(MAX_TTL) * 1000;
    assert.ok(lifetimeMs >= (5 + MAX_TTL + CLOCK_TOLERANCE_SECONDS) * 1000, 'no token signed before adoption outlives the key');
  });

  it('verifies nothing once its longest token has expired, not even one claiming to be young', () => {
    const lifetimeMs = retiredKeyLifetimeSeconds(MAX_TTL) * 1000;
    const late = retiredAtMs + lifetimeMs + 1_000;
    assert.throws(() => verify(signedAt(late - 60_000), retired, late), /retired/);
  });

  it('refuses a token it signed after its retirement (a leaked key minting new tokens)', () => {
    const at = retiredAtMs + 36 * 60_000;
    assert.throws(() => verify(signedAt(at), retired, at), /after key k1 was retired|retired/);
    assert.throws(() => verify(signedAt(retiredAtMs + 60_000), retired, retiredAtMs + 60_000), /after key k1 was retired/);
  });
});
