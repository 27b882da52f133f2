import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { CODE_STATUSES, codeStatus } from '../../src/core/codes/code-status.js';
import { revokeCodes } from '../../src/core/codes/code-revocation.js';
import { rotateCodes, memoryCodeSink } from '../../src/core/codes/code-issue.js';
import { createEvent } from '../../src/core/events/event-service.js';
import { codeCounts } from '../../src/core/codes/code-counts.js';
import { openDatabase } from '../../src/core/db/database.js';
import { rewindSqliteSchema } from '../helpers/older-schema.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:131.0) Gecko/20100101 Firefox/131.0';

async function adminKey(platform: TestPlatform, scope: { eventId?: string } = {}): Promise<string> {
  const { key } = await createApiKey(
    { db: platform.db, clock: platform.now, actor: 'test' },
    scope.eventId ? { name: 'shop', scope: 'event', eventId: scope.eventId } : { name: 'ops', scope: 'global' },
  );
  return key;
}

async function call(platform: TestPlatform, key: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${platform.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json().catch(() => null)) as any };
}

/** As a viewer pastes it from a mail: lower case, in groups of four with dashes. */
const pasted = (code: string) => code.toLowerCase().replace(/(.{4})(?!$)/g, '$1-');

/** Codes by status counted from every code (the old way): what the counters must always say. */
async function scannedCounts(platform: TestPlatform, eventId: string) {
  const counts = { active: 0, used: 0, revoked: 0, expired: 0 };
  const rows = await platform.db.selectFrom('codes').select(['revoked_at', 'expires_at', 'first_used_at']).where('event_id', '=', eventId).execute();
  for (const row of rows) counts[codeStatus(row, platform.now())]++;
  return counts;
}

describe('code lookup: POST /api/admin/codes/lookup', () => {
  it('finds a pasted code (lower case, dashes) with its state and sessions, and never echoes it', async (t) => {
    const platform = await startTestPlatform(t);
    const key = await adminKey(platform);
    const [code, other] = await platform.codes(2, { label: 'press' });
    const fresh = await call(platform, key, 'POST', '/api/admin/codes/lookup', { code: pasted(other!) });
    assert.equal(fresh.status, 200);
    assert.equal(fresh.json.code.status, 'active');
    assert.equal(fresh.json.code.label, 'press');
    assert.equal(fresh.json.code.firstUsedAt, null);
    assert.deepEqual(fresh.json.sessions, []);

    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'kitchen-laptop' }, { 'user-agent': FIREFOX });
    assert.equal(grant.status, 200);
    const found = await call(platform, key, 'POST', '/api/admin/codes/lookup', { code: ` ${pasted(code!)}\n` });
    assert.equal(found.status, 200);
    assert.equal(found.json.code.eventId, 'conf');
    assert.equal(found.json.eventTitle, 'Conf');
    assert.equal(found.json.code.status, 'used');
    assert.equal(found.json.code.firstUsedAt, new Date(platform.now()).toISOString());
    assert.equal(found.json.sessions.length, 1);
    const [session] = found.json.sessions;
    assert.equal(session.id, grant.json.sessionId);
    assert.equal(session.deviceId, 'kitchen-laptop');
    assert.equal(session.browser, 'Firefox 131 on Windows');
    assert.equal(session.userAgent, FIREFOX);
    assert.equal(session.active, true);
    assert.match(session.clientIp, /127\.0\.0\.1/);
    assert.ok(!JSON.stringify(found.json).includes(code!), 'the plaintext code is never sent back');
  });

  it('404 code_not_found for an unknown code (without repeating it), 400 for a body without a code', async (t) => {
    const platform = await startTestPlatform(t);
    const key = await adminKey(platform);
    for (const wrong of ['0000-0000-0000', 'not a code at all']) {
      const answer = await call(platform, key, 'POST', '/api/admin/codes/lookup', { code: wrong });
      assert.equal(answer.status, 404);
      assert.equal(answer.json.error.code, 'code_not_found');
      assert.ok(!answer.json.error.message.includes(wrong));
    }
    assert.equal((await call(platform, key, 'POST', '/api/admin/codes/lookup', {})).json.error.code, 'invalid_request');
    assert.equal((await call(platform, key, 'POST', '/api/admin/codes/lookup', { code: 'x'.repeat(65) })).status, 400);
    assert.ok(!platform.logLines.join('\n').includes('0000-0000-0000'), 'request logs never hold a code');
  });

  it('an event-scoped key finds only its own event codes', async (t) => {
    const platform = await startTestPlatform(t);
    await createEvent({ db: platform.db, clock: platform.now, actor: 'test', keyring: platform.keyring }, { id: 'other', title: 'Other', rewatchHours: 48 });
    const [mine] = await platform.codes(1);
    const [theirs] = await platform.codes(1, { eventId: 'other' });
    const key = await adminKey(platform, { eventId: 'conf' });
    assert.equal((await call(platform, key, 'POST', '/api/admin/codes/lookup', { code: mine })).status, 200);
    const refused = await call(platform, key, 'POST', '/api/admin/codes/lookup', { code: theirs });
    assert.equal(refused.status, 404, 'another event: not found, as if it did not exist');
    assert.equal(refused.json.error.code, 'code_not_found');
  });

  it('shows an ended session as ended, and a revoked then restored code as it is', async (t) => {
    const platform = await startTestPlatform(t);
    const key = await adminKey(platform);
    const [code] = await platform.codes(1);
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'living-room-tv' });
    assert.equal((await call(platform, key, 'DELETE', `/api/admin/sessions/${grant.json.sessionId}`)).status, 200);
    let found = await call(platform, key, 'POST', '/api/admin/codes/lookup', { code });
    assert.equal(found.json.sessions[0].active, false);
    assert.equal(found.json.sessions[0].endReason, 'ended_by_operator');
    assert.equal(found.json.sessions[0].endedAt, new Date(platform.now()).toISOString());

    assert.equal((await call(platform, key, 'POST', '/api/admin/tokens/revoke', { ids: [found.json.code.id] })).json.revoked, 1);
    found = await call(platform, key, 'POST', '/api/admin/codes/lookup', { code });
    assert.equal(found.json.code.status, 'revoked');
    assert.equal((await call(platform, key, 'POST', '/api/admin/tokens/restore', { ids: [found.json.code.id] })).json.restored, 1);
    found = await call(platform, key, 'POST', '/api/admin/codes/lookup', { code });
    assert.equal(found.json.code.status, 'used');
  });
});

