import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publish, segmentsOf, startAppliance, waitFor } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;

describe('a viewer watching a live stream in Chromium', () => {
  it('plays live video for a typed code, refuses a second device, and stops with a message when the code is revoked', async (t) => {
    const app = await startAppliance(t);
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 60);
    await waitFor('a first segment', () => segmentsOf(app.playlist()).length >= 1);
    const [code] = await app.codes(1);
    const browser = await launchChromium(t);

    const viewer = await (await browser.newContext()).newPage();
    await viewer.goto(`${app.platformUrl}/`);
    await viewer.getByLabel('Access code', { exact: true }).fill(code!);
    await viewer.getByRole('button', { name: 'Watch' }).click();
    await viewer.getByText('LIVE', { exact: true }).waitFor();
    await viewer.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 30_000 });
    const before = await viewer.evaluate(videoTime);
    await new Promise((r) => setTimeout(r, 2_000));
    assert.ok((await viewer.evaluate(videoTime)) > before + 1, 'currentTime keeps advancing');

    const other = await (await browser.newContext()).newPage();
    await other.goto(`${app.platformUrl}/`);
    await other.getByLabel('Access code', { exact: true }).fill(code!);
    await other.getByRole('button', { name: 'Watch' }).click();
    await other.getByRole('alert').getByText(/already playing on another device/).waitFor();

    const revoked = await runCli(['tokens', 'revoke', code!], { dataDir: app.dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    await viewer.getByRole('alert').getByText('This code has been withdrawn').waitFor({ timeout: 15_000 });
    assert.ok(await viewer.getByLabel('Access code', { exact: true }).isVisible(), 'the code form is back');
    const stoppedAt = await viewer.evaluate(videoTime);
    await new Promise((r) => setTimeout(r, 1_500));
    assert.equal(await viewer.evaluate(videoTime), stoppedAt, 'playback has stopped');
  });

  it('keeps a viewer who came early waiting, then plays with the LIVE badge once the stream starts', async (t) => {
    const app = await startAppliance(t);
    const [code] = await app.codes(1);
    const viewer = await (await launchChromium(t)).newPage();
    await viewer.goto(`${app.platformUrl}/?code=${code}`);
    await viewer.getByText('The stream has not started yet').waitFor();
    assert.ok(await viewer.getByText('LIVE', { exact: true }).isHidden(), 'no LIVE badge before the stream');

    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 60);
    await viewer.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 30_000 });
    await viewer.getByText('LIVE', { exact: true }).waitFor();
  });
});
