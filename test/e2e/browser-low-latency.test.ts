import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publish, startAppliance, waitFor } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;
/** Seconds between what plays and the newest media the player holds: the live edge, give or take a part. */
const behindLiveEdge = () => {
  const video = (globalThis as any).document.getElementById('video');
  return video.buffered.length ? (video.buffered.end(video.buffered.length - 1) as number) - (video.currentTime as number) : Infinity;
};

describe('a viewer watching a low-latency event in Chromium (hls.js lowLatencyMode)', () => {
  it('plays live within about a second of the live edge, reading parts through blocking reloads', async (t) => {
    const app = await startAppliance(t);
    assert.equal((await runCli(['events', 'update', 'conf', '--latency', 'low'], { dataDir: app.dataDir })).code, 0);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // the ingest re-reads events every second
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 60, { keyframeSeconds: 1 });
    await waitFor('parts listed', () => app.playlist().includes('#EXT-X-PART:'), 30_000);
    const [code] = await app.codes(1);
    const viewer = await (await launchChromium(t)).newPage();
    const blocking: string[] = [];
    viewer.on('request', (request) => {
      if (request.url().includes('_HLS_msn=')) blocking.push(request.url());
    });
    await viewer.goto(`${app.platformUrl}/?code=${code}`);
    await viewer.getByText('LIVE', { exact: true }).waitFor({ timeout: 30_000 });
    await viewer.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 6_000)); // hls.js settles on its target latency
    const before = await viewer.evaluate(videoTime);
    const distances: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      distances.push(await viewer.evaluate(behindLiveEdge));
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.ok((await viewer.evaluate(videoTime)) > before + 1, 'currentTime keeps advancing');
    assert.ok(blocking.length > 5, `${blocking.length} blocking reloads`);
    distances.sort((a, b) => a - b);
    const median = distances[Math.floor(distances.length / 2)]!;
    assert.ok(median < 1.5, `the player is ${median.toFixed(2)} s behind the newest part it has (2 s segments would keep it ≥ 2 s behind)`);
  });
});
