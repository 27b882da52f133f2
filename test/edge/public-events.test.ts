import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from '../helpers/cli.js';
import { makeVodFixture, startTestEdge } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// Turning --public off stops every anonymous viewer at the edges within a second (the
// revocation feed's public_revoked entry); turning it on again lets new plays in, old tokens stay out.

async function play(platform: TestPlatform, deviceId = 'browser-aaaa'): Promise<string> {
  const answer = await platform.post('/api/events/conf/play', { deviceId });
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return answer.json.token as string;
}

/** Polls until the playlist at `base` answers `status` for `token`; returns how long that took. */
async function until(base: string, token: string, status: number, timeoutMs = 3_000): Promise<number> {
  const started = Date.now();
  while ((await fetch(`${base}/streams/conf/index.m3u8`, { headers: { Authorization: `Bearer ${token}` } })).status !== status) {
    if (Date.now() - started > timeoutMs) throw new Error(`never answered ${status}`);
    await sleep(10);
  }
  return Date.now() - started;
}

async function publicViaCli(platform: TestPlatform, on: boolean): Promise<void> {
  const result = await runCli(['events', 'update', 'conf', on ? '--public' : '--no-public'], { dataDir: platform.dataDir });
  assert.equal(result.code, 0, result.stderr);
}

describe('public events at the edge', () => {
  it('a stand-alone edge refuses anonymous tokens within 1 s of --no-public, and new ones play after --public', async (t) => {
    const platform = await startTestPlatform(t);
    makeVodFixture(platform.dataDir);
    const edge = await startTestEdge(t, platform);
    await publicViaCli(platform, true);
    const [code] = await platform.codes(1);
    const coded = (await platform.post('/api/tokens/validate', { code, deviceId: 'coded-device' })).json.token as string;
    const anonymous = await play(platform);
    await until(edge.url, anonymous, 200);
    await publicViaCli(platform, false);
    // Timed from the committed change (the CLI's exit), not from the CLI's own start-up.
    const tookMs = await until(edge.url, anonymous, 403);
    assert.ok(tookMs < 1_000, `the edge refused the anonymous token ${tookMs} ms after --no-public`);
    await until(edge.url, coded, 200, 0); // a code holder plays on

    await publicViaCli(platform, true);
    const fresh = await play(platform, 'browser-bbbb');
    await until(edge.url, fresh, 200);
    await until(edge.url, anonymous, 403, 0);
  });

  it('the edge inside the platform (serve all) refuses them within 1 s too', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    await publicViaCli(platform, true);
    const anonymous = await play(platform);
    await until(platform.url, anonymous, 200);
    await publicViaCli(platform, false);
    const tookMs = await until(platform.url, anonymous, 403);
    assert.ok(tookMs < 1_000, `the mounted edge refused the anonymous token ${tookMs} ms after --no-public`);
  });
});
