import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page, Response } from 'playwright-core';
import { revokeCodes } from '../../src/core/codes/code-revocation.js';
import { launchChromium } from '../helpers/browser.js';
import { makeVodFixture } from '../helpers/edge.js';
import { makeCaptionedVodFixture, makeLadderVodFixture, startGrowingLive } from '../helpers/hls-fixtures.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

/**
 * The page's native HLS path, as an iPhone before iOS 17.1 takes it: no MediaSource (so no
 * hls.js), and a video element that says it plays HLS. Chromium is made into such a browser.
 */
function withoutMediaSource(): void {
  const w = globalThis as any;
  delete w.MediaSource;
  delete w.ManagedMediaSource;
  delete w.WebKitMediaSource;
  const canPlayType = w.HTMLMediaElement.prototype.canPlayType;
  w.HTMLMediaElement.prototype.canPlayType = function (this: unknown, type: string) {
    return /mpegurl/i.test(type) ? 'maybe' : canPlayType.call(this, type);
  };
}

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoSrc = () => (globalThis as any).document.getElementById('video').getAttribute('src') as string | null;

/** The platform's injected clock kept at the real time: the mounted edge checks tokens on the real one. */
function realTime(t: { after(fn: () => unknown): void }, platform: TestPlatform): void {
  const timer = setInterval(() => platform.advance(Date.now() - platform.now()), 100);
  t.after(() => clearInterval(timer));
}

/** A viewer on such a browser, by an emailed link; `playlists`: every answer of the edge's master playlist. */
async function nativeViewer(browser: Browser, platform: TestPlatform, code: string): Promise<{ page: Page; grant: any; playlists: Response[]; released: Promise<Response> }> {
  const context = await browser.newContext();
  await context.addInitScript(withoutMediaSource);
  const page = await context.newPage();
  const playlists: Response[] = [];
  page.on('response', (response) => response.url().includes('/streams/conf/index.m3u8') && playlists.push(response));
  const validated = page.waitForResponse((r) => r.url().endsWith('/api/tokens/validate'), { timeout: 20_000 });
  const released = page.waitForResponse((r) => r.url().endsWith('/api/sessions/release'), { timeout: 20_000 });
  released.catch(() => undefined); // awaited only where the page must release
  await page.goto(`${platform.url}/?code=${code}`);
  return { page, grant: await (await validated).json(), playlists, released };
}

