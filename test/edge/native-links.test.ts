import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { makeVodFixture, startTestEdge } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { waitFor } from '../helpers/appliance.js';

async function personalLink(platform: TestPlatform, code: string, edgeUrl: string): Promise<string> {
  const grant = await platform.post('/api/tokens/validate', { code, deviceId: 'browser-aaaa' });
  const link = await platform.post('/api/sessions/link', { sessionId: grant.json.sessionId }, { Authorization: `Bearer ${grant.json.token}` });
  assert.equal(link.status, 200, JSON.stringify(link.json));
  const { pathname, search } = new URL(link.json.url);
  return `${edgeUrl}${pathname}${search}`;
}

/** A recording, an edge reporting every 100 ms, and a personal link already playing there. */
async function playingLink(t: Parameters<typeof startTestPlatform>[0]) {
  const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1' });
  makeVodFixture(platform.dataDir);
  const edge = await startTestEdge(t, platform, {}, { reportIntervalMs: 100 });
  const [code] = await platform.codes(1);
  const url = await personalLink(platform, code!, edge.url);
  assert.equal((await fetch(url)).status, 200);
  return { platform, code: code!, url };
}

describe('edge: personal links and session reports', () => {
  it('keeps a link that plays alive past the session timeout, with no heartbeat from the player', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1' });
    makeVodFixture(platform.dataDir);
    // Edge and platform share the injected clock; reports every 100 ms instead of 20 s.
    const edge = await startTestEdge(t, platform, {}, { reportIntervalMs: 100, clock: platform.now });
    const [code] = await platform.codes(1);
    const url = await personalLink(platform, code!, edge.url);
    for (let step = 0; step < 4; step++) {
      const playlist = await fetch(url);
      assert.equal(playlist.status, 200, `step ${step}`);
      const segment = (await playlist.text()).split('\n').find((line) => line.startsWith('seg_'))!;
      assert.equal((await fetch(new URL(segment, url))).status, 200);
      await sleep(300); // a report goes out
      platform.advance(60_000);
    }
    // Four minutes of the platform's time: without the reports the session would have timed out.
    const other = await platform.post('/api/tokens/validate', { code, deviceId: 'phone-bbbb' });
    assert.equal(other.status, 409, 'the link still holds the code');
    assert.equal(edge.logLines.filter((line) => line.includes(new URL(url).searchParams.get('token')!)).length, 0, 'no token logged');
  });

  it('refuses a link once its code is revoked, and a link for another event', async (t) => {
    const { platform, code, url } = await playingLink(t);
    assert.equal((await fetch(url.replace('/streams/conf/', '/streams/other/'))).status, 403);
    await runCli(['tokens', 'revoke', code], { dataDir: platform.dataDir });
    const revoked = Date.now();
    await waitFor('the link refused', async () => (await fetch(url)).status === 403, 1_000);
    assert.ok(Date.now() - revoked <= 1_000);
  });

  it('a link ended by an operator stays ended at the edge', async (t) => {
    const { platform, code, url } = await playingLink(t);
    const sessions = await platform.db.selectFrom('sessions').select(['id', 'device_id']).where('ended_at', 'is', null).execute();
    assert.equal(sessions.length, 1);
    assert.match(sessions[0]!.device_id, /^link-/);
    await runCli(['sessions', 'end', sessions[0]!.id], { dataDir: platform.dataDir });
    await waitFor('the link refused', async () => (await fetch(url)).status === 403, 2_000);
    await sleep(500);
    assert.equal((await fetch(url)).status, 403, 'not reopened');
  });
});
