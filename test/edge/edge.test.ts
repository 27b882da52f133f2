import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createSecretKey } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { restoreCodes } from '../../src/core/codes/code-revocation.js';
import { EDGE_AUDIENCE, PLAYBACK_AUDIENCE, signPlaybackToken, signToken } from '../../src/core/playback-token.js';
import { runCli } from '../helpers/cli.js';
import { makeVodFixture, rawGet, startTestEdge, type TestEdge } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

async function setup(t: { after(fn: () => unknown): void }) {
  const platform = await startTestPlatform(t);
  makeVodFixture(platform.dataDir);
  const edge = await startTestEdge(t, platform);
  const [code] = await platform.codes(1);
  const { json } = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
  return { platform, edge, code: code!, token: json.token as string, sessionId: json.sessionId as string };
}

const get = (edge: TestEdge, path: string, token?: string, headers: Record<string, string> = {}) =>
  fetch(`${edge.url}/streams/${path}`, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });

/** Polls until the edge answers `status` for the playlist; returns how long that took. */
async function until(edge: TestEdge, token: string, status: number, timeoutMs = 3_000): Promise<number> {
  const started = Date.now();
  while ((await get(edge, 'conf/index.m3u8', token)).status !== status) {
    if (Date.now() - started > timeoutMs) throw new Error(`edge never answered ${status}`);
    await sleep(10);
  }
  return Date.now() - started;
}

function claimsOf(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { sub: string; eid: string; sid: string };
}

