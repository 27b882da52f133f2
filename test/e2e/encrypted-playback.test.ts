import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ffmpegDecodeLive, publish, segmentsOf, startAppliance, waitFor, type Appliance } from '../helpers/appliance.js';
import { launchChromium } from '../helpers/browser.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

// Functions, not strings: the portal's CSP forbids eval. (No DOM types in the test build.)
const videoTime = () => (globalThis as any).document.getElementById('video').currentTime as number;

const KEY_URIS = /#EXT-X-KEY:METHOD=AES-128,URI="(\/keys\/[a-z0-9-]+\/[0-9a-f]{16})"/g;

async function cli(app: Appliance, args: string[]) {
  const result = await runCli(args, { dataDir: app.dataDir, env: { HLS_KEY_ROTATION_SECONDS: '4' } });
  assert.equal(result.code, 0, result.stderr);
  return result;
}

/** hls.js in the portal's player, for a fresh code: playing until `seconds` of media. */
async function playInPortal(t: { after(fn: () => unknown): void }, app: Appliance, eventId: string, seconds: number) {
  const [code] = await app.codes(1, eventId);
  const browser = await launchChromium(t);
  const page = await browser.newPage();
  const keyAnswers: number[] = [];
  page.on('response', (response) => {
    if (new URL(response.url()).pathname.startsWith('/keys/')) keyAnswers.push(response.status());
  });
  await page.goto(`${app.platformUrl}/?code=${code}`);
  await page.waitForFunction((s) => (globalThis as any).document.getElementById('video').currentTime > s, seconds, { timeout: 45_000 });
  return { page, keyAnswers };
}

function filesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath ?? (e as any).path, e.name));
}

describe('encrypted events played for real', () => {
  it('an encrypted live event plays in hls.js (Chromium) and through ffmpeg with the token, its key rotating; no key under hls/', async (t) => {
    const app = await startAppliance(t, { HLS_KEY_ROTATION_SECONDS: '4' });
    await cli(app, ['events', 'update', 'conf', '--encryption', 'aes-128']);
    await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads events every second
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 90);
    await waitFor('a first segment', () => segmentsOf(app.playlist()).length >= 1, 30_000);
    assert.match(app.playlist(), /#EXT-X-KEY:METHOD=AES-128,URI="\/keys\/conf\/[0-9a-f]{16}",IV=0x[0-9a-f]{32}/);

    const { page, keyAnswers } = await playInPortal(t, app, 'conf', 1);
    const before = await page.evaluate(videoTime);
    // Keeps advancing (on a loaded machine the live edge may make it wait a segment or two).
    await page.waitForFunction((t0) => (globalThis as any).document.getElementById('video').currentTime > t0 + 1, before, { timeout: 15_000 });
    assert.ok(keyAnswers.length >= 1 && keyAnswers.every((s) => s === 200), `hls.js fetched keys with its Authorization header: ${keyAnswers}`);

    // ffmpeg, as a native player would: the token in a header, keys fetched from the edge.
    assert.doesNotMatch(await ffmpegDecodeLive(`${app.edgeUrl}/streams/conf/index.m3u8`, await app.token(), 4), /error|invalid/i);

    await waitFor('a second key', () => new Set([...app.playlist().matchAll(KEY_URIS)].map((m) => m[1])).size >= 2, 20_000);
    const hls = filesUnder(path.join(app.dataDir, 'hls'));
    assert.ok(!hls.some((file) => path.basename(file).includes('key')), hls.join('\n'));
    const work = filesUnder(path.join(app.dataDir, 'key-work'));
    assert.ok(work.length <= 3, `only the current and previous plain keys exist while live: ${work.join(', ')}`);
    for (const dir of fs.readdirSync(path.join(app.dataDir, 'key-work'))) assert.equal(fs.statSync(path.join(app.dataDir, 'key-work', dir)).mode & 0o777, 0o700);
  });

  it('an encrypted VOD plays in hls.js across key changes, and a revoked viewer gets no further key', async (t) => {
    const app = await startAppliance(t);
    const dir = tempDir('streamgate-vod-src-');
    t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'talk.mp4');
    execFileSync('ffmpeg', [
      '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440',
      '-t', '20', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac', file,
    ]);
    await cli(app, ['events', 'update', 'conf', '--encryption', 'aes-128']);
    await cli(app, ['vod', 'import', 'conf', file]);
    // An import changes keys as it hears of FFmpeg's segments, which a loaded machine may hear of
    // late: at least one key, and hls.js must fetch every one the playlist names.
    const keys = [...new Set([...app.playlist().matchAll(KEY_URIS)].map((m) => m[1]!))];
    assert.ok(keys.length >= 1, `keys: ${keys}`);

    const { keyAnswers } = await playInPortal(t, app, 'conf', 19);
    assert.ok(keyAnswers.filter((s) => s === 200).length >= keys.length, `hls.js fetched each key it needed: ${keyAnswers} for ${keys.length} keys`);

    const [code] = await app.codes(1);
    const response = await fetch(`${app.platformUrl}/api/tokens/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId: 'device-revoked' }) });
    const { token } = (await response.json()) as { token: string };
    const last = keys.at(-1)!;
    assert.equal((await fetch(`${app.edgeUrl}${last}`, { headers: { Authorization: `Bearer ${token}` } })).status, 200);
    await cli(app, ['tokens', 'revoke', code!]);
    await waitFor('the revocation at the edge', async () => (await fetch(`${app.edgeUrl}${last}`, { headers: { Authorization: `Bearer ${token}` } })).status === 403, 5_000);
    await waitFor('the revocation at the platform\'s mounted edge', async () => (await fetch(`${app.platformUrl}${last}`, { headers: { Authorization: `Bearer ${token}` } })).status === 403, 5_000);
  });

  it('an encrypted ladder: every rendition encrypted, and ffmpeg plays the master playlist through the edge with the token', async (t) => {
    const app = await startAppliance(t, { HLS_KEY_ROTATION_SECONDS: '4' });
    await cli(app, ['events', 'update', 'conf', '--encryption', 'aes-128', '--ladder', '360p,240p']);
    await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads events every second
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 60);
    await waitFor('a master playlist', () => app.playlist().includes('#EXT-X-STREAM-INF'), 45_000);
    for (const rendition of ['360p', '240p']) {
      const text = fs.readFileSync(path.join(app.dataDir, 'hls', 'conf', rendition, 'index.m3u8'), 'utf8');
      assert.match(text, /#EXT-X-KEY:METHOD=AES-128,URI="\/keys\/conf\/[0-9a-f]{16}",IV=0x[0-9a-f]{32}/, rendition);
    }
    assert.doesNotMatch(await ffmpegDecodeLive(`${app.edgeUrl}/streams/conf/index.m3u8`, await app.token(), 3), /error|invalid/i);
  });
});
