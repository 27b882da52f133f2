import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

async function play(platform: TestPlatform, deviceId = 'device-aaaa') {
  const [code] = await platform.codes(1);
  const { json } = await platform.post('/api/tokens/validate', { code, deviceId });
  return { code: code!, ...(json as { token: string; sessionId: string }) };
}

const feedKinds = async (platform: TestPlatform) =>
  (await platform.db.selectFrom('revocations').select(['kind', 'session_id']).orderBy('cursor').execute()).map((r) => r.kind);

describe('sessions: heartbeat, release, timeout', () => {
  it('a heartbeat returns a fresh token and keeps the session', async (t) => {
    const platform = await startTestPlatform(t);
    const session = await play(platform);
    platform.advance(30_000);
    const beat = await platform.post('/api/sessions/heartbeat', { sessionId: session.sessionId }, { Authorization: `Bearer ${session.token}` });
    assert.equal(beat.status, 200, JSON.stringify(beat.json));
    assert.notEqual(beat.json.token, session.token);
    assert.equal(Date.parse(beat.json.expiresAt), Math.floor(platform.now() / 1000) * 1000 + 300_000);
  });

  it('a heartbeat needs a valid token for the same session', async (t) => {
    const platform = await startTestPlatform(t);
    const a = await play(platform);
    const b = await play(platform, 'device-bbbb');
    const none = await platform.post('/api/sessions/heartbeat', { sessionId: a.sessionId });
    assert.deepEqual([none.status, none.json.error.code], [401, 'unauthorized']);
    const forged = await platform.post('/api/sessions/heartbeat', { sessionId: a.sessionId }, { Authorization: `Bearer ${a.token.slice(0, -2)}xx` });
    assert.equal(forged.status, 401);
    const crossed = await platform.post('/api/sessions/heartbeat', { sessionId: a.sessionId }, { Authorization: `Bearer ${b.token}` });
    assert.equal(crossed.status, 403);
    platform.advance(331_000); // past exp + 30 s tolerance
    const expired = await platform.post('/api/sessions/heartbeat', { sessionId: a.sessionId }, { Authorization: `Bearer ${a.token}` });
    assert.equal(expired.status, 401);
  });

  it('a heartbeat re-checks the code: revoked 403, expired 410', async (t) => {
    const platform = await startTestPlatform(t);
    const session = await play(platform);
    await runCli(['tokens', 'revoke', session.code], { dataDir: platform.dataDir });
    const revoked = await platform.post('/api/sessions/heartbeat', { sessionId: session.sessionId }, { Authorization: `Bearer ${session.token}` });
    assert.deepEqual([revoked.status, revoked.json.error.code], [403, 'code_revoked']);

    const [short] = await platform.codes(1, { expiresInMs: 60_000 });
    const { json } = await platform.post('/api/tokens/validate', { code: short, deviceId: 'device-cccc' });
    platform.advance(61_000);
    const expired = await platform.post('/api/sessions/heartbeat', { sessionId: json.sessionId }, { Authorization: `Bearer ${json.token}` });
    assert.deepEqual([expired.status, expired.json.error.code], [410, 'code_expired']);
  });

  it('release frees the code for another device at once, and tells the edges', async (t) => {
    const platform = await startTestPlatform(t);
    const session = await play(platform);
    // sendBeacon: text/plain body carrying the token
    const released = await fetch(`${platform.url}/api/sessions/release`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
      body: JSON.stringify({ sessionId: session.sessionId, token: session.token }),
    });
    assert.equal(released.status, 204);
    const other = await platform.post('/api/tokens/validate', { code: session.code, deviceId: 'device-bbbb' });
    assert.equal(other.status, 200);
    assert.deepEqual(await feedKinds(platform), ['session_ended']);
    const beat = await platform.post('/api/sessions/heartbeat', { sessionId: session.sessionId }, { Authorization: `Bearer ${session.token}` });
    assert.deepEqual([beat.status, beat.json.error.code], [409, 'session_ended']);
  });

  it('a session silent for 90 s is over: another device may take the code', async (t) => {
    const platform = await startTestPlatform(t);
    const session = await play(platform);
    platform.advance(89_000);
    assert.equal((await platform.post('/api/tokens/validate', { code: session.code, deviceId: 'device-bbbb' })).status, 409);
    platform.advance(2_000);
    const taken = await platform.post('/api/tokens/validate', { code: session.code, deviceId: 'device-bbbb' });
    assert.equal(taken.status, 200);
    assert.deepEqual(await feedKinds(platform), ['session_ended']);
    const stale = await platform.post('/api/sessions/heartbeat', { sessionId: session.sessionId }, { Authorization: `Bearer ${session.token}` });
    assert.equal(stale.status, 409);
  });
});