describe('edge: who may fetch', () => {
  it('serves a valid token, with HLS content types and cache headers', async (t) => {
    const { edge, token } = await setup(t);
    const playlist = await get(edge, 'conf/index.m3u8', token);
    assert.equal(playlist.status, 200);
    assert.equal(playlist.headers.get('content-type'), 'application/vnd.apple.mpegurl');
    assert.equal(playlist.headers.get('cache-control'), 'no-store');
    assert.match(await playlist.text(), /#EXTM3U/);
    const segment = await get(edge, 'conf/seg_000.ts', token);
    assert.equal(segment.status, 200);
    assert.equal(segment.headers.get('content-type'), 'video/mp2t');
    assert.equal(segment.headers.get('cache-control'), 'private, max-age=86400, immutable');
    const head = await fetch(`${edge.url}/streams/conf/seg_000.ts`, { method: 'HEAD', headers: { Authorization: `Bearer ${token}` } });
    assert.equal(head.status, 200);
    const lowerCase = await fetch(`${edge.url}/streams/conf/index.m3u8`, { headers: { Authorization: `bearer ${token}` } });
    assert.equal(lowerCase.status, 200, 'the scheme in any case (RFC 7235)');
    assert.equal(head.headers.get('content-length'), segment.headers.get('content-length'));
  });

  it('answers 401 with a generic body for missing, expired, alg:none, wrong-secret, wrong-audience, exp-less and odd-kid tokens', async (t) => {
    const { platform, edge, token } = await setup(t);
    const { sub, eid, sid } = claimsOf(token);
    const key = platform.keyring.current;
    const header = (h: object) => Buffer.from(JSON.stringify(h)).toString('base64url');
    const payload = (p: object) => Buffer.from(JSON.stringify(p)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const bad: Record<string, string | undefined> = {
      missing: undefined,
      expired: signPlaybackToken(key, { codeId: sub, eventId: eid, sessionId: sid }, Date.now() - 600_000, 300).token,
      algNone: `${header({ alg: 'none', typ: 'JWT', kid: key.kid })}.${payload({ sub, eid, sid, iss: 'streamgate', aud: PLAYBACK_AUDIENCE, iat: now, exp: now + 60 })}.`,
      wrongSecret: signPlaybackToken({ kid: key.kid, key: createSecretKey(Buffer.alloc(32, 1)) }, { codeId: sub, eventId: eid, sessionId: sid }, Date.now(), 300).token,
      wrongAudience: signToken(key, EDGE_AUDIENCE, { sub, eid, sid }, Date.now(), 60).token,
      noExp: jwt.sign({ sub, eid, sid, iss: 'streamgate', aud: PLAYBACK_AUDIENCE }, key.key, { algorithm: 'HS256', keyid: key.kid }),
      tooLong: signPlaybackToken(key, { codeId: sub, eventId: eid, sessionId: sid }, Date.now(), 86_400).token,
      unknownKid: jwt.sign({ sub, eid, sid, iss: 'streamgate', aud: PLAYBACK_AUDIENCE }, key.key, { algorithm: 'HS256', keyid: '../../secret', expiresIn: 60 }),
      garbage: 'not.a.jwt',
    };
    for (const [name, bearer] of Object.entries(bad)) {
      const response = await get(edge, 'conf/index.m3u8', bearer);
      assert.equal(response.status, 401, name);
      assert.equal(response.headers.get('cache-control'), 'no-store', name);
      assert.deepEqual(await response.json(), { error: { code: 'unauthorized', message: 'Access denied.' } }, name);
    }
    assert.ok(edge.logLines.some((l) => l.includes('token expired')), 'the reason goes to the log');
  });

  it('answers 403 for a token of another event', async (t) => {
    const { platform, edge } = await setup(t);
    const other = signPlaybackToken(platform.keyring.current, { codeId: 'c', eventId: 'other', sessionId: 's' }, Date.now(), 300).token;
    assert.equal((await get(edge, 'conf/index.m3u8', other)).status, 403);
  });

  it('answers every request with an X-Request-Id and logs a refusal with it, its event, and no token', async (t) => {
    const { platform, edge, token } = await setup(t);
    const served = await get(edge, 'conf/index.m3u8', token);
    assert.equal(served.status, 200);
    assert.match(served.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);
    const other = signPlaybackToken(platform.keyring.current, { codeId: 'c', eventId: 'other', sessionId: 's' }, Date.now(), 300).token;
    const refused = await get(edge, 'conf/index.m3u8', other, { 'X-Request-Id': 'proxy-42' });
    assert.equal(refused.headers.get('x-request-id'), 'proxy-42');
    const line = edge.logLines.map((l) => JSON.parse(l)).find((l) => l.message === 'stream request refused');
    assert.deepEqual(
      { level: line.level, service: line.service, requestId: line.requestId, eventId: line.eventId, status: line.status },
      { level: 'info', service: 'edge', requestId: 'proxy-42', eventId: 'conf', status: 403 },
    );
    const log = edge.logLines.join('');
    for (const secret of [token, other]) assert.ok(!log.includes(secret.split('.')[2]!), 'no token in the log');
  });

  it('a CLI revocation reaches the running edge within a second; a restore lets the code back in', async (t) => {
    const { platform, edge, code, token } = await setup(t);
    await until(edge, token, 200);
    const revoke = await runCli(['tokens', 'revoke', code], { dataDir: platform.dataDir });
    assert.equal(revoke.code, 0);
    // Timed from the committed revocation (the CLI's exit), not from the CLI's own start-up.
    const tookMs = await until(edge, token, 403);
    assert.ok(tookMs < 1_000, `the edge refused the code ${tookMs} ms after the revocation`);
    const id = claimsOf(token).sub;
    await restoreCodes({ db: platform.db, clock: Date.now, actor: 'test' }, [id]);
    await until(edge, token, 200);
  });

  it('a released session is refused at once', async (t) => {
    const { platform, edge, token, sessionId } = await setup(t);
    assert.equal((await platform.post('/api/sessions/release', { sessionId }, { Authorization: `Bearer ${token}` })).status, 204);
    await until(edge, token, 403);
  });

  it('keeps serving valid tokens, and keeps its revocations, when the platform dies', async (t) => {
    const { platform, edge, token } = await setup(t);
    const [revokedCode] = await platform.codes(1);
    const revoked = (await platform.post('/api/tokens/validate', { code: revokedCode, deviceId: 'device-bbbb' })).json.token;
    await runCli(['tokens', 'revoke', revokedCode!], { dataDir: platform.dataDir });
    await until(edge, revoked, 403);
    await platform.kill();
    await sleep(300);
    assert.equal((await get(edge, 'conf/seg_001.ts', token)).status, 200);
    assert.equal((await get(edge, 'conf/index.m3u8', revoked)).status, 403);
    const health = (await (await fetch(`${edge.url}/healthz`)).json()) as { revocations: number };
    assert.ok(health.revocations >= 1);
    assert.match(await (await fetch(`${edge.url}/metrics`)).text(), /streamgate_edge_sync_lag_seconds/);
  });
});

describe('edge: what may be fetched', () => {
  const traversal = [
    '/streams/conf/../../secret',
    '/streams/conf/%2e%2e%2f%2e%2e%2fsecret',
    '/streams/conf/..%2f..%2fstreamgate.db',
    '/streams/conf/%252e%252e%252fsecret',
    '/streams/conf/..%5c..%5csecret',
    '/streams/conf/index.m3u8%00.ts',
    '/streams/conf/seg_000.ts/..%2f..%2f..%2fsecret',
    '/streams/conf-other/index.m3u8',
    '/streams/../secret',
    '/streams/conf/secret',
    '/streams/%E0%A4%A/index.m3u8', // malformed encoding: a plain refusal, not a 500
  ];
  for (const raw of traversal) {
    it(`never serves ${raw}`, async (t) => {
      const { edge, token } = await setup(t);
      const response = await rawGet(edge.url, raw, { Authorization: `Bearer ${token}` });
      assert.ok([400, 403, 404].includes(response.status), `status ${response.status}`);
    assert.match(response.headers['content-type'] ?? '', /json/, 'a JSON error, never an HTML page');
      assert.ok(!response.body.toString().includes('pepper'));
    });
  }

  it('answers byte ranges with 206 and impossible ones with 416', async (t) => {
    const { edge, token } = await setup(t);
    const part = await get(edge, 'conf/seg_000.ts', token, { Range: 'bytes=0-187' });
    assert.equal(part.status, 206);
    assert.equal((await part.arrayBuffer()).byteLength, 188);
    assert.match(part.headers.get('content-range') ?? '', /^bytes 0-187\/\d+$/);
    assert.equal((await get(edge, 'conf/seg_000.ts', token, { Range: 'bytes=999999999-' })).status, 416);
  });

  it('answers CORS preflights without a token, for the player origin only', async (t) => {
    const { platform, edge } = await setup(t);
    const origin = new URL(platform.config.platformUrl).origin;
    const preflight = await fetch(`${edge.url}/streams/conf/index.m3u8`, {
      method: 'OPTIONS',
      headers: { Origin: origin, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
    });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), origin);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Authorization/);
    assert.equal(preflight.headers.get('access-control-max-age'), '600');
    assert.match(preflight.headers.get('vary') ?? '', /Origin/);
    const stranger = await fetch(`${edge.url}/streams/conf/index.m3u8`, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } });
    assert.equal(stranger.headers.get('access-control-allow-origin'), null);
  });

  it('is read by ffprobe, a real HLS client, with the Authorization header', async (t) => {
    const { edge, token } = await setup(t);
    // Asynchronously: the edge under test lives in this process and must keep answering.
    const { stdout: duration } = await promisify(execFile)('ffprobe', [
      '-v', 'error', '-headers', `Authorization: Bearer ${token}\r\n`,
      '-show_entries', 'format=duration', '-of', 'csv=p=0', `${edge.url}/streams/conf/index.m3u8`,
    ], { timeout: 20_000 });
    assert.ok(Math.abs(Number(duration) - 6) < 0.5, `duration ${duration}`);
  });
});

