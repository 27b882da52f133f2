import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { verifyPlaybackToken } from '../../src/core/playback-token.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('viewer portal in Chromium', () => {
  it('shows a clear message for an unknown and for a revoked code', async (t) => {
    const platform = await startTestPlatform(t);
    const [revoked] = await platform.codes(1);
    await runCli(['tokens', 'revoke', revoked!], { dataDir: platform.dataDir });
    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${platform.url}/`);

    await page.getByLabel('Access code', { exact: true }).fill('zzzz zzzz zzzz');
    assert.equal(await page.getByLabel('Access code', { exact: true }).inputValue(), 'ZZZZ-ZZZZ-ZZZZ', 'formatted as typed');
    await page.getByRole('button', { name: 'Watch' }).click();
    await page.getByRole('alert').getByText('That code was not recognised').waitFor();

    await page.getByLabel('Access code', { exact: true }).fill(revoked!);
    await page.keyboard.press('Enter');
    await page.getByRole('alert').getByText('This code has been withdrawn').waitFor();
  });

  it('plays a valid code: the player asks for the playlist with the Authorization header', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const page = await (await launchChromium(t)).newPage();
    const playlistRequest = new Promise<{ url: string; authorization?: string }>((resolve) => {
      void page.route('**/streams/**', async (route) => {
        const request = route.request();
        if (request.method() === 'OPTIONS') {
          return route.fulfill({ status: 204, headers: { 'Access-Control-Allow-Origin': platform.url, 'Access-Control-Allow-Headers': 'Authorization' } });
        }
        resolve({ url: request.url(), authorization: (await request.allHeaders()).authorization });
        await route.fulfill({ status: 404, headers: { 'Access-Control-Allow-Origin': platform.url }, body: '' });
      });
    });
    await page.goto(`${platform.url}/?code=${code!.toLowerCase()}`); // an emailed link
    const request = await playlistRequest;
    assert.equal(request.url, 'http://127.0.0.1:4000/streams/conf/index.m3u8');
    const token = /^Bearer (.+)$/.exec(request.authorization ?? '')?.[1];
    assert.ok(token, 'Authorization: Bearer <token>');
    assert.equal(verifyPlaybackToken(token, platform.keyring, Date.now(), 900).eid, 'conf');
    assert.equal(new URL(page.url()).search, '', 'the code is removed from the address bar');
    await page.getByRole('heading', { name: 'Conf' }).waitFor();
  });

  it('tells a second browser that the code plays on another device, with a countdown', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const browser = await launchChromium(t);
    const first = await (await browser.newContext()).newPage();
    await first.route('**/streams/**', (route) => route.fulfill({ status: 404, headers: { 'Access-Control-Allow-Origin': '*' } }));
    await first.goto(`${platform.url}/?code=${code}`);
    await first.getByRole('heading', { name: 'Conf' }).waitFor();
    const second = await (await browser.newContext()).newPage();
    await second.goto(`${platform.url}/?code=${code}`);
    await second.getByRole('alert').getByText(/already playing on another device.*in 1m/).waitFor();
  });
});

describe('playback in Chromium through the same-origin /streams', () => {
  it('plays the video (currentTime advances) and sends no CORS preflight', async (t) => {
    const { makeVodFixture } = await import('../helpers/edge.js');
    const platform = await startTestPlatform(t, {}, { mountEdge: true });
    makeVodFixture(platform.dataDir);
    const [code] = await platform.codes(1);
    const page = await (await launchChromium(t)).newPage();
    const methods: string[] = [];
    page.on('request', (request) => {
      if (request.url().includes('/streams/')) methods.push(request.method());
    });
    await page.goto(`${platform.url}/?code=${code}`);
    // A function, not a string: the portal's CSP forbids eval. (No DOM types in the test build.)
    const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;
    await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 20_000 });
    assert.ok((await page.evaluate(videoTime)) > 1);
    assert.ok(methods.length >= 2, 'playlist and segments were requested');
    assert.deepEqual([...new Set(methods)], ['GET'], 'no OPTIONS preflight');
    assert.ok(await page.getByText('LIVE', { exact: true }).isHidden(), 'a finished recording is not LIVE');
  });
});
