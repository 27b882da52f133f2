import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TOTP, Secret } from 'otpauth';
import { createApiKey, revokeApiKey } from '../../src/core/admin/api-keys.js';
import { newTotpEnrolment, enableTotp, setAdminPassword } from '../../src/core/admin/admin-users.js';
import { createEvent } from '../../src/core/events/event-service.js';
import { verifyPlaybackToken } from '../../src/core/playback-token.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

interface Call {
  key?: string;
  body?: unknown;
  cookie?: string;
  csrf?: string;
  headers?: Record<string, string>;
}

async function api(platform: TestPlatform, method: string, path: string, call: Call = {}) {
  const headers: Record<string, string> = { ...call.headers };
  if (call.key) headers.authorization = `Bearer ${call.key}`;
  if (call.cookie) headers.cookie = call.cookie;
  if (call.csrf) headers['x-csrf-token'] = call.csrf;
  if (call.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${platform.url}${path}`, { method, headers, body: call.body === undefined ? undefined : JSON.stringify(call.body) });
  const text = await response.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    // CSV or empty
  }
  return { status: response.status, headers: response.headers, json, text };
}

async function globalKey(platform: TestPlatform, extra: { allowIps?: string[] } = {}) {
  const { view, key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: 'global', ...extra });
  return { id: view.id, key };
}

async function auditOf(platform: TestPlatform, action: string) {
  return platform.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id', 'desc').execute();
}

describe('admin API: authentication', () => {
  it('401 without a key, with a wrong key, a revoked key, or a playback JWT; 403 from an address not allowed', async (t) => {
    const platform = await startTestPlatform(t);
    const { id, key } = await globalKey(platform);
    assert.equal((await api(platform, 'GET', '/api/admin/events', { key })).status, 200);
    const lowerCase = await fetch(`${platform.url}/api/admin/events`, { headers: { authorization: `bearer ${key}` } });
    assert.equal(lowerCase.status, 200, 'the scheme in any case (RFC 7235)');

    const none = await api(platform, 'GET', '/api/admin/events');
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, 'unauthorized');
    assert.equal((await api(platform, 'GET', '/api/admin/events', { key: `sk_${'A'.repeat(43)}` })).status, 401);

    const [code] = await platform.codes(1);
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'device-0001' });
    assert.equal((await api(platform, 'GET', '/api/admin/events', { key: grant.json.token })).status, 401, 'a playback JWT is no admin credential');

    await revokeApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, id);
    assert.equal((await api(platform, 'GET', '/api/admin/events', { key })).status, 401, 'revoked: refused at once');

    const fenced = await globalKey(platform, { allowIps: ['10.0.0.0/8', '203.0.113.7'] });
    const refused = await api(platform, 'GET', '/api/admin/events', { key: fenced.key });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'ip_not_allowed');
    const local = await globalKey(platform, { allowIps: ['127.0.0.0/8'] });
    assert.equal((await api(platform, 'GET', '/api/admin/events', { key: local.key })).status, 200, 'an IPv4 range matches the IPv4-mapped client address');
  });

  it('honours X-Forwarded-For only when the trust-proxy setting says so', async (t) => {
    const direct = await startTestPlatform(t);
    const spoofed = { 'x-forwarded-for': '10.1.2.3' };
    const fenced = await globalKey(direct, { allowIps: ['10.0.0.0/8'] });
    assert.equal((await api(direct, 'GET', '/api/admin/events', { key: fenced.key, headers: spoofed })).status, 403);
    const proxied = await startTestPlatform(t, { STREAMGATE_TRUST_PROXY_HOPS: '1' });
    const behindProxy = await globalKey(proxied, { allowIps: ['10.0.0.0/8'] });
    assert.equal((await api(proxied, 'GET', '/api/admin/events', { key: behindProxy.key, headers: spoofed })).status, 200);
  });

  it('updates lastUsedAt when a key is used', async (t) => {
    const platform = await startTestPlatform(t);
    const { id, key } = await globalKey(platform);
    await api(platform, 'GET', '/api/admin/events', { key });
    const keys = await api(platform, 'GET', '/api/admin/apikeys', { key });
    assert.equal(keys.json.find((k: any) => k.id === id).lastUsedAt, new Date(platform.now()).toISOString());
  });
});

describe('admin API: events and codes', () => {
  it('creates, lists, reads and updates events, each mutation audited with key and address', async (t) => {
    const platform = await startTestPlatform(t);
    const { id, key } = await globalKey(platform);
    const created = await api(platform, 'POST', '/api/admin/events', { key, body: { title: 'Keynote', id: 'keynote', startsAt: '2030-01-01T09:00:00Z', ladder: '720p,360p' } });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.id, 'keynote');
    assert.equal(created.json.ladder, '720p,360p');
    assert.match(created.json.streamKey, /^[a-z0-9]{32}$/);

    const list = await api(platform, 'GET', '/api/admin/events', { key });
    assert.deepEqual(list.json.map((e: any) => e.id).sort(), ['conf', 'keynote']);
    assert.deepEqual(list.json[0].stats.codes, { active: 0, used: 0, revoked: 0, expired: 0 });

    const patched = await api(platform, 'PATCH', '/api/admin/events/keynote', { key, body: { title: 'Opening keynote', startsAt: null } });
    assert.equal(patched.status, 200);
    assert.equal(patched.json.title, 'Opening keynote');
    assert.equal(patched.json.startsAt, null);
    assert.equal((await api(platform, 'GET', '/api/admin/events/keynote', { key })).json.title, 'Opening keynote');

    const [entry] = await auditOf(platform, 'event.update');
    assert.equal(entry!.actor, `apikey:${id}`);
    assert.equal(entry!.target, 'keynote');
    assert.match(entry!.ip ?? '', /127\.0\.0\.1/);
    assert.equal((await auditOf(platform, 'event.create'))[0]!.actor, `apikey:${id}`);
  });

  it('counts each event\'s codes by status and its viewers, with the listing\'s rule', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await globalKey(platform);
    const [used, revoked] = await platform.codes(3);
    await platform.codes(1, { expiresInMs: 60_000 });
    assert.equal((await platform.post('/api/tokens/validate', { code: used, deviceId: 'stats-device' })).status, 200);
    assert.equal((await api(platform, 'POST', '/api/admin/tokens/revoke', { key, body: { codes: [revoked] } })).status, 200);
    platform.advance(61_000);
    const { stats } = (await api(platform, 'GET', '/api/admin/events/conf', { key })).json;
    assert.deepEqual(stats.codes, { active: 1, used: 1, revoked: 1, expired: 1 });
    assert.equal(stats.viewersNow, 1);
  });

  it('rotates the stream key, archives an event, and pages through codes', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await globalKey(platform);
    const before = (await api(platform, 'GET', '/api/admin/events/conf', { key })).json.streamKey;
    const rotated = await api(platform, 'POST', '/api/admin/events/conf/rotate-key', { key });
    assert.equal(rotated.status, 200);
    assert.notEqual(rotated.json.streamKey, before);
    assert.equal((await auditOf(platform, 'event.rotate_key')).length, 1);

    await platform.codes(5);
    const first = await api(platform, 'GET', '/api/admin/events/conf/tokens?limit=3', { key });
    assert.equal(first.json.codes.length, 3);
    const rest = await api(platform, 'GET', `/api/admin/events/conf/tokens?limit=3&after=${first.json.next}`, { key });
    assert.equal(rest.json.codes.length, 2);
    assert.equal(rest.json.next, null);
    assert.equal(new Set([...first.json.codes, ...rest.json.codes].map((c: any) => c.id)).size, 5);

    const archived = await api(platform, 'POST', '/api/admin/events/conf/archive', { key });
    assert.equal(archived.json.status, 'archived');
    assert.equal((await api(platform, 'POST', '/api/admin/events/conf/tokens', { key, body: { count: 1 } })).status, 409);
  });

  it('answers bad input with 400 invalid_request naming the field, and unknown events with 404', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await globalKey(platform);
    const cases: [string, string, unknown, RegExp][] = [
      ['POST', '/api/admin/events', {}, /title/],
      ['POST', '/api/admin/events', { title: 'X', startsAt: 'tomorrow' }, /startsAt/],
      ['POST', '/api/admin/events', { title: 'X', ladder: '4k' }, /ladder/],
      ['PATCH', '/api/admin/events/conf', { rewatchHours: -1 }, /rewatchHours/],
      ['POST', '/api/admin/events/conf/tokens', { count: 0 }, /count/],
      ['POST', '/api/admin/events/conf/tokens', { count: 100_001 }, /count/],
      ['POST', '/api/admin/tokens/revoke', {}, /codes, ids, eventId or label/],
      ['POST', '/api/admin/tokens/restore', { ids: [] }, /ids/],
    ];
    for (const [method, path, body, message] of cases) {
      const result = await api(platform, method, path, { key, body });
      assert.equal(result.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${result.text}`);
      assert.equal(result.json.error.code, 'invalid_request');
      assert.match(result.json.error.message, message);
    }
    const window = await api(platform, 'PATCH', '/api/admin/events/conf', { key, body: { startsAt: '2030-01-02T00:00:00Z', endsAt: '2030-01-01T00:00:00Z' } });
    assert.equal(window.status, 400);
    assert.doesNotMatch(window.json.error.message, /--/, 'JSON field names, not CLI flags');
    assert.match(window.json.error.message, /endsAt/);
    assert.equal((await api(platform, 'GET', '/api/admin/events/nope', { key })).status, 404);
    const malformed = await api(platform, 'GET', '/api/admin/events/%E0%A4%A', { key });
    assert.equal(malformed.status, 400);
    assert.match(malformed.json.error.message, /path is malformed/);
    assert.equal((await api(platform, 'GET', '/api/admin/events/conf/tokens?status=bogus', { key })).status, 400);
  });

  it('generates codes as JSON or CSV; they work at once, and listings never show them', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await globalKey(platform);
    const json = await api(platform, 'POST', '/api/admin/events/conf/tokens', { key, body: { count: 3, label: 'press', expiresIn: '7d' } });
    assert.equal(json.status, 201);
    assert.equal(json.headers.get('cache-control'), 'no-store');
    assert.equal(json.json.codes.length, 3);
    assert.equal(json.json.label, 'press');
    const csv = await api(platform, 'POST', '/api/admin/events/conf/tokens', { key, body: { count: 2 }, headers: { accept: 'text/csv' } });
    assert.equal(csv.status, 201);
    assert.match(csv.headers.get('content-disposition') ?? '', /^attachment; filename="?codes-conf\.csv"?$/);
    const lines = csv.text.trim().split('\r\n');
    assert.equal(lines[0], 'code,event_id,expires_at,label');
    assert.equal(lines.length, 3);

    const validated = await platform.post('/api/tokens/validate', { code: json.json.codes[0].code, deviceId: 'device-0001' });
    assert.equal(validated.status, 200);
    const used = await api(platform, 'GET', '/api/admin/events/conf/tokens?status=used', { key });
    assert.equal(used.json.codes.length, 1);
    const all = await api(platform, 'GET', '/api/admin/events/conf/tokens', { key });
    assert.equal(all.json.codes.length, 5);
    for (const c of json.json.codes) assert.ok(!all.text.includes(c.code), 'no plaintext code in a listing');
    const [audit] = await auditOf(platform, 'codes.create');
    assert.ok(audit);
  });

  it('revokes by code, label or id, restores by id, and reports what it did', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await globalKey(platform);
    const vip = await platform.codes(2, { label: 'vip' });
    const [single] = await platform.codes(1);
    const byCode = await api(platform, 'POST', '/api/admin/tokens/revoke', { key, body: { codes: [single!.toLowerCase(), 'ZZZZZZZZZZZZ'], reason: 'refund' } });
    assert.deepEqual(byCode.json, { revoked: 1, alreadyRevoked: 0, notFound: ['ZZZZZZZZZZZZ'] });
    const byLabel = await api(platform, 'POST', '/api/admin/tokens/revoke', { key, body: { eventId: 'conf', label: 'vip' } });
    assert.deepEqual(byLabel.json, { revoked: 2, alreadyRevoked: 0, notFound: [] });
    assert.equal((await platform.post('/api/tokens/validate', { code: vip[0], deviceId: 'device-0001' })).status, 403);

    const revoked = await api(platform, 'GET', '/api/admin/events/conf/tokens?status=revoked', { key });
    const ids = revoked.json.codes.map((c: any) => c.id);
    const restored = await api(platform, 'POST', '/api/admin/tokens/restore', { key, body: { ids: [ids[0], 'nonexistent'] } });
    assert.deepEqual(restored.json, { restored: 1, notRevoked: 0, notFound: ['nonexistent'] });
    const again = await api(platform, 'POST', '/api/admin/tokens/revoke', { key, body: { ids } });
    assert.deepEqual(again.json, { revoked: 1, alreadyRevoked: 2, notFound: [] });
    assert.equal((await auditOf(platform, 'codes.restore')).length, 1);
    assert.equal((await auditOf(platform, 'codes.revoke')).length, 3);
  });
});

