import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { ffprobe, publish, spawnOnFreePorts, startAppliance, waitFor, type ServingProcess } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { initialisedDataDir, runCli } from '../helpers/cli.js';
import { freePort } from '../helpers/ports.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;
/** Seconds between what plays and the newest media the player holds: the live edge, give or take a part. */
const behindLiveEdge = () => {
  const video = (globalThis as any).document.getElementById('video');
  return video.buffered.length ? (video.buffered.end(video.buffered.length - 1) as number) - (video.currentTime as number) : Infinity;
};
/** Counts the video's `waiting` events (media events do not bubble; a capturing listener hears them). */
const countWaiting = () => {
  const page = globalThis as any;
  page.waitingEvents = 0;
  page.document.addEventListener('waiting', () => (page.waitingEvents += 1), true);
};
const waitingEvents = () => (globalThis as any).waitingEvents as number;

/** The player at `url` with `code`, once it plays and has settled on its target latency; its /streams requests counted. */
async function watch(page: Page, url: string, code: string): Promise<{ blocking: string[] }> {
  const blocking: string[] = [];
  page.on('request', (request) => void (request.url().includes('_HLS_msn=') && blocking.push(request.url())));
  await page.addInitScript(countWaiting);
  await page.goto(`${url}/?code=${code}`);
  await page.getByText('LIVE', { exact: true }).waitFor({ timeout: 30_000 });
  await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 30_000 });
  await sleep(6_000); // hls.js settles on its target latency
  return { blocking };
}

/** The median of eight samples, 250 ms apart, of how far behind the newest part it holds the player plays. */
async function medianBehindLiveEdge(page: Page): Promise<number> {
  const distances: number[] = [];
  for (let i = 0; i < 8; i += 1) {
    distances.push(await page.evaluate(behindLiveEdge));
    await sleep(250);
  }
  distances.sort((a, b) => a - b);
  return distances[Math.floor(distances.length / 2)]!;
}

/** Plays for `ms`, sampling currentTime every 200 ms: the longest time it stood still, and the `waiting` events meanwhile. */
async function playFor(page: Page, ms: number): Promise<{ longestStillMs: number; waiting: number; advanced: number }> {
  const waitingBefore = await page.evaluate(waitingEvents);
  const start = await page.evaluate(videoTime);
  let last = start;
  let lastMovedAt = Date.now();
  let longestStillMs = 0;
  for (const end = Date.now() + ms; Date.now() < end; ) {
    await sleep(200);
    const now = await page.evaluate(videoTime);
    if (now > last) lastMovedAt = Date.now();
    longestStillMs = Math.max(longestStillMs, Date.now() - lastMovedAt);
    last = now;
  }
  return { longestStillMs, waiting: (await page.evaluate(waitingEvents)) - waitingBefore, advanced: last - start };
}

/** `streamgate ARGS` in its own process, killed when the test ends (before the data directory goes). */
async function serve(t: { after(fn: () => unknown): void }, service: string, env: NodeJS.ProcessEnv, ready: RegExp): Promise<ServingProcess> {
  const serving = await spawnOnFreePorts(['serve', service], env, ready);
  t.after(async () => {
    serving.child.kill('SIGKILL');
    await serving.closed;
  });
  return serving;
}

