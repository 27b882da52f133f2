import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { updateEvent } from '../../src/core/events/event-service.js';
import { launchChromium } from '../helpers/browser.js';
import { makeVodFixture } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;

describe('a public event in Chromium', () => {
  it('/watch/:id plays with hls.js without asking for a code; the portal still asks for one', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    await updateEvent({ db: platform.db, clock: platform.now, actor: 'test' }, 'conf', { public: true });
    const browser = await launchChromium(t);
    const page = await (await browser.newContext()).newPage();
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    const played = page.waitForResponse((r) => r.url().endsWith('/api/events/conf/play'), { timeout: 20_000 });
    await page.goto(`${platform.url}/watch/conf`);
    assert.equal((await played).status(), 200);
    await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 0.5, undefined, { timeout: 20_000 });
    assert.ok((await page.evaluate(videoTime)) > 0.5);
    assert.equal(await page.locator('#entry').isHidden(), true, 'no code form');
    assert.equal(await page.locator('#native').isHidden(), true, 'no personal link without a code');
    assert.ok(!asked.includes('/api/tokens/validate'), 'no code was asked for');
    assert.ok(asked.some((p) => p.startsWith('/streams/conf/')), 'played through the edge');

    const portal = await (await browser.newContext()).newPage();
    await portal.goto(`${platform.url}/`);
    await portal.getByLabel('Access code', { exact: true }).waitFor();
    assert.equal(await portal.locator('#player').isHidden(), true);
  });

  it('a private event\'s watch page asks for a code and plays nothing', async (t) => {
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    const page = await (await launchChromium(t)).newPage();
    const asked: string[] = [];
    page.on('request', (request) => asked.push(new URL(request.url()).pathname));
    await page.goto(`${platform.url}/watch/conf`);
    await page.getByLabel('Access code', { exact: true }).waitFor();
    await page.waitForLoadState('networkidle');
    assert.ok(!asked.includes('/api/events/conf/play'));
    assert.equal(await page.locator('#player').isHidden(), true);
  });
});