describe('admin API: sessions, API keys, audit', () => {
  it('lists live sessions and ends one: the player is told on its next heartbeat', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await globalKey(platform);
    const [code] = await platform.codes(1);
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'device-0001' }, { 'user-agent': 'TestBrowser/1' });
    const sessions = await api(platform, 'GET', '/api/admin/sessions?eventId=conf', { key });
    assert.equal(sessions.json.length, 1);
    assert.equal(sessions.json[0].id, grant.json.sessionId);
    assert.equal(sessions.json[0].deviceId, 'device-0001');
    assert.equal(sessions.json[0].userAgent, 'TestBrowser/1');

    const ended = await api(platform, 'DELETE', `/api/admin/sessions/${grant.json.sessionId}`, { key });
    assert.deepEqual(ended.json, { id: grant.json.sessionId, eventId: 'conf', ended: true });
    assert.deepEqual((await api(platform, 'GET', '/api/admin/sessions', { key })).json, []);
    const beat = await platform.post('/api/sessions/heartbeat', { sessionId: grant.json.sessionId }, { authorization: `Bearer ${grant.json.token}` });
    assert.equal(beat.status, 409);
    assert.equal((await api(platform, 'DELETE', '/api/admin/sessions/nope', { key })).status, 404);
    assert.equal((await auditOf(platform, 'session.end')).length, 1);
  });

  it('creates (shown once), lists and revokes API keys; the audit log lists every mutation', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await globalKey(platform);
    const created = await api(platform, 'POST', '/api/admin/apikeys', { key, body: { name: 'ticket shop', scope: 'event', eventId: 'conf', allowIps: ['198.51.100.0/24'] } });
    assert.equal(created.status, 201, created.text);
    assert.match(created.json.key, /^sk_[A-Za-z0-9_-]{43}$/);
    const list = await api(platform, 'GET', '/api/admin/apikeys', { key });
    assert.ok(!list.text.includes(created.json.key), 'never listed again');
    assert.deepEqual(list.json.find((k: any) => k.id === created.json.id).allowIps, ['198.51.100.0/24']);
    const bad = await api(platform, 'POST', '/api/admin/apikeys', { key, body: { name: 'x', allowIps: ['not-an-ip'] } });
    assert.equal(bad.status, 400);
    const revoked = await api(platform, 'DELETE', `/api/admin/apikeys/${created.json.id}`, { key });
    assert.ok(revoked.json.revokedAt);

    const audit = await api(platform, 'GET', '/api/admin/audit?limit=2', { key });
    assert.deepEqual(audit.json.entries.map((e: any) => e.action), ['apikey.revoke', 'apikey.create']);
    assert.equal(audit.json.next, audit.json.entries[1].id);
    const older = await api(platform, 'GET', `/api/admin/audit?before=${audit.json.next}`, { key });
    assert.ok(older.json.entries.every((e: any) => e.id < audit.json.next));
  });

  it('confines an event-scoped key to its event: 403 elsewhere, other events\' codes not found', async (t) => {
    const platform = await startTestPlatform(t);
    await createEvent({ db: platform.db, clock: platform.now, actor: 'test', keyring: platform.keyring }, { id: 'other', title: 'Other', rewatchHours: 48 });
    const { key } = (await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'conf only', scope: 'event', eventId: 'conf' }));
    const [otherCode] = await platform.codes(1, { eventId: 'other' });
    assert.equal((await api(platform, 'GET', '/api/admin/events/conf', { key })).status, 200);
    assert.equal((await api(platform, 'POST', '/api/admin/events/conf/tokens', { key, body: { count: 1 } })).status, 201);
    for (const [method, path, body] of [
      ['GET', '/api/admin/events', undefined],
      ['POST', '/api/admin/events', { title: 'New' }],
      ['GET', '/api/admin/events/other', undefined],
      ['PATCH', '/api/admin/events/other', { title: 'x' }],
      ['POST', '/api/admin/events/other/tokens', { count: 1 }],
      ['GET', '/api/admin/events/other/tokens', undefined],
      ['POST', '/api/admin/tokens/revoke', { eventId: 'other' }],
      ['GET', '/api/admin/sessions?eventId=other', undefined],
      ['GET', '/api/admin/apikeys', undefined],
      ['GET', '/api/admin/audit', undefined],
    ] as const) {
      const result = await api(platform, method, path, { key, body });
      assert.equal(result.status, 403, `${method} ${path}`);
      assert.equal(result.json.error.code, 'forbidden');
    }
    const sneaky = await api(platform, 'POST', '/api/admin/tokens/revoke', { key, body: { codes: [otherCode] } });
    assert.deepEqual(sneaky.json, { revoked: 0, alreadyRevoked: 0, notFound: [otherCode] });
    assert.equal((await platform.post('/api/tokens/validate', { code: otherCode, deviceId: 'device-0001' })).status, 200);
  });
});

