import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endTimedOutSessions } from '../../src/core/sessions/session-service.js';
import { runCli } from '../helpers/cli.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** The session's last-seen time and its code's last-used time, as stored. */
async function stored(platform: TestPlatform, sessionId: string) {
  const session = await platform.db.selectFrom('sessions').select(['code_id', 'last_seen_at', 'ended_at']).where('id', '=', sessionId).executeTakeFirstOrThrow();
  const code = await platform.db.selectFrom('access_codes').select(['first_used_at', 'last_used_at']).where('id', '=', session.code_id).executeTakeFirstOrThrow();
  return { lastSeenAt: session.last_seen_at, endedAt: session.ended_at, firstUsedAt: code.first_used_at, lastUsedAt: code.last_used_at };
}

describe('validate: a resume by the same device within 15 s writes nothing', () => {
  it('leaves last-seen and last-used as they are within 15 s, then writes the session, and the code a minute on', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const first = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const openedAt = platform.now();
    assert.deepEqual(await stored(platform, first.json.sessionId), { lastSeenAt: openedAt, endedAt: null, firstUsedAt: openedAt, lastUsedAt: openedAt });

    platform.advance(14_000);
    const soon = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.equal(soon.status, 200, JSON.stringify(soon.json));
    assert.equal(soon.json.sessionId, first.json.sessionId);
    assert.notEqual(soon.json.token, first.json.token); // a fresh token all the same
    assert.deepEqual(await stored(platform, first.json.sessionId), { lastSeenAt: openedAt, endedAt: null, firstUsedAt: openedAt, lastUsedAt: openedAt });

    platform.advance(1_500); // 15.5 s after the last write
    const later = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.equal(later.status, 200, JSON.stringify(later.json));
    assert.equal(later.json.sessionId, first.json.sessionId);
    const resumedAt = platform.now();
    // One row: the code's last use is shown to the minute, and written once it is a minute old.
    assert.deepEqual(await stored(platform, first.json.sessionId), { lastSeenAt: resumedAt, endedAt: null, firstUsedAt: openedAt, lastUsedAt: openedAt });

    platform.advance(45_000); // 60.5 s after the code's last write, 45 s after the session's
    assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).status, 200);
    const minuteLater = platform.now();
    assert.deepEqual(await stored(platform, first.json.sessionId), { lastSeenAt: minuteLater, endedAt: null, firstUsedAt: openedAt, lastUsedAt: minuteLater });
  });

  it('still refuses another device, a revoked code and an expired code within those 15 s', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1, { expiresInMs: 60_000 });
    const first = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    platform.advance(1_000);
    const other = await platform.post('/api/tokens/validate', { code, deviceId: 'device-bbbb' });
    assert.deepEqual([other.status, other.json.error.code], [409, 'device_conflict']);

    // Past the code's expiry, 1 s after a write: refused, not resumed from what was read.
    const [short] = await platform.codes(1, { expiresInMs: 2_000 });
    assert.equal((await platform.post('/api/tokens/validate', { code: short, deviceId: 'device-cccc' })).status, 200);
    platform.advance(2_000);
    const expired = await platform.post('/api/tokens/validate', { code: short, deviceId: 'device-cccc' });
    assert.deepEqual([expired.status, expired.json.error.code], [410, 'code_expired']);

    assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).status, 200);
    await runCli(['tokens', 'revoke', code!], { dataDir: platform.dataDir });
    const revoked = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.deepEqual([revoked.status, revoked.json.error.code], [403, 'code_revoked']);
  });

  it('keeps the unwritten resume in memory: the session stays the device\'s past 90 s from its last write', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const first = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.equal(first.status, 200, JSON.stringify(first.json));
    const openedAt = platform.now();
    platform.advance(14_000);
    assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' })).status, 200);
    platform.advance(80_000); // 94 s after the write, 80 s after the resume
    assert.equal((await stored(platform, first.json.sessionId)).lastSeenAt, openedAt);
    assert.equal(await endTimedOutSessions({ db: platform.db, clock: platform.now }), 0);
    const other = await platform.post('/api/tokens/validate', { code, deviceId: 'device-bbbb' });
    assert.deepEqual([other.status, other.json.error.code, other.json.error.retryAfter], [409, 'device_conflict', 10]);
    platform.advance(10_001); // past 90 s after the resume: over
    const taken = await platform.post('/api/tokens/validate', { code, deviceId: 'device-bbbb' });
    assert.equal(taken.status, 200, JSON.stringify(taken.json));
    assert.notEqual(taken.json.sessionId, first.json.sessionId);
  });
});
