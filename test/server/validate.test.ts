import { setTimeout as delay } from 'node:timers/promises';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** Checks a JWT with nothing but HMAC-SHA256 and the key in data/secret: not the project's own verifier. */
function verifyIndependently(token: string, dataDir: string): { header: any; claims: any } {
  const [h, p, s] = token.split('.');
  const header = JSON.parse(Buffer.from(h!, 'base64url').toString());
  const secret = JSON.parse(fs.readFileSync(path.join(dataDir, 'secret'), 'utf8'));
  const key = secret.keys.find((k: { kid: string }) => k.kid === header.kid);
  assert.ok(key, 'kid names a key in data/secret');
  const expected = createHmac('sha256', Buffer.from(key.secret, 'base64')).update(`${h}.${p}`).digest('base64url');
  assert.equal(s, expected, 'HMAC-SHA256 signature');
  return { header, claims: JSON.parse(Buffer.from(p!, 'base64url').toString()) };
}

describe('POST /api/tokens/validate', () => {
  it('exchanges a code for a session and an HS256 playback JWT (SPEC §3, §4)', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const typed = `${code!.slice(0, 4).toLowerCase()} ${code!.slice(4, 8)}-${code!.slice(8)}`;
    const { status, json } = await platform.post('/api/tokens/validate', { code: typed, deviceId: 'device-aaaa' });
    assert.equal(status, 200, JSON.stringify(json));
    assert.deepEqual(Object.keys(json).sort(), ['event', 'expiresAt', 'playbackUrl', 'queryTokens', 'sessionId', 'token']);
    assert.deepEqual(json.event, { id: 'conf', title: 'Conf', status: 'scheduled', devicePolicy: 'block', latency: 'normal' });
    assert.equal(json.playbackUrl, 'http://127.0.0.1:4000/streams/conf/index.m3u8');
    assert.equal(json.queryTokens, false, 'EDGE_QUERY_TOKENS is off by default: native HLS players cannot play');

    const { header, claims } = verifyIndependently(json.token, platform.dataDir);
    assert.equal(header.alg, 'HS256');
    assert.equal(claims.iss, 'streamgate');
    assert.equal(claims.aud, 'streamgate:playback');
    assert.equal(claims.eid, 'conf');
    assert.equal(claims.sid, json.sessionId);
    assert.equal(claims.exp - claims.iat, 300);
    assert.notEqual(claims.sub, code, 'sub is the code id, never the code');
    const listed = await platform.db.selectFrom('codes').select(['id', 'first_used_at']).execute();
    assert.equal(listed[0]!.id, claims.sub);
    assert.equal(listed[0]!.first_used_at, platform.now());
    assert.equal(Date.parse(json.expiresAt), claims.exp * 1000);
  });

  it('answers every kind of wrong code with the same 401', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const wrong = ['ZZZZZZZZZZZZ', code!.slice(0, 11) + (code!.endsWith('0') ? '1' : '0'), 'short', 'UUUUUUUUUUUU', ''];
    const answers = await Promise.all(wrong.map((c) => platform.post('/api/tokens/validate', { code: c, deviceId: 'device-aaaa' })));
    for (const answer of answers) {
      assert.equal(answer.status, 401);
      assert.deepEqual(answer.json, { error: { code: 'invalid_code', message: 'This code is not valid.' } });
    }
  });

  it('refuses revoked (403), expired (410) and archived or not-started events (403)', async (t) => {
    const platform = await startTestPlatform(t);
    const [revoked, expiring, archived] = await platform.codes(3);
    const revoke = await runCli(['tokens', 'revoke', revoked!], { dataDir: platform.dataDir });
    assert.equal(revoke.code, 0, revoke.stderr);
    const r1 = await platform.post('/api/tokens/validate', { code: revoked, deviceId: 'device-aaaa' });
    assert.deepEqual([r1.status, r1.json.error.code], [403, 'code_revoked']);

    await runCli(['events', 'create', '--title', 'Later', '--id', 'later', '--starts-at', '2099-01-01T00:00:00Z'], { dataDir: platform.dataDir });
    const [later] = await platform.codes(1, { eventId: 'later', expiresInMs: 100 * 365 * 86_400_000 });
    const r2 = await platform.post('/api/tokens/validate', { code: later, deviceId: 'device-aaaa' });
    assert.deepEqual([r2.status, r2.json.error.code, r2.json.error.startsAt], [403, 'event_not_available', '2099-01-01T00:00:00.000Z']);

    await runCli(['events', 'archive', 'conf'], { dataDir: platform.dataDir });
    const r3 = await platform.post('/api/tokens/validate', { code: archived, deviceId: 'device-aaaa' });
    assert.deepEqual([r3.status, r3.json.error.code], [403, 'event_not_available']);

    platform.advance(31 * 86_400_000);
    const r4 = await platform.post('/api/tokens/validate', { code: expiring, deviceId: 'device-aaaa' });
    assert.deepEqual([r4.status, r4.json.error.code], [410, 'code_expired']);
  });

  it('validates the request: fields, JSON, 16 KiB', async (t) => {
    const platform = await startTestPlatform(t);
    const missing = await platform.post('/api/tokens/validate', { code: 'ABCDEFGHJKMN' });
    assert.deepEqual([missing.status, missing.json.error.code], [400, 'invalid_request']);
    assert.match(missing.json.error.message, /^deviceId:/);
    const badDevice = await platform.post('/api/tokens/validate', { code: 'ABCDEFGHJKMN', deviceId: 'x' });
    assert.equal(badDevice.status, 400);
    const notJson = await platform.post('/api/tokens/validate', '{"code":');
    assert.deepEqual([notJson.status, notJson.json.error.code], [400, 'invalid_request']);
    const huge = await platform.post('/api/tokens/validate', { code: 'A'.repeat(17 * 1024), deviceId: 'device-aaaa' });
    assert.deepEqual([huge.status, huge.json.error.code], [413, 'payload_too_large']);
  });

  it('lets one device play a code: the same device resumes, another gets 409 with retryAfter', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const first = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    const again = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.equal(again.status, 200);
    assert.equal(again.json.sessionId, first.json.sessionId);
    platform.advance(30_000);
    const other = await platform.post('/api/tokens/validate', { code, deviceId: 'device-bbbb' });
    assert.equal(other.status, 409);
    assert.deepEqual(other.json.error, { code: 'device_conflict', message: 'This code is playing on another device.', retryAfter: 60 });
    assert.equal(other.headers.get('retry-after'), '60');
  });

  it('lets exactly one of 12 concurrent validations of a fresh code win', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const answers = await Promise.all(
      Array.from({ length: 12 }, (_, i) => platform.post('/api/tokens/validate', { code, deviceId: `device-${String(i).padStart(4, '0')}` })),
    );
    assert.deepEqual(answers.map((a) => a.status).sort(), [200, ...Array(11).fill(409)]);
    const active = await platform.db.selectFrom('sessions').selectAll().where('ended_at', 'is', null).execute();
    assert.equal(active.length, 1);
  });

  describe('the wrong-code budget (README "Rate limits")', () => {
    // Behind one trusted proxy hop, so each test can speak from several client addresses.
    const behindProxy = { STREAMGATE_TRUST_PROXY_HOPS: '1' };
    const from = (platform: TestPlatform, ip: string, code: string | undefined, deviceId = 'device-aaaa') =>
      platform.post('/api/tokens/validate', { code, deviceId }, { 'X-Forwarded-For': ip });
    /** `count` wrong codes from `ip`, 50 at a time; their statuses, in order. */
    async function wrongCodes(platform: TestPlatform, ip: (i: number) => string, count: number): Promise<number[]> {
      const statuses: number[] = [];
      for (let i = 0; i < count; i += 50) {
        const batch = Array.from({ length: Math.min(50, count - i) }, (_, j) => from(platform, ip(i + j), 'ZZZZZZZZZZZZ'));
        statuses.push(...(await Promise.all(batch)).map((r) => r.status));
      }
      return statuses;
    }

    it('lets a venue of 500 viewers behind one address each mistype once and still get in', async (t) => {
      const platform = await startTestPlatform(t, behindProxy);
      const codes = await platform.codes(500);
      const viewers = codes.map((code, i) => async () => {
        const deviceId = `device-${String(i).padStart(4, '0')}`;
        const typo = await from(platform, '203.0.113.7', code.slice(0, 11) + (code.endsWith('0') ? '1' : '0'), deviceId);
        const typed = await from(platform, '203.0.113.7', code, deviceId);
        return [typo.status, typed.status];
      });
      const outcomes = [];
      for (let i = 0; i < viewers.length; i += 50) outcomes.push(...(await Promise.all(viewers.slice(i, i + 50).map((viewer) => viewer()))));
      assert.deepEqual(outcomes, Array(500).fill([401, 200]));
    });

    it("holds one address's attempts past its burst to one every 6 s, refusing the rest with the true Retry-After", async (t) => {
      const platform = await startTestPlatform(t, behindProxy);
      const [good] = await platform.codes(1);
      const ip = '203.0.113.7';
      assert.deepEqual(await wrongCodes(platform, () => ip, 600), Array(600).fill(401));

      platform.advance(4_000); // the next attempt is due in 2 s
      const startedAt = Date.now();
      const held = from(platform, ip, 'ZZZZZZZZZZZZ');
      await delay(200);
      const limited = await from(platform, ip, 'ZZZZZZZZZZZZ');
      assert.equal(limited.status, 429, 'the attempt after the held one is further away than one interval');
      assert.deepEqual(limited.json.error, { code: 'rate_limited', message: 'Too many attempts; wait a moment and try again.', retryAfter: 2 });
      assert.equal(limited.headers.get('retry-after'), '2', 'the time until a retry is taken, not a whole window');
      assert.equal((await held).status, 401, 'a held guess is checked when its turn comes');
      assert.ok(Date.now() - startedAt >= 1_900, 'and not before: past its burst an address learns one answer every 6 s');

      platform.advance(6_000); // the next attempt is due in 2 s again
      assert.equal((await from(platform, ip, good)).status, 200, 'a correct code from a spent address gets in, after its turn');
      assert.equal((await from(platform, ip, 'ZZZZZZZZZZZZ')).status, 401, 'and gives its turn back: the next guess is held, not refused');
    });

    it('never lets one address (or its refusals) refuse anyone else', async (t) => {
      const platform = await startTestPlatform(t, behindProxy);
      const [good] = await platform.codes(1);
      assert.deepEqual(await wrongCodes(platform, () => '198.51.100.1', 600), Array(600).fill(401));
      platform.advance(5_990);
      const flood = await wrongCodes(platform, () => '198.51.100.1', 600);
      assert.deepEqual([flood.filter((s) => s === 401).length, flood.filter((s) => s === 429).length], [1, 599], 'one held attempt, the rest refused unchecked');
      assert.equal((await from(platform, '203.0.113.7', 'ZZZZZZZZZZZZ')).status, 401, 'another address still has its own budget');
      assert.equal((await from(platform, '203.0.113.7', good)).status, 200);
    });

    it('counts an IPv6 client by its /64', async (t) => {
      const platform = await startTestPlatform(t, behindProxy);
      assert.deepEqual(await wrongCodes(platform, (i) => `2001:db8:1:2::${(i + 1).toString(16)}`, 600), Array(600).fill(401));
      platform.advance(5_990);
      assert.equal((await from(platform, '2001:db8:1:2::1', 'ZZZZZZZZZZZZ')).status, 401, 'held for its turn');
      assert.equal((await from(platform, '2001:db8:1:2:ffff:ffff:ffff:ffff', 'ZZZZZZZZZZZZ')).status, 429, 'the same /64');
      assert.equal((await from(platform, '2001:db8:1:3::1', 'ZZZZZZZZZZZZ')).status, 401, 'the next /64');
    });
  });

  it('never writes a code or a token into its log', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const { json } = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    await platform.post('/api/sessions/heartbeat', { sessionId: json.sessionId }, { Authorization: `Bearer ${json.token}` });
    await fetch(`${platform.url}/?code=${code}`);
    const log = platform.logLines.join('');
    assert.ok(log.includes('/api/tokens/validate'), 'requests are logged');
    assert.ok(!log.includes(code!) && !log.includes(json.token) && !log.includes(json.token.split('.')[2]));
    // Every field of every line (request ids and event ids included) is free of them too.
    for (const line of platform.logLines) {
      for (const value of Object.values(JSON.parse(line) as Record<string, unknown>)) {
        const text = String(value);
        assert.ok(!text.includes(code!) && !text.includes(json.sessionId) && !text.includes(json.token.split('.')[2]!), `no secret in ${line}`);
      }
    }
  });

  it('logs each request as one JSON line with time, level, service, request id and event id, and answers the id as X-Request-Id', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const validated = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    const requestId = validated.headers.get('x-request-id')!;
    assert.match(requestId, /^[0-9a-f-]{36}$/, 'a new id for a request that brought none');
    const line = platform.logLines.map((l) => JSON.parse(l)).find((l) => l.message === 'request' && l.path === '/api/tokens/validate');
    assert.deepEqual(
      { level: line.level, service: line.service, requestId: line.requestId, eventId: line.eventId, status: line.status },
      { level: 'info', service: 'platform', requestId, eventId: 'conf', status: 200 },
    );
    assert.ok(Date.parse(line.time) > 0);

    // A proxy's id is kept when short and safe, so one id follows the request through both logs.
    const kept = await fetch(`${platform.url}/healthz`, { headers: { 'X-Request-Id': 'nginx-7f3a9c' } });
    assert.equal(kept.headers.get('x-request-id'), 'nginx-7f3a9c');
    const unsafe = await fetch(`${platform.url}/healthz`, { headers: { 'X-Request-Id': 'a"b<script>' } });
    assert.match(unsafe.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/, 'an unsafe one is replaced');
    const ids = platform.logLines.map((l) => JSON.parse(l)).filter((l) => l.path === '/healthz').map((l) => l.requestId);
    assert.deepEqual(ids, ['nginx-7f3a9c', unsafe.headers.get('x-request-id')]);

    // An error's log line carries the id the client was answered with.
    const refused = await fetch(`${platform.url}/api/tokens/validate`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Request-Id': 'bad-body-1' }, body: '{' });
    assert.equal(refused.status, 400);
    const refusal = platform.logLines.map((l) => JSON.parse(l)).find((l) => l.message === 'request refused');
    assert.equal(refusal?.requestId, 'bad-body-1');
  });
});