describe('edge: ?token= for players that cannot send headers', () => {
  it('is refused unless EDGE_QUERY_TOKENS is on', async (t) => {
    const { edge, token } = await setup(t);
    assert.equal((await fetch(`${edge.url}/streams/conf/index.m3u8?token=${token}`)).status, 401);
  });

  it('when on, rewrites the playlist so every segment request carries the token, and never logs it', async (t) => {
    const platform = await startTestPlatform(t);
    makeVodFixture(platform.dataDir);
    const { startTestEdge: start } = await import('../helpers/edge.js');
    const edge = await start(t, platform, { edgeQueryTokens: true });
    const [code] = await platform.codes(1);
    const { token } = (await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).json;
    const playlist = await fetch(`${edge.url}/streams/conf/index.m3u8?token=${token}`);
    assert.equal(playlist.status, 200);
    assert.equal(playlist.headers.get('referrer-policy'), 'no-referrer');
    const text = await playlist.text();
    const segment = text.split('\n').find((line) => line.startsWith('seg_'))!;
    assert.equal(segment, `seg_000.ts?token=${token}`);
    assert.equal((await fetch(`${edge.url}/streams/conf/${segment}`)).status, 200);
    assert.equal((await fetch(`${edge.url}/streams/conf/seg_000.ts?token=forged`)).status, 401);
    assert.ok(!edge.logLines.join('').includes(token.split('.')[2]), 'the token never reaches the log');
  });
});