describe('event stats from counters kept by the writes', () => {
  it('agree with a count of every code through issue, first use, revoke, restore, rotate and expiry', async (t) => {
    const platform = await startTestPlatform(t);
    const key = await adminKey(platform);
    const stats = async () => (await call(platform, key, 'GET', '/api/admin/events/conf')).json.stats.codes;
    const check = async (expected: Record<string, number>, step: string) => {
      assert.deepEqual(await stats(), expected, step);
      assert.deepEqual(await scannedCounts(platform, 'conf'), expected, `${step} (scan)`);
      const listed = (await call(platform, key, 'GET', '/api/admin/events')).json.find((e: any) => e.id === 'conf').stats.codes;
      assert.deepEqual(listed, expected, `${step} (list)`);
    };
    await check({ active: 0, used: 0, revoked: 0, expired: 0 }, 'no codes');
    const codes = await platform.codes(10, { label: 'a' });
    const soon = await platform.codes(4, { label: 'b', expiresInMs: 60_000 });
    await check({ active: 14, used: 0, revoked: 0, expired: 0 }, 'issued');

    for (const [i, code] of [codes[0], codes[1], soon[0]].entries()) {
      assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: `device-${i}-abc` })).status, 200);
    }
    assert.equal((await platform.post('/api/tokens/validate', { code: codes[0], deviceId: 'device-0-abc' })).status, 200, 'a resume is no new use');
    await check({ active: 11, used: 3, revoked: 0, expired: 0 }, 'three used');

    const deps = { db: platform.db, clock: platform.now, pepper: platform.keyring.pepper, actor: 'test' };
    await revokeCodes(deps, { codes: [codes[0]!, codes[2]!, soon[1]!] }, null);
    await check({ active: 9, used: 2, revoked: 3, expired: 0 }, 'one used and two unused revoked');
    const revokedId = (await call(platform, key, 'POST', '/api/admin/codes/lookup', { code: codes[0] })).json.code.id;
    assert.equal((await call(platform, key, 'POST', '/api/admin/tokens/restore', { ids: [revokedId] })).json.restored, 1);
    await check({ active: 9, used: 3, revoked: 2, expired: 0 }, 'the used one restored');

    platform.advance(61_000);
    await check({ active: 7, used: 2, revoked: 2, expired: 3 }, 'label b expired (the revoked one stays revoked)');

    const rotated = await rotateCodes(deps, { eventId: 'conf', label: 'a', unusedOnly: true }, memoryCodeSink());
    assert.equal(rotated.revoked, 7);
    await check({ active: 7, used: 2, revoked: 9, expired: 3 }, 'the unused codes of label a rotated');
    for (const status of CODE_STATUSES) {
      const listed = await call(platform, key, 'GET', `/api/admin/events/conf/tokens?status=${status}&limit=100`);
      assert.equal(listed.json.codes.length, (await stats())[status], `list of ${status} codes`);
    }
  });
});