describe('admin API: console login', () => {
  const cookieOf = (headers: Headers) => /sg_admin=[^;]+/.exec(headers.get('set-cookie') ?? '')?.[0] ?? '';

  it('logs in with a password: HttpOnly SameSite=Strict cookie, CSRF token required on mutations, logout ends it', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    await setAdminPassword({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, 'alice', 'correct horse battery');
    const wrong = await api(platform, 'POST', '/api/admin/login', { body: { username: 'alice', password: 'wrong password!' } });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 'invalid_credentials');
    assert.equal((await api(platform, 'POST', '/api/admin/login', { body: { username: 'nobody', password: 'whatever12345' } })).json.error.code, 'invalid_credentials');
    const refused = await auditOf(platform, 'admin.login_refused');
    assert.deepEqual(refused.map((a) => [a.actor, a.target, a.ip, JSON.parse(a.details!).reason]), [
      ['anonymous', 'nobody', '127.0.0.1', 'invalid_credentials'],
      ['anonymous', 'alice', '127.0.0.1', 'invalid_credentials'],
    ]);
    assert.ok(!refused.some((a) => JSON.stringify(a).includes('wrong password')), 'no password in the audit log');

    const login = await api(platform, 'POST', '/api/admin/login', { body: { username: 'alice', password: 'correct horse battery' } });
    assert.equal(login.status, 200);
    const setCookie = login.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Strict/);
    assert.match(setCookie, /Max-Age=43200/);
    const cookie = cookieOf(login.headers);
    const session = await api(platform, 'GET', '/api/admin/session', { cookie });
    const { permissions, ...rest } = session.json;
    assert.deepEqual(rest, { kind: 'admin', username: 'alice', role: 'owner', events: null, csrfToken: login.json.csrfToken }, 'set-password makes an owner');
    assert.ok(permissions.includes('users:manage'));

    const noCsrf = await api(platform, 'POST', '/api/admin/events', { cookie, body: { title: 'X' } });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.json.error.code, 'csrf_failed');
    const created = await api(platform, 'POST', '/api/admin/events', { cookie, csrf: login.json.csrfToken, body: { title: 'From the console' } });
    assert.equal(created.status, 201);
    assert.equal((await auditOf(platform, 'event.create'))[0]!.actor, 'admin:alice');

    const token = decodeURIComponent(cookie.slice('sg_admin='.length));
    assert.throws(() => verifyPlaybackToken(token, platform.keyring, platform.now(), 86_400), 'an admin session is no playback token');
    assert.equal((await api(platform, 'GET', '/api/admin/events', { key: token })).status, 401, 'nor a Bearer credential');
    assert.equal((await api(platform, 'GET', '/streams/conf/index.m3u8', { key: token })).status, 401, 'and the edge refuses it');

    assert.equal((await api(platform, 'POST', '/api/admin/logout', { cookie, csrf: login.json.csrfToken })).status, 204);
    assert.equal((await api(platform, 'GET', '/api/admin/events', { cookie })).status, 401, 'the session ended with logout');
  });

  it('asks for a TOTP code when 2FA is on: totp_required, totp_invalid, then in, and never twice with one code', async (t) => {
    const platform = await startTestPlatform(t);
    const deps = { db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' };
    await setAdminPassword(deps, 'bob', 'another long password');
    const { secret } = newTotpEnrolment('bob');
    const totp = new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' });
    await enableTotp(deps, 'bob', secret, totp.generate());
    const body = { username: 'bob', password: 'another long password' };
    assert.equal((await api(platform, 'POST', '/api/admin/login', { body })).json.error.code, 'totp_required');
    const wrongCode = String((Number(totp.generate()) + 500_000) % 1_000_000).padStart(6, '0');
    assert.equal((await api(platform, 'POST', '/api/admin/login', { body: { ...body, totp: wrongCode } })).json.error.code, 'totp_invalid');
    const code = totp.generate();
    const ok = await api(platform, 'POST', '/api/admin/login', { body: { ...body, totp: code } });
    assert.equal(ok.status, 200);
    const replayed = await api(platform, 'POST', '/api/admin/login', { body: { ...body, totp: code } });
    assert.equal(replayed.json.error.code, 'totp_invalid', 'a code works once');
    const stored = await platform.db.selectFrom('admin_users').select('totp_secret').where('username', '=', 'bob').executeTakeFirstOrThrow();
    assert.ok(!stored.totp_secret!.includes(secret), 'the TOTP secret is sealed in the database');
  });

  it('accepts the break-glass ADMIN_USER/ADMIN_PASS and rate-limits failed logins', async (t) => {
    const platform = await startTestPlatform(t, { ADMIN_USER: 'root', ADMIN_PASS: 'break glass please' });
    const ok = await api(platform, 'POST', '/api/admin/login', { body: { username: 'root', password: 'break glass please' } });
    assert.equal(ok.status, 200);
    let last = 0;
    for (let i = 0; i < 11; i += 1) last = (await api(platform, 'POST', '/api/admin/login', { body: { username: 'root', password: `guess number ${i}` } })).status;
    assert.equal(last, 429);
  });

  it('a password change ends the user\'s open sessions', async (t) => {
    const platform = await startTestPlatform(t);
    const deps = { db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' };
    await setAdminPassword(deps, 'carol', 'first password 123');
    const login = await api(platform, 'POST', '/api/admin/login', { body: { username: 'carol', password: 'first password 123' } });
    const cookie = cookieOf(login.headers);
    await setAdminPassword(deps, 'carol', 'second password 456');
    assert.equal((await api(platform, 'GET', '/api/admin/events', { cookie })).status, 401);
  });
});