describe('a viewer watching a low-latency event in Chromium (hls.js lowLatencyMode)', () => {
  it('plays live within about a second of the live edge without a stall, and is cut off within 1 s of a revocation', async (t) => {
    const app = await startAppliance(t);
    assert.equal((await runCli(['events', 'update', 'conf', '--latency', 'low'], { dataDir: app.dataDir })).code, 0);
    await sleep(1_200); // the ingest re-reads events every second
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 90, { keyframeSeconds: 1 });
    await waitFor('parts listed', () => app.playlist().includes('#EXT-X-PART:'), 30_000);
    const [code] = await app.codes(1);
    const viewer = await (await launchChromium(t)).newPage();
    // Every answer to the player's /streams requests, with when its request left.
    const sentAt = new Map<object, number>();
    const answers: { sent: number; at: number; status: number; url: string }[] = [];
    let bearer = ''; // the viewer's token, as its player sends it to the edge
    viewer.on('request', (request) => {
      sentAt.set(request, Date.now());
      if (new URL(request.url()).pathname.startsWith('/streams/')) void request.headerValue('authorization').then((value) => value && (bearer = value));
    });
    viewer.on('response', (response) => {
      if (new URL(response.url()).pathname.startsWith('/streams/')) answers.push({ sent: sentAt.get(response.request()) ?? 0, at: Date.now(), status: response.status(), url: response.url() });
    });
    const { blocking } = await watch(viewer, app.platformUrl, code!);
    const before = await viewer.evaluate(videoTime);
    const median = await medianBehindLiveEdge(viewer);
    assert.ok((await viewer.evaluate(videoTime)) > before + 1, 'currentTime keeps advancing');
    assert.ok(blocking.length > 5, `${blocking.length} blocking reloads`);
    assert.ok(median < 1.5, `the player is ${median.toFixed(2)} s behind the newest part it has (2 s segments would keep it ≥ 2 s behind)`);
    const badgeTitle = (await viewer.locator('#live-badge').getAttribute('title')) ?? '';
    const behind = /^(\d+\.\d) s behind the live edge$/.exec(badgeTitle);
    assert.ok(behind && Number(behind[1]) > 0.2 && Number(behind[1]) < 2.5, `the LIVE badge's title gives the measured latency: "${badgeTitle}"`);

    // No stall: the bench watches 60 s; 20 s here.
    const run = await playFor(viewer, 20_000);
    t.diagnostic(`20 s live: currentTime advanced ${run.advanced.toFixed(1)} s, longest still ${run.longestStillMs} ms, ${run.waiting} waiting events`);
    // A stall is the picture standing still for a second or more. hls.js may report a short
    // `waiting` on a busy machine while it plays on (0.6 s at most, measured): a diagnostic only.
    assert.ok(run.longestStillMs <= 1_000, `currentTime stood still for ${run.longestStillMs} ms`);
    assert.ok(run.advanced > 17, `currentTime advanced ${run.advanced.toFixed(1)} s in 20 s`);

    // A revocation: the edge refuses the player within 1 s, and serves it nothing asked for later.
    const revoked = await runCli(['tokens', 'revoke', code!], { dataDir: app.dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    const revokedAt = Date.now();
    // The player may stop itself first (its session says the code is gone) and never be refused:
    // the edges are asked with its token, the platform's mounted one the page plays from and the
    // stand-alone one.
    assert.ok(bearer.startsWith('Bearer '), 'the player sent its token');
    const refusedAt = async (edge: string) => {
      const refused = await waitFor(`a refusal at ${edge}`, async () => {
        const { status } = await fetch(`${edge}/streams/conf/index.m3u8`, { headers: { authorization: bearer } });
        return (status === 401 || status === 403) && { after: Date.now() - revokedAt };
      }, 5_000);
      return refused.after;
    };
    const [mounted, standAlone] = await Promise.all([refusedAt(app.platformUrl), refusedAt(app.edgeUrl)]);
    t.diagnostic(`revocation: CLI returned → refused at the mounted edge after ${mounted} ms, at the stand-alone edge after ${standAlone} ms`);
    assert.ok(mounted <= 1_000 && standAlone <= 1_000, `refused ${mounted} / ${standAlone} ms after the revocation`);
    await viewer.getByRole('alert').getByText('This code has been withdrawn').waitFor({ timeout: 10_000 });
    const stoppedAt = await viewer.evaluate(videoTime);
    await sleep(1_000);
    assert.equal(await viewer.evaluate(videoTime), stoppedAt, 'playback has stopped');
    const servedLate = answers.filter((a) => a.status === 200 && a.sent > revokedAt + 1_000);
    assert.deepEqual(servedLate.map((a) => a.url), [], 'nothing served for a request sent more than 1 s after the revocation');
  });

  it('plays live through a proxy edge in front of the origin edge, and the operator preview shows the measured latency', async (t) => {
    // The data directory goes last: after the appliance, the second platform and the proxy edge.
    const removals: (() => unknown)[] = [];
    const dataDir = await initialisedDataDir({ after: (fn) => removals.push(fn) }, ['--title', 'Conf', '--id', 'conf', '--latency', 'low']);
    const app = await startAppliance(t, {}, dataDir); // ingest and the origin edge (its stand-alone edge)
    // A platform whose players are sent to the proxy edge (the appliance's own plays from its mounted edge).
    const proxyUrl = `http://127.0.0.1:${await freePort()}`;
    const platform = await serve(t, 'platform', { STREAMGATE_DATA_DIR: dataDir, EDGE_PUBLIC_URL: proxyUrl }, /platform listening/);
    const platformUrl = platform.ports.PLATFORM_URL;
    await serve(t, 'edge', {
      STREAMGATE_DATA_DIR: dataDir, PLATFORM_URL: platformUrl, EDGE_PORT: new URL(proxyUrl).port, EDGE_MODE: 'proxy', EDGE_ORIGIN_URL: app.edgeUrl,
    }, /edge listening/);
    t.after(async () => {
      for (const remove of removals) await remove();
    });
    assert.equal((await runCli(['admin', 'set-password', '--user', 'alice'], { dataDir, input: 'correct horse battery\n' })).code, 0);
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 60, { keyframeSeconds: 1 });
    await waitFor('parts listed', () => app.playlist().includes('#EXT-X-PART:'), 30_000);
    const [code] = await app.codes(1);
    const browser = await launchChromium(t);

    const viewer = await browser.newPage();
    const fromProxy: string[] = [];
    viewer.on('response', (response) => void (response.url().startsWith(`${proxyUrl}/streams/`) && response.status() === 200 && fromProxy.push(response.url())));
    const { blocking } = await watch(viewer, platformUrl, code!);
    const before = await viewer.evaluate(videoTime);
    const median = await medianBehindLiveEdge(viewer);
    assert.ok((await viewer.evaluate(videoTime)) > before + 1, 'currentTime keeps advancing');
    assert.ok(blocking.length > 5 && blocking.every((url) => url.startsWith(proxyUrl)), `${blocking.length} blocking reloads, all to the proxy edge`);
    assert.ok(fromProxy.some((url) => /part_\d+/.test(url)), 'parts served by the proxy edge');
    assert.ok(median < 1.5, `the player is ${median.toFixed(2)} s behind the newest part it has through the proxy edge`);
    // ffprobe too (a native player: the token in a header; it reads whole segments, skipping parts).
    assert.deepEqual((await ffprobe(`${proxyUrl}/streams/conf/index.m3u8`, await app.token())).codecs, ['aac', 'h264'], 'ffprobe plays the live playlist through the proxy edge');

    // The operator's preview (through the same proxy edge): LIVE with the latency hls.js measures.
    const operator = await browser.newPage();
    await operator.goto(`${platformUrl}/admin`);
    await operator.getByLabel('User name').fill('alice');
    await operator.getByLabel('Password').fill('correct horse battery');
    await operator.getByRole('button', { name: 'Log in' }).click();
    await operator.getByRole('heading', { name: 'Events' }).waitFor();
    await operator.goto(`${platformUrl}/admin#/events/conf`);
    const grant = operator.waitForResponse((r) => r.url().endsWith('/api/admin/events/conf/preview'));
    await operator.getByRole('button', { name: 'Start preview' }).click();
    assert.equal(((await (await grant).json()) as { latency: string }).latency, 'low', 'the preview plays in hls.js low-latency mode');
    const badge = operator.getByRole('region', { name: 'Preview' }).getByText(/^LIVE · \d+\.\d s$/);
    await badge.waitFor({ timeout: 30_000 });
    await sleep(4_000); // the preview, too, settles on its target latency
    const seconds = Number(/(\d+\.\d) s/.exec((await badge.textContent())!)![1]);
    t.diagnostic(`the preview's badge: ${await badge.textContent()}`);
    assert.ok(seconds > 0.2 && seconds < 2.5, `a plausible low latency: ${seconds} s`);
    assert.match((await badge.getAttribute('title'))!, /behind the live edge/);
  });
});