describe('migration 0009_code_lookup', () => {
  it('counts the codes an install already has when it upgrades', async (t) => {
    const platform = await startTestPlatform(t, {}, { sqlite: true });
    const codes = await platform.codes(30);
    await platform.post('/api/tokens/validate', { code: codes[0], deviceId: 'device-0-abc' });
    await revokeCodes({ db: platform.db, clock: platform.now, pepper: platform.keyring.pepper, actor: 'test' }, { codes: codes.slice(1, 3) }, null);
    // Back to the schema before 0009, as an install upgrading from it has.
    await rewindSqliteSchema(platform.config.databaseUrl.slice('sqlite:'.length), '0008_key_activation');
    const upgraded = await openDatabase(platform.config);
    t.after(() => upgraded.destroy());
    assert.deepEqual((await codeCounts(upgraded, platform.now(), ['conf'])).get('conf'), { active: 27, used: 1, revoked: 2, expired: 0 });
  });
});

describe('code list: GET /api/admin/events/:id/tokens', () => {
  it('pages by id with ?limit and ?after through every code once, with status and label filters', async (t) => {
    const platform = await startTestPlatform(t);
    const key = await adminKey(platform);
    await platform.codes(25, { label: 'press' });
    const used = await platform.codes(12, { label: 'guests' });
    for (const [i, code] of used.slice(0, 5).entries()) await platform.post('/api/tokens/validate', { code, deviceId: `device-${i}-abc` });

    const seen: string[] = [];
    let after = '';
    for (let pages = 0; pages < 10; pages++) {
      const page = await call(platform, key, 'GET', `/api/admin/events/conf/tokens?limit=10${after ? `&after=${after}` : ''}`);
      assert.equal(page.status, 200);
      seen.push(...page.json.codes.map((c: any) => c.id));
      if (!page.json.next) break;
      after = page.json.next;
    }
    assert.equal(seen.length, 37);
    assert.equal(new Set(seen).size, 37);
    assert.deepEqual(seen, [...seen].sort(), 'in id order');

    const usedList = await call(platform, key, 'GET', '/api/admin/events/conf/tokens?status=used');
    assert.equal(usedList.json.codes.length, 5);
    assert.ok(usedList.json.codes.every((c: any) => c.status === 'used' && c.label === 'guests'));
    const guestsActive = await call(platform, key, 'GET', '/api/admin/events/conf/tokens?status=active&label=guests');
    assert.equal(guestsActive.json.codes.length, 7);
    assert.equal((await call(platform, key, 'GET', '/api/admin/events/conf/tokens?status=expired')).json.codes.length, 0);
    assert.equal((await call(platform, key, 'GET', '/api/admin/events/conf/tokens?status=sold')).status, 400);
  });
});

describe('sessions list', () => {
  it('shows the code label and the browser of each session', async (t) => {
    const platform = await startTestPlatform(t);
    const key = await adminKey(platform);
    const [code] = await platform.codes(1, { label: 'vip' });
    await platform.post('/api/tokens/validate', { code, deviceId: 'phone-1234' }, { 'user-agent': FIREFOX });
    const sessions = await call(platform, key, 'GET', '/api/admin/sessions?eventId=conf');
    assert.equal(sessions.json.length, 1);
    assert.equal(sessions.json[0].label, 'vip');
    assert.equal(sessions.json[0].browser, 'Firefox 131 on Windows');
    assert.equal(sessions.json[0].deviceId, 'phone-1234');
  });
});
