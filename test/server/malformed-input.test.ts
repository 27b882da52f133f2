import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { PLAYBACK_AUDIENCE, EDGE_AUDIENCE } from '../../src/core/playback-token.js';
import { makeVodFixture, startTestEdge, type TestEdge } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// Malformed input from an unauthenticated client is the client's mistake: a 4xx with the usual
// error body, one line at info level, never a 500 or a stack trace.

interface Setup {
  platform: TestPlatform;
  edge: TestEdge;
  sessionId: string;
  apiKey: string;
}

async function setup(t: { after(fn: () => unknown): void }): Promise<Setup> {
  const platform = await startTestPlatform(t, {}, { mountEdge: true });
  makeVodFixture(platform.dataDir);
  const edge = await startTestEdge(t, platform);
  const [code] = await platform.codes(1);
  const { json } = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
  const { key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: 'global' });
  return { platform, edge, sessionId: json.sessionId as string, apiKey: key };
}

/** Nothing logged above info, and no stack trace anywhere in the log. */
function assertQuietLog(lines: string[], what: string): void {
  for (const line of lines) {
    const entry = JSON.parse(line) as { level: string; message: string };
    assert.equal(entry.level, 'info', `${what}: ${line}`);
    assert.doesNotMatch(line, /\bat .+:\d+:\d+/, `${what}: a stack trace in the log`);
  }
}

const b64 = (value: string) => Buffer.from(value).toString('base64url');

/** Tokens well-formed enough to reach the verifier, signed with the real key where that matters. */
function malformedTokens(setup: Setup): Record<string, string> {
  const key = setup.platform.keyring.current;
  const signed = (header: object, payload: string) => {
    const input = `${b64(JSON.stringify(header))}.${b64(payload)}`;
    return `${input}.${createHmac('sha256', key.key).update(input).digest('base64url')}`;
  };
  const now = Math.floor(Date.now() / 1000);
  const claims = (extra: object, aud = PLAYBACK_AUDIENCE) =>
    JSON.stringify({ sub: 'c', eid: 'conf', sid: setup.sessionId, iss: 'streamgate', aud, iat: now, exp: now + 60, ...extra });
  const header = { alg: 'HS256', typ: 'JWT', kid: key.kid };
  return {
    'payload not JSON': signed(header, 'not json'),
    'header not JSON': `${b64('{"alg"')}.${b64(claims({}))}.c2ln`,
    'bad base64': `${b64(JSON.stringify(header))}.@@@.c2ln`,
    'bad base64 (url-safe alphabet, wrong length)': `${b64(JSON.stringify(header))}.a.b`,
    huge: signed(header, claims({ pad: 'x'.repeat(6_000) })),
    'alg none': `${b64(JSON.stringify({ alg: 'none', typ: 'JWT', kid: key.kid }))}.${b64(claims({}))}.`,
    'exp a string': signed(header, claims({ exp: String(now + 60) })),
    'sub a number': signed(header, claims({ sub: 7 })),
    'aud an array': signed(header, claims({ aud: [PLAYBACK_AUDIENCE, EDGE_AUDIENCE] })),
    'edge audience, non-JSON-ish claims': signed(header, claims({ iat: 'now' }, EDGE_AUDIENCE)),
    'iat far in the future': signed(header, claims({ iat: now + 86_400, exp: now + 86_400 + 60 })),
  };
}

