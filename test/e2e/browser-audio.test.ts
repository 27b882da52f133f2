import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { startAppliance } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const media = () => {
  const video = (globalThis as any).document.getElementById('video');
  return { currentTime: video.currentTime as number, videoWidth: video.videoWidth as number };
};

describe('a listener rewatching an audio-only recording in Chromium', () => {
  it('plays an imported .m4a through hls.js and shows the audio view, not a black picture', async (t) => {
    const app = await startAppliance(t);
    const file = path.join(path.dirname(app.dataDir), 'show.m4a');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', '20', '-c:a', 'aac', file]);
    const imported = await runCli(['vod', 'import', 'conf', file], { dataDir: app.dataDir });
    assert.equal(imported.code, 0, imported.stderr);
    const [code] = await app.codes(1);

    const page = await (await launchChromium(t)).newPage();
    await page.goto(`${app.platformUrl}/?code=${code}`);
    await page.waitForFunction(() => (globalThis as any).document.getElementById('video').currentTime > 1, undefined, { timeout: 30_000 });
    await page.getByText('Audio only', { exact: true }).waitFor();
    const playing = await page.evaluate(media);
    assert.equal(playing.videoWidth, 0, 'sound, no picture');
    await new Promise((r) => setTimeout(r, 1_500));
    assert.ok((await page.evaluate(media)).currentTime > playing.currentTime + 0.5, 'currentTime keeps advancing');
    assert.ok(await page.getByText('LIVE', { exact: true }).isHidden(), 'a VOD, not live');
  });
});
