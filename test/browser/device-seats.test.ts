import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { updateEvent } from '../../src/core/events/event-service.js';
import { launchChromium } from '../helpers/browser.js';
import { makeVodFixture } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;

/** A viewer on a browser of their own (its own device id), entering the code by an emailed link. */
async function viewer(browser: Browser, platform: TestPlatform, code: string): Promise<{ page: Page; grant: Promise<any> }> {
  const page = await (await browser.newContext()).newPage();
  const grant = page.waitForResponse((r) => r.url().endsWith('/api/tokens/validate'), { timeout: 20_000 }).then((r) => r.json());
  await page.goto(`${platform.url}/?code=${code}`);
  return { page, grant };
}

async function playing(page: Page): Promise<void> {
  await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 0.5, undefined, { timeout: 20_000 });
}

describe('seats per code in Chromium', () => {
  it('a 2-seat code plays on two browsers and is refused on a third, which retries by itself, then offers Try again', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    const [code] = await platform.codes(1, { devices: 2 });
    const browser = await launchChromium(t);
    // The seats are taken 88 s ago on the platform's clock, so the third browser's countdown is 2 s
    // (its clock ends at the real time: the edge refuses tokens issued in its future).
    platform.advance(-88_000);
    const first = await viewer(browser, platform, code!);
    const second = await viewer(browser, platform, code!);
    await Promise.all([playing(first.page), playing(second.page)]);
    assert.ok((await first.page.evaluate(videoTime)) > 0.5 && (await second.page.evaluate(videoTime)) > 0.5);
    platform.advance(88_000);
    const third = await viewer(browser, platform, code!);
    const refused = await third.grant;
    assert.deepEqual([refused.error.code, refused.error.retryAfter], ['device_conflict', 2]);
    await third.page.getByRole('alert').getByText(/already playing on another device.*in \ds/).waitFor();
    // The countdown ends: it retries by itself (refused again: nobody left), then offers the button.
    const retried = await third.page.waitForResponse((r) => r.url().endsWith('/api/tokens/validate'), { timeout: 10_000 });
    assert.equal(retried.status(), 409);
    const tryAgain = third.page.getByRole('button', { name: 'Try again' });
    await tryAgain.waitFor();
    await third.page.getByRole('alert').getByText('This code is already playing on another device.').waitFor();
    assert.equal(await third.page.locator('#player').isHidden(), true);

    // The first viewer leaves (the page's release): Try again gets in.
    const { sessionId, token } = await first.grant;
    assert.equal((await platform.post('/api/sessions/release', { sessionId, token })).status, 204);
    await tryAgain.click();
    await playing(third.page);
    assert.equal(await tryAgain.count(), 0);
  });

  it('take-over: a second browser takes the seat and the first stops within 1 s, refused by the edge', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    await updateEvent({ db: platform.db, clock: platform.now, actor: 'test' }, 'conf', { devicePolicy: 'takeover' });
    const [code] = await platform.codes(1);
    const browser = await launchChromium(t);
    const first = await viewer(browser, platform, code!);
    const firstGrant = await first.grant;
    await playing(first.page);

    const second = await viewer(browser, platform, code!);
    const secondGrant = await second.grant;
    const tookOver = Date.now();
    assert.ok(secondGrant.token, 'the second browser got the seat');
    // The first player stops: its video is gone and the page says why.
    const message = first.page.getByRole('alert').getByText('You started watching on another device.');
    await message.waitFor({ timeout: 5_000 });
    const stoppedMs = Date.now() - tookOver;
    assert.equal(await first.page.locator('#player').isHidden(), true);
    assert.equal(await first.page.evaluate(() => (globalThis as any).document.getElementById('video').getAttribute('src')), null, 'playback stopped');
    // And the edge refuses the first token (the revocation feed), while the second plays.
    const refusedByEdge = await fetch(`${platform.url}/streams/conf/index.m3u8`, { headers: { Authorization: `Bearer ${firstGrant.token}` } });
    assert.equal(refusedByEdge.status, 403);
    await playing(second.page);
    t.diagnostic(`first browser stopped ${stoppedMs} ms after the take-over`);
    assert.ok(stoppedMs < 1_000, `the first browser stopped ${stoppedMs} ms after the take-over`);
  });
});
