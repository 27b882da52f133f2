import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { storeBrandingImage } from '../../src/core/events/branding-image.js';
import { archiveEvent, updateEvent } from '../../src/core/events/event-service.js';
import { launchChromium } from '../helpers/browser.js';
import { TINY_PNG } from '../helpers/images.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

async function brand(platform: TestPlatform, branding: Record<string, string | null>, extra: { startsAt?: number } = {}) {
  await updateEvent({ db: platform.db, clock: platform.now, actor: 'test' }, 'conf', { ...extra, branding });
}

/** Ticks of the page's clock aside, the start time as the viewer's own zone writes it. */
function localParts(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { hour: '2-digit', minute: '2-digit', timeZone }).format(ms);
}

describe('the watch page /watch/:eventId in Chromium', () => {
  it('shows the branding before a code is entered', async (t) => {
    const platform = await startTestPlatform(t);
    const poster = storeBrandingImage(platform.dataDir, 'poster', TINY_PNG);
    await brand(platform, { description: 'Bach at night.\nDoors at 19:00.', organiser: 'Philharmonie', poster, logo: poster, accent: '#c0392b' });
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/watch/conf`);

    await page.getByRole('heading', { name: 'Conf', level: 1 }).waitFor();
    await page.getByText('Presented by Philharmonie').waitFor();
    await page.getByText('Bach at night.').waitFor();
    const posterImage = page.getByRole('img', { name: 'Event poster' });
    await posterImage.waitFor();
    assert.ok(await posterImage.evaluate((img: any) => img.complete && img.naturalWidth === 1), 'the poster loaded');
    assert.ok(await page.getByRole('img', { name: 'Philharmonie' }).isVisible(), 'the logo, named after the organiser');
    assert.equal(await page.evaluate(() => (globalThis as any).getComputedStyle((globalThis as any).document.documentElement).getPropertyValue('--accent').trim()), '#c0392b');
    assert.equal(await page.title(), 'Conf — Watch');
    assert.ok(await page.getByLabel('Access code', { exact: true }).isVisible(), 'the code form is there');
  });

  it('before the start: the start time in the viewer\'s time zone and a countdown', async (t) => {
    const platform = await startTestPlatform(t);
    const startsAt = Math.ceil((Date.now() + 2 * 3_600_000) / 60_000) * 60_000; // a whole minute, two hours ahead
    await brand(platform, { organiser: 'Philharmonie' }, { startsAt });
    const browser = await launchChromium(t);
    for (const timezoneId of ['America/New_York', 'Asia/Tokyo']) {
      const page = await (await browser.newContext({ timezoneId, locale: 'en-US' })).newPage();
      await page.goto(`${platform.url}/watch/conf`);
      const when = page.locator('#starts-at');
      await when.waitFor();
      assert.ok((await when.textContent())!.includes(localParts(startsAt, timezoneId)), `${timezoneId}: ${await when.textContent()} has ${localParts(startsAt, timezoneId)}`);
      const first = await page.getByRole('timer').textContent();
      assert.match(first!, /^Starts in (2h 0m|1h 59m) \d+s$/);
      await page.waitForFunction((before) => (globalThis as any).document.querySelector('#starts-in')?.textContent !== before, first, { timeout: 5_000 });
    }
  });

  it('speaks German to a German browser, and the event\'s language to a browser whose languages it does not have', async (t) => {
    const platform = await startTestPlatform(t);
    await brand(platform, { language: 'fr' });
    const browser = await launchChromium(t);
    const german = await (await browser.newContext({ locale: 'de-DE' })).newPage();
    await german.goto(`${platform.url}/watch/conf`);
    await german.getByRole('heading', { name: 'Zugangscode eingeben' }).waitFor();
    assert.equal(await german.getAttribute('html', 'lang'), 'de');
    await german.getByLabel('Zugangscode', { exact: true }).fill('zzzz zzzz zzzz');
    await german.getByRole('button', { name: 'Ansehen' }).click();
    await german.getByRole('alert').getByText('Dieser Code wurde nicht erkannt').waitFor();

    const italian = await (await browser.newContext({ locale: 'it-IT' })).newPage();
    await italian.goto(`${platform.url}/watch/conf`);
    await italian.getByRole('heading', { name: 'Saisissez votre code d’accès' }).waitFor();
    assert.equal(await italian.getAttribute('html', 'lang'), 'fr');
  });

  it('takes ?code= from a ticket link, submits it and removes it from the address bar', async (t) => {
    const platform = await startTestPlatform(t);
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/watch/conf?code=zzzzzzzzzzzz`);
    await page.getByRole('alert').getByText('That code was not recognised').waitFor();
    assert.equal(await page.getByLabel('Access code', { exact: true }).inputValue(), 'ZZZZ-ZZZZ-ZZZZ');
    assert.equal(page.url(), `${platform.url}/watch/conf`);
    await page.goBack();
    assert.equal(page.url(), 'about:blank', 'the link with the code is not in the history');
  });

  it('once the event is over: says so, and asks for no code', async (t) => {
    const platform = await startTestPlatform(t);
    await archiveEvent({ db: platform.db, clock: platform.now, actor: 'test' }, 'conf');
    const page = await (await launchChromium(t)).newPage();
    const validations: string[] = [];
    page.on('request', (request) => request.url().includes('/api/tokens/validate') && validations.push(request.url()));
    await page.goto(`${platform.url}/watch/conf?code=zzzzzzzzzzzz`);
    await page.getByRole('heading', { name: 'This event is over' }).waitFor();
    assert.equal(await page.getByLabel('Access code', { exact: true }).isVisible(), false);
    assert.deepEqual(validations, [], 'the code was not sent');
    assert.equal(page.url(), `${platform.url}/watch/conf`);
  });

  it('says so for an unknown event, and still takes any code', async (t) => {
    const platform = await startTestPlatform(t);
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/watch/nope`);
    await page.getByText('This event does not exist').waitFor();
    assert.ok(await page.getByLabel('Access code', { exact: true }).isVisible());
  });
});

/** A page on another origin (another port) that frames the platform's embed page. */
async function parentSite(t: { after(fn: () => unknown): void }, src: () => string): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><title>Organiser</title><iframe id="player" src="${src()}" width="640" height="480"
      allow="autoplay; fullscreen; picture-in-picture" onload="window.frameLoaded = true"></iframe>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the embed page /embed/:eventId in Chromium', () => {
  it('is framed by an allowed origin and refused by another', async (t) => {
    let platformUrl = '';
    const allowed = await parentSite(t, () => `${platformUrl}/embed/conf`);
    const other = await parentSite(t, () => `${platformUrl}/embed/conf`);
    const platform = await startTestPlatform(t, { STREAMGATE_EMBED_ORIGINS: allowed });
    platformUrl = platform.url;
    const browser = await launchChromium(t);

    const framed = await browser.newPage();
    await framed.goto(allowed);
    const player = framed.frameLocator('#player');
    await player.getByRole('heading', { name: 'Conf', level: 1 }).waitFor();
    assert.ok(await player.locator('body.embed').count(), 'laid out for an iframe');

    const refused = await browser.newPage();
    await refused.goto(other);
    await refused.waitForFunction(() => (globalThis as any).frameLoaded === true);
    const frame = refused.frames().find((f) => f !== refused.mainFrame())!;
    assert.equal(await frame.locator('#brand-title').count(), 0, 'the browser refused to show it');

    // The watch page itself is never framed, not even by the allowed origin.
    platformUrl = `${platform.url}/watch/conf#`;
    const watch = await browser.newPage();
    await watch.goto(allowed);
    await watch.waitForFunction(() => (globalThis as any).frameLoaded === true);
    assert.equal(await watch.frames().find((f) => f !== watch.mainFrame())!.locator('#brand-title').count(), 0);
  });
});
