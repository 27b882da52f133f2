import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publish, startAppliance } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';

// Functions, not strings: the console's CSP forbids eval. (No DOM types in the test build.)
const previewTime = () => (globalThis as any).document.getElementById('preview-video').currentTime as number;

describe('the console event page while FFmpeg publishes, in Chromium', () => {
  it('shows health figures and a playing preview, and the keyframe warning for a 6 s GOP', async (t) => {
    const app = await startAppliance(t);
    const cli = (args: string[], input?: string) => runCli(args, { dataDir: app.dataDir, input });
    assert.equal((await cli(['admin', 'set-password', '--user', 'alice'], 'correct horse battery\n')).code, 0);
    assert.equal((await cli(['events', 'create', '--title', 'Long GOP', '--id', 'gop'])).code, 0);
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 120);
    publish(t, `${app.rtmpUrl}/${await app.streamKey('gop')}`, 120, { keyframeSeconds: 6 });

    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${app.platformUrl}/admin`);
    await page.getByLabel('User name').fill('alice');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Events' }).waitFor();
    await page.goto(`${app.platformUrl}/admin#/events/conf`);

    const health = page.getByRole('region', { name: 'Stream health' });
    await health.getByText('Streaming.').waitFor({ timeout: 40_000 });
    await health.getByText(/h264 640×360/).waitFor({ timeout: 20_000 });
    await health.getByText('2 s (segments 2 s)').waitFor({ timeout: 20_000 });
    assert.equal(await health.getByText(/Keyframe interval is/).count(), 0, 'no warning for a 2 s GOP');

    await page.getByRole('button', { name: 'Start preview' }).click();
    await page.waitForFunction(() => (globalThis as any).document.getElementById('preview-video').currentTime > 1, undefined, { timeout: 30_000 });
    const before = await page.evaluate(previewTime);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.ok((await page.evaluate(previewTime)) > before + 1, 'the preview keeps playing');
    const sessions = await cli(['sessions', 'list', '--event', 'conf', '--json']);
    assert.deepEqual(JSON.parse(sessions.stdout), [], 'the preview is no viewer');

    await page.goto(`${app.platformUrl}/admin#/events/gop`);
    await page.getByRole('heading', { name: 'Long GOP' }).waitFor();
    await page.getByRole('region', { name: 'Stream health' }).getByText(/Keyframe interval is 6 s but segments are 2 s/).waitFor({ timeout: 45_000 });
  });
});