describe('malformed tokens are 401, never 500', () => {
  it('on the edge, the mounted edge, heartbeat, release, the revocation feed and its stream, and the admin API', async (t) => {
    const s = await setup(t);
    const routes: [string, (token: string) => Promise<Response>][] = [
      ['edge /streams', (token) => fetch(`${s.edge.url}/streams/conf/index.m3u8`, { headers: { authorization: `Bearer ${token}` } })],
      ['mounted /streams', (token) => fetch(`${s.platform.url}/streams/conf/seg_000.ts`, { headers: { authorization: `Bearer ${token}` } })],
      ...(['heartbeat', 'release'] as const).map((verb): [string, (token: string) => Promise<Response>] => [
        verb,
        (token) => fetch(`${s.platform.url}/api/sessions/${verb}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ sessionId: s.sessionId }),
        }),
      ]),
      ['release by beacon (token in the body)', (token) => fetch(`${s.platform.url}/api/sessions/release`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: JSON.stringify({ sessionId: s.sessionId, token }),
      })],
      ['revocation feed', (token) => fetch(`${s.platform.url}/api/revocations?since=0`, { headers: { authorization: `Bearer ${token}` } })],
      ['revocation stream', (token) => fetch(`${s.platform.url}/api/revocations/stream`, { headers: { authorization: `Bearer ${token}` } })],
      ['admin API', (token) => fetch(`${s.platform.url}/api/admin/events`, { headers: { authorization: `Bearer ${token}` } })],
    ];
    for (const [tokenName, token] of Object.entries(malformedTokens(s))) {
      for (const [routeName, request] of routes) {
        const platformLog = s.platform.logLines.length;
        const edgeLog = s.edge.logLines.length;
        const response = await request(token);
        const what = `${routeName} with ${tokenName}`;
        // A beacon's body token longer than the schema allows is an invalid request, not a token to check.
        const expected = routeName.startsWith('release by beacon') && token.length > 4096 ? 400 : 401;
        assert.equal(response.status, expected, what);
        const body = (await response.json()) as { error: { code: string; message: string } };
        assert.ok(body.error.code, what);
        assert.doesNotMatch(JSON.stringify(body), /at .+:\d+:\d+|TokenError|SyntaxError/, what);
        assertQuietLog([...s.platform.logLines.slice(platformLog), ...s.edge.logLines.slice(edgeLog)], what);
      }
    }
  });
});

describe('bodies that are not UTF-8 JSON are 415, never 500', () => {
  it('on validate, heartbeat, release, login and the admin JSON routes', async (t) => {
    const s = await setup(t);
    const admin = { authorization: `Bearer ${s.apiKey}` };
    const routes: [string, string, Record<string, string>][] = [
      ['POST', '/api/tokens/validate', {}],
      ['POST', '/api/sessions/heartbeat', {}],
      ['POST', '/api/sessions/release', {}],
      ['POST', '/api/admin/login', {}],
      ['POST', '/api/admin/events', admin],
      ['PATCH', '/api/admin/events/conf', admin],
      ['POST', '/api/admin/events/conf/tokens', admin],
      ['POST', '/api/admin/tokens/revoke', admin],
    ];
    const json = JSON.stringify({ code: 'ABCD-EFGH-JKMN', deviceId: 'device-bbbb', sessionId: s.sessionId, title: 'x', count: 1 });
    const bodies: Record<string, { headers: Record<string, string>; body: string | Buffer }> = {
      'charset=latin1': { headers: { 'content-type': 'application/json; charset=latin1' }, body: Buffer.from(json, 'latin1') },
      'charset=iso-8859-1': { headers: { 'content-type': 'application/json; charset=ISO-8859-1' }, body: json },
      'Content-Encoding: zstd': { headers: { 'content-type': 'application/json', 'content-encoding': 'zstd' }, body: json },
      'Content-Encoding: br': { headers: { 'content-type': 'application/json', 'content-encoding': 'br' }, body: json },
      'Content-Encoding: gzip (not gzip)': { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: json },
      'Content-Encoding: unknown': { headers: { 'content-type': 'application/json', 'content-encoding': 'x-unknown' }, body: json },
      'Content-Type: application/xml': { headers: { 'content-type': 'application/xml' }, body: '<code>ABCD</code>' },
      'Content-Type: form': { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'code=ABCD' },
      'no Content-Type': { headers: {}, body: Buffer.from(json) },
    };
    for (const [bodyName, { headers, body }] of Object.entries(bodies)) {
      for (const [method, path, auth] of routes) {
        const before = s.platform.logLines.length;
        const response = await fetch(`${s.platform.url}${path}`, { method, headers: { ...auth, ...headers }, body });
        const what = `${method} ${path} with ${bodyName}`;
        assert.equal(response.status, 415, what);
        const answer = (await response.json()) as { error: { code: string } };
        assert.equal(answer.error.code, 'unsupported_media_type', what);
        const lines = s.platform.logLines.slice(before);
        assertQuietLog(lines, what);
        assert.ok(lines.some((l) => l.includes('"status":415')), `${what}: logged at info`);
        assert.ok(!lines.some((l) => l.includes('ABCD')), `${what}: the body never reaches the log`);
      }
    }
  });

  it('still reads UTF-8 JSON, a sendBeacon text/plain body, and a request without a body', async (t) => {
    const s = await setup(t);
    const ok = await fetch(`${s.platform.url}/api/admin/events`, { headers: { authorization: `Bearer ${s.apiKey}` } });
    assert.equal(ok.status, 200);
    const explicitUtf8 = await fetch(`${s.platform.url}/api/tokens/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify({ code: 'ABCD-EFGH-JKMN', deviceId: 'device-bbbb' }),
    });
    assert.equal(explicitUtf8.status, 401, 'read, and refused as an unknown code');
    const malformedJson = await s.platform.post('/api/tokens/validate', '{"code": "ABCD-EFGH-JKMN"');
    assert.equal(malformedJson.status, 400);
    assert.equal(malformedJson.json.error.code, 'invalid_request');
    assert.ok(!s.platform.logLines.some((l) => l.includes('ABCD')), 'a JSON syntax error never echoes the body into the log');
  });
});
