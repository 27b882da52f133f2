import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { addAdminUser } from '../../src/core/admin/admin-accounts.js';
import { INVITE_TTL_MS } from '../../src/core/admin/admin-invites.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

async function call(platform: TestPlatform, method: string, path: string, body?: unknown, as?: { cookie: string; csrf: string }) {
  const headers: Record<string, string> = {};
  if (as) Object.assign(headers, { cookie: as.cookie, 'x-csrf-token': as.csrf });
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${platform.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

async function ownerLogin(platform: TestPlatform, { existing = false } = {}) {
  if (!existing) await addAdminUser({ db: platform.db, clock: platform.now, actor: 'test' }, { username: 'olivia', role: 'owner' }, 'owner password 123');
  const login = await call(platform, 'POST', '/api/admin/login', { username: 'olivia', password: 'owner password 123' });
  return { cookie: /sg_admin=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0], csrf: login.json.csrfToken as string };
}

const codeAt = (secret: string, timestamp: number) => new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate({ timestamp });

describe('admin invites', () => {
  it('a one-time link: the new user sets a password and enrols 2FA, then logs in with both; the link works once', async (t) => {
    const platform = await startTestPlatform(t);
    const owner = await ownerLogin(platform);
    const invite = await call(platform, 'POST', '/api/admin/invites', { username: 'ivy', role: 'support', events: ['conf'] }, owner);
    assert.equal(invite.status, 201);
    const token = /#\/invite\/([A-Za-z0-9_-]+)$/.exec(invite.json.url)![1]!;
    assert.equal(invite.json.path, `/admin#/invite/${token}`);
    assert.ok(invite.json.url.startsWith(platform.config.platformUrl));
    assert.equal(invite.json.token, undefined);

    const pending = await call(platform, 'GET', '/api/admin/invites', undefined, owner);
    assert.deepEqual(pending.json.map((i: any) => [i.username, i.role, i.events]), [['ivy', 'support', ['conf']]]);
    assert.equal((await call(platform, 'POST', '/api/admin/invites', { username: 'ivy', role: 'owner' }, owner)).json.error.code, 'invite_pending');

    const opened = await call(platform, 'POST', '/api/admin/invites/open', { token });
    assert.equal(opened.status, 200);
    assert.equal(opened.json.username, 'ivy');
    assert.match(opened.json.totp.uri, /^otpauth:\/\/totp\//);
    assert.match(opened.json.totp.qrSvg, /^<svg/);
    const secret = opened.json.totp.secret as string;

    const wrong = await call(platform, 'POST', '/api/admin/invites/accept', { token, password: 'ivy password 1234', totpSecret: secret, totpCode: '000000' === codeAt(secret, platform.now()) ? '111111' : '000000' });
    assert.equal(wrong.json.error.code, 'totp_invalid', 'a wrong code uses nothing up');
    const short = await call(platform, 'POST', '/api/admin/invites/accept', { token, password: 'short', totpSecret: secret, totpCode: codeAt(secret, platform.now()) });
    assert.equal(short.status, 400);
    const accepted = await call(platform, 'POST', '/api/admin/invites/accept', { token, password: 'ivy password 1234', totpSecret: secret, totpCode: codeAt(secret, platform.now()) });
    assert.equal(accepted.status, 201);
    assert.deepEqual([accepted.json.username, accepted.json.role, accepted.json.events], ['ivy', 'support', ['conf']]);

    const again = await call(platform, 'POST', '/api/admin/invites/accept', { token, password: 'other password 1234', totpSecret: secret, totpCode: codeAt(secret, platform.now()) });
    assert.equal(again.status, 404);
    assert.equal(again.json.error.code, 'invite_invalid');
    assert.equal((await call(platform, 'POST', '/api/admin/invites/open', { token })).json.error.code, 'invite_invalid');

    const withoutCode = await call(platform, 'POST', '/api/admin/login', { username: 'ivy', password: 'ivy password 1234' });
    assert.equal(withoutCode.json.error.code, 'totp_required', '2FA is on from the start');
    platform.advance(30_000);
    const login = await call(platform, 'POST', '/api/admin/login', { username: 'ivy', password: 'ivy password 1234', totp: codeAt(secret, platform.now()) });
    assert.equal(login.status, 200);
    assert.equal(login.json.role, 'support');

    // The token is nowhere but in the owner's answer: not stored, not logged.
    const rows = await platform.db.selectFrom('admin_invites').selectAll().execute();
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(token));
    assert.ok(rows[0]!.used_at !== null);
    assert.ok(!platform.logLines.some((line) => line.includes(token)), 'the token is in no log line');
    const audit = await platform.db.selectFrom('audit_log').selectAll().where('action', 'in', ['admin.invite', 'admin.invite_accept']).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => [a.action, a.actor, a.role]), [['admin.invite', 'admin:olivia', 'owner'], ['admin.invite_accept', 'admin:ivy', 'support']]);
    assert.ok(!JSON.stringify(audit).includes(token));
  });

  it('expires after 24 hours', async (t) => {
    const platform = await startTestPlatform(t);
    const owner = await ownerLogin(platform);
    const invite = await call(platform, 'POST', '/api/admin/invites', { username: 'late', role: 'operator' }, owner);
    const token = /#\/invite\/(.+)$/.exec(invite.json.url)![1]!;
    platform.advance(INVITE_TTL_MS - 1_000);
    const opened = await call(platform, 'POST', '/api/admin/invites/open', { token });
    assert.equal(opened.status, 200, 'still valid a second before');
    platform.advance(1_000);
    const secret = opened.json.totp.secret;
    const expired = await call(platform, 'POST', '/api/admin/invites/accept', { token, password: 'late password 1234', totpSecret: secret, totpCode: codeAt(secret, platform.now()) });
    assert.equal(expired.status, 404);
    assert.equal(expired.json.error.code, 'invite_invalid');
    assert.equal((await call(platform, 'POST', '/api/admin/invites/open', { token: 'A'.repeat(43) })).json.error.code, 'invite_invalid', 'an unknown token answers the same');
    assert.equal((await platform.db.selectFrom('admin_users').select('username').where('username', '=', 'late').execute()).length, 0);
    const reinvite = await call(platform, 'POST', '/api/admin/invites', { username: 'late', role: 'operator' }, await ownerLogin(platform, { existing: true }));
    assert.equal(reinvite.status, 201, 'an expired invite no longer holds the name');
  });
});
