import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EDGE_AUDIENCE, signToken } from '../../src/core/playback-token.js';
import { runCli } from '../helpers/cli.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** What an edge sends: a short edge token signed at the platform's (injected) time. */
function asEdge(platform: TestPlatform) {
  return { Authorization: `Bearer ${signToken(platform.keyring.current, EDGE_AUDIENCE, {}, platform.now(), 60).token}` };
}

/** A viewer in the portal who clicks "Watch in VLC / on a TV": the code's browser session becomes a link. */
async function linkFor(platform: TestPlatform, code: string) {
  const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'browser-aaaa' });
  assert.equal(grant.status, 200);
  const link = await platform.post('/api/sessions/link', { sessionId: grant.json.sessionId }, { Authorization: `Bearer ${grant.json.token}` });
  assert.equal(link.status, 200, JSON.stringify(link.json));
  const linkToken = new URL(link.json.url, 'http://x').searchParams.get('token')!;
  return { grant: grant.json, link: link.json, linkToken };
}

const openLink = (platform: TestPlatform, linkToken: string) => platform.post('/api/edge/link-sessions', { linkToken }, asEdge(platform));
const report = (platform: TestPlatform, sessions: { sessionId: string; codeId: string; wantsToken?: boolean }[]) =>
  platform.post('/api/edge/sessions/report', { sessions }, asEdge(platform));
const codeIdOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub as string;

describe('personal links and session reports', () => {
  const env = { EDGE_QUERY_TOKENS: '1' };

  it('a link plays as long as the edge reports it: reports are heartbeats, with fresh tokens', async (t) => {
    const platform = await startTestPlatform(t, env);
    const [code] = await platform.codes(1);
    const { grant, link, linkToken } = await linkFor(platform, code!);
    assert.match(link.url, /\/streams\/conf\/index\.m3u8\?token=/);
    // The browser's session moved to the link: its token no longer heartbeats.
    const old = await platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });
    assert.equal(old.status, 409);
    const opened = await openLink(platform, linkToken);
    assert.equal(opened.status, 200, JSON.stringify(opened.json));
    const entry = { sessionId: opened.json.sessionId, codeId: codeIdOf(opened.json.token), wantsToken: true };
    for (let minute = 0; minute < 10; minute++) {
      platform.advance(60_000); // longer than nothing, shorter than the 90 s timeout
      const answer = await report(platform, [entry]);
      assert.equal(answer.status, 200);
      assert.equal(answer.json.sessions[0].status, 'active', `minute ${minute}`);
      assert.ok(Date.parse(answer.json.sessions[0].expiresAt) > platform.now());
    }
    // The same link again (a reload, another edge) resumes the same session.
    assert.equal((await openLink(platform, linkToken)).json.sessionId, entry.sessionId);
    // Silent for longer than the timeout: ended, and a report does not revive it.
    platform.advance(100_000);
    assert.deepEqual((await report(platform, [entry])).json.sessions[0], { sessionId: entry.sessionId, status: 'ended', reason: 'session_ended' });
    assert.equal((await report(platform, [entry])).json.sessions[0].status, 'ended');
    // A timed-out link opens a new session: the link works for the whole event.
    const again = await openLink(platform, linkToken);
    assert.equal(again.status, 200);
    assert.notEqual(again.json.sessionId, entry.sessionId);
  });

  it('single device holds: another device gets 409 while the link plays, and an ended link stays ended', async (t) => {
    const platform = await startTestPlatform(t, env);
    const [code] = await platform.codes(1);
    const { linkToken } = await linkFor(platform, code!);
    const opened = await openLink(platform, linkToken);
    const other = await platform.post('/api/tokens/validate', { code, deviceId: 'phone-bbbb' });
    assert.equal(other.status, 409);
    assert.equal(other.json.error.code, 'device_conflict');
    const ended = await runCli(['sessions', 'end', opened.json.sessionId], { dataDir: platform.dataDir });
    assert.equal(ended.code, 0, ended.stderr);
    const refused = await openLink(platform, linkToken);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'link_ended');
    // The code itself still works on another device.
    assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: 'phone-bbbb' })).status, 200);
  });

  it('a revoked code ends the link: reports answer ended and the link opens nothing', async (t) => {
    const platform = await startTestPlatform(t, env);
    const [code] = await platform.codes(1);
    const { linkToken } = await linkFor(platform, code!);
    const opened = await openLink(platform, linkToken);
    await runCli(['tokens', 'revoke', code!], { dataDir: platform.dataDir });
    const answer = await report(platform, [{ sessionId: opened.json.sessionId, codeId: codeIdOf(opened.json.token) }]);
    assert.equal(answer.json.sessions[0].status, 'ended');
    const refused = await openLink(platform, linkToken);
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'code_revoked');
  });

  it('a link token is no playback token, and the edge routes are for edges only', async (t) => {
    const platform = await startTestPlatform(t, env);
    const [code] = await platform.codes(1);
    const { grant, linkToken } = await linkFor(platform, code!);
    const heartbeat = await platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${linkToken}` });
    assert.equal(heartbeat.status, 401);
    for (const headers of [{}, { Authorization: `Bearer ${grant.token}` }, { Authorization: `Bearer ${linkToken}` }] as Record<string, string>[]) {
      assert.equal((await platform.post('/api/edge/link-sessions', { linkToken }, headers)).status, 401);
      assert.equal((await platform.post('/api/edge/sessions/report', { sessions: [] }, headers)).status, 401);
    }
    assert.equal((await platform.post('/api/edge/link-sessions', { linkToken: grant.token }, asEdge(platform))).status, 401);
    assert.equal(platform.logLines.filter((line) => line.includes(linkToken) || line.includes(grant.token)).length, 0);
  });

  it('links are refused unless the edge accepts ?token=', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'browser-aaaa' });
    const link = await platform.post('/api/sessions/link', { sessionId: grant.json.sessionId }, { Authorization: `Bearer ${grant.json.token}` });
    assert.equal(link.status, 403);
    assert.equal(link.json.error.code, 'links_disabled');
  });
});