async function until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  for (const end = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > end) throw new Error(`timed out waiting: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const tokenIn = (src: string | null) => (src ? new URL(src).searchParams.get('token') : null);

describe('native HLS playback (no MediaSource: iPhones before iOS 17.1) in Chromium', () => {
  it('plays from the playback URL with ?token=, swaps in each renewed token at the same position and paused state, with the controls', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1', STREAMGATE_TOKEN_TTL_SECONDS: '8' }, { mountEdge: true });
    realTime(t, platform);
    makeLadderVodFixture(platform.dataDir, 30);
    const [code] = await platform.codes(1);
    const { page, grant, playlists } = await nativeViewer(await launchChromium(t), platform, code!);
    assert.equal(grant.queryTokens, true);

    await page.waitForFunction(videoSrc, undefined, { timeout: 10_000 });
    const first = await page.evaluate(videoSrc);
    assert.equal(first, `${platform.url}/streams/conf/index.m3u8?token=${grant.token}`);
    // The browser itself asked the edge, with the token in the query, and got the playlist
    // (206 when the media stack asks for a byte range, as Chromium's does).
    await until(() => playlists.some((r) => r.url() === first), 'the browser requested the playback URL');
    const answered = playlists.find((r) => r.url() === first)!;
    assert.ok([200, 206].includes(answered.status()), `answered ${answered.status()}`);
    assert.match(answered.headers()['content-type'] ?? '', /mpegurl/i);
    assert.match(await answered.text(), /^#EXTM3U[\s\S]*index\.m3u8\?token=/, 'the edge wrote the token into the URIs');
    // Chromium plays HLS natively too: the picture moves.
    await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 15_000 });

    // The custom controls run on the bare video; no quality menu on a ladder (the browser picks).
    assert.ok(await page.getByRole('button', { name: 'Pause' }).isVisible());
    assert.ok(await page.getByRole('button', { name: 'Mute', exact: true }).isVisible());
    // Autoplay was allowed only muted, as on an iPhone: the same prompt as with hls.js.
    assert.ok(await page.getByRole('button', { name: 'Unmute' }).isVisible());
    assert.ok(await page.getByRole('button', { name: 'Full screen' }).isVisible());
    assert.equal(await page.locator('.sg-quality').isHidden(), true, 'no quality menu');
    assert.equal(await page.evaluate(() => (globalThis as any).document.getElementById('video').controls), false);

    // Paused mid-recording: the next renewal swaps the src (heartbeats every 2 s, a quarter of 8 s;
    // the swap comes while the old token has two beats left), and the picture stays where it was.
    await page.getByRole('button', { name: 'Pause' }).click();
    const pausedAt = await page.evaluate(() => (globalThis as any).document.getElementById('video').currentTime as number);
    const before = await page.evaluate(videoSrc);
    await page.waitForFunction((old) => {
      const video = (globalThis as any).document.getElementById('video');
      return video.getAttribute('src') !== old && video.readyState >= 1 && !video.seeking;
    }, before, { timeout: 15_000 });
    const second = await page.evaluate(videoSrc);
    assert.equal(second!.split('?')[0], first!.split('?')[0], 'the same playback URL');
    assert.notEqual(tokenIn(second), tokenIn(before), 'a fresh token');
    await until(() => playlists.some((r) => r.url() === second && r.ok()), 'the renewed token plays at the edge');
    const after = await page.evaluate(() => {
      const video = (globalThis as any).document.getElementById('video');
      return { paused: video.paused as boolean, time: video.currentTime as number };
    });
    assert.equal(after.paused, true, 'still paused');
    assert.ok(Math.abs(after.time - pausedAt) < 0.5, `kept the position: ${pausedAt} → ${after.time}`);
    assert.ok(await page.getByRole('button', { name: 'Play' }).isVisible());

    // Playing again goes on from there through the next swaps.
    await page.getByRole('button', { name: 'Play' }).click();
    await page.waitForFunction((at) => (globalThis as any).document.getElementById('video').currentTime > at + 5, pausedAt, { timeout: 20_000 });
    assert.ok(tokenIn(await page.evaluate(videoSrc)) !== tokenIn(second), 'swapped again while playing');
    const message = await page.locator('#message').evaluate((m: any) => (m.hidden ? '' : m.textContent as string));
    assert.ok(message === '' || /without sound/i.test(message), `nothing went wrong on the way: ${message}`);
  });

  it('a live stream: the LIVE badge; "Go live" after a pause jumps back to the edge where the browser says where it is', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1' }, { mountEdge: true });
    startGrowingLive(t, platform.dataDir, 60);
    const [code] = await platform.codes(1);
    const { page } = await nativeViewer(await launchChromium(t), platform, code!);
    await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 20_000 });
    assert.equal(await page.evaluate(() => (globalThis as any).document.getElementById('video').duration), Infinity, 'a live stream has no end');
    await page.locator('#live-badge').waitFor({ timeout: 10_000 });
    assert.ok(await page.getByRole('slider', { name: 'Seek' }).isHidden(), 'no position slider on a live stream');
    // Safari gives a live stream its window as `seekable`, and the button jumps to its end.
    // Chromium's own HLS gives none: no edge to jump to, so no button (rather than a wrong jump).
    if ((await page.evaluate(() => (globalThis as any).document.getElementById('video').seekable.length)) === 0) {
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // the button checks twice a second
      assert.ok(await page.locator('.sg-live').isHidden(), 'no "Go live" without a seekable window');
      return t.diagnostic('this browser gives native live HLS no seekable window: the go-live button stays hidden');
    }
    await page.getByRole('button', { name: /^live$/i }).waitFor({ timeout: 10_000 });
    await page.getByRole('button', { name: 'Pause' }).click();
    const goLive = page.getByRole('button', { name: 'Go live' });
    await goLive.waitFor();
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // the edge moves on, the video waits
    const behind = await page.evaluate(() => (globalThis as any).document.getElementById('video').currentTime as number);
    await goLive.click();
    await page.getByRole('button', { name: /^live$/i }).waitFor({ timeout: 10_000 });
    const after = await page.evaluate(() => {
      const video = (globalThis as any).document.getElementById('video');
      return { paused: video.paused as boolean, time: video.currentTime as number };
    });
    assert.ok(!after.paused, 'playing again');
    assert.ok(after.time > behind + 3, `jumped ahead to the edge (${behind.toFixed(1)} → ${after.time.toFixed(1)})`);
  });

  it('captions: the CC button works the video\'s own text tracks, and hides without any', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1' }, { mountEdge: true });
    makeCaptionedVodFixture(platform.dataDir, 20);
    const [code] = await platform.codes(1);
    const { page } = await nativeViewer(await launchChromium(t), platform, code!);
    await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 20_000 });
    const cc = page.getByRole('button', { name: 'Captions' });
    // Chromium's own HLS exposes no subtitle renditions: nothing to turn on, no button.
    if ((await page.evaluate(() => (globalThis as any).document.getElementById('video').textTracks.length)) === 0) assert.ok(await cc.isHidden());
    // Safari lists a playlist's subtitle renditions as the video's text tracks: one appears.
    await page.evaluate(() => (globalThis as any).document.getElementById('video').addTextTrack('subtitles', 'English', 'en'));
    const mode = () => (globalThis as any).document.getElementById('video').textTracks[0].mode as string;
    await cc.waitFor();
    assert.equal(await cc.getAttribute('aria-pressed'), 'false');
    await cc.click();
    assert.equal(await page.evaluate(mode), 'showing');
    assert.equal(await cc.getAttribute('aria-pressed'), 'true');
    await cc.click();
    assert.equal(await page.evaluate(mode), 'disabled');
  });

  it('a revoked code stops native playback with the same message as hls.js', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1', STREAMGATE_TOKEN_TTL_SECONDS: '8' }, { mountEdge: true });
    realTime(t, platform);
    makeVodFixture(platform.dataDir);
    const [code] = await platform.codes(1);
    const { page } = await nativeViewer(await launchChromium(t), platform, code!);
    await page.waitForFunction(videoSrc, undefined, { timeout: 10_000 });
    await revokeCodes({ db: platform.db, clock: platform.now, pepper: platform.keyring.pepper, actor: 'test' }, { codes: [code!] }, null);
    await page.getByRole('alert').getByText('This code has been withdrawn.', { exact: false }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(videoSrc), null, 'playback stopped');
    assert.equal(await page.locator('#player').isHidden(), true);
  });

  it('without EDGE_QUERY_TOKENS: says this browser cannot play this stream, and frees the seat at once', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    const [code] = await platform.codes(1);
    const { page, grant, playlists, released } = await nativeViewer(await launchChromium(t), platform, code!);
    assert.equal(grant.queryTokens, false);
    await page.getByRole('alert').getByText('This browser cannot play this stream', { exact: false }).waitFor({ timeout: 10_000 });
    assert.equal(await page.evaluate(videoSrc), null);
    assert.equal(playlists.length, 0, 'nothing asked of the edge');
    // The seat is free: another device gets in right away (a 1-seat code).
    assert.equal((await released).status(), 204);
    const other = await platform.post('/api/tokens/validate', { code, deviceId: 'another-device' });
    assert.equal(other.status, 200, JSON.stringify(other.json));
  });

  it('before the stream exists: says it has not started and keeps trying, as with hls.js', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: '1' }, { mountEdge: true });
    const [code] = await platform.codes(1);
    const { page, playlists } = await nativeViewer(await launchChromium(t), platform, code!);
    await page.getByRole('alert').getByText('has not started yet', { exact: false }).waitFor({ timeout: 10_000 });
    const asked = playlists.length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.ok(playlists.length > asked, 'it asked the edge again');
    assert.ok(playlists.every((r) => r.status() === 404 && new URL(r.url()).searchParams.has('token')));
    assert.equal(await page.locator('#player').isVisible(), true, 'the player stays, waiting');
    // The stream appears: it plays, and the message goes.
    makeVodFixture(platform.dataDir);
    await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 0.5, undefined, { timeout: 15_000 });
    const message = await page.locator('#message').evaluate((m: any) => (m.hidden ? '' : m.textContent as string));
    assert.ok(message === '' || /without sound/i.test(message), `the waiting message went: ${message}`);
  });
});
