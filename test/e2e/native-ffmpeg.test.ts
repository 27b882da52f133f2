import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { publish, segmentsOf, startAppliance, waitFor } from '../helpers/appliance.js';
import { runCli, tempDir } from '../helpers/cli.js';
import { loggedRequests, personalLink } from '../helpers/native.js';
import { runInOnePass } from '../helpers/test-database.js';

runInOnePass();

const PLAY_MS = 120_000;

describe('a player without heartbeats (ffmpeg) through a personal link', () => {
  it('plays a live event for 2 minutes without a refusal, and is stopped within 1 s of tokens revoke', async (t) => {
    // Playback tokens of 20 s: the link must outlive many of them, and the 90 s session timeout.
    const app = await startAppliance(t, { EDGE_QUERY_TOKENS: '1', STREAMGATE_TOKEN_TTL_SECONDS: '20' });
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, PLAY_MS / 1000 + 60);
    await waitFor('a first segment', () => segmentsOf(app.playlist()).length >= 1, 30_000);
    const [code] = await app.codes(1);
    const url = await personalLink(app, code!);
    const token = new URL(url).searchParams.get('token')!;

    const out = path.join(tempDir(), 'out.ts');
    const ffmpeg = spawn('ffmpeg', ['-nostdin', '-loglevel', 'warning', '-i', url, '-c', 'copy', '-f', 'mpegts', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    ffmpeg.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => ffmpeg.on('close', resolve));
    t.after(() => ffmpeg.kill('SIGKILL'));
    const started = Date.now();

    let lastSize = 0;
    while (Date.now() - started < PLAY_MS) {
      await sleep(20_000);
      assert.equal(ffmpeg.exitCode, null, `ffmpeg still reading after ${Math.round((Date.now() - started) / 1000)} s:\n${stderr}`);
      const size = fs.statSync(out).size;
      assert.ok(size > lastSize, `the recording grows (${lastSize} → ${size} bytes)`);
      lastSize = size;
    }
    const refusals = loggedRequests(app).filter((r) => r.at >= started && r.status >= 400);
    assert.deepEqual(refusals, [], 'no refusal in 2 minutes');

    await runCli(['tokens', 'revoke', code!], { dataDir: app.dataDir });
    const revoked = Date.now();
    await waitFor('the link refused', async () => (await fetch(url)).status === 403, 1_000);
    assert.ok(Date.now() - revoked <= 1_000, `refused ${Date.now() - revoked} ms after the revocation`);
    await sleep(Math.max(0, revoked + 1_000 - Date.now()));
    const sizeAtOneSecond = fs.statSync(out).size;
    await Promise.race([exited, sleep(30_000)]);
    // ffmpeg copies each segment out as it reads it. At the 1 s mark it may still be writing out a
    // segment it fetched before the revocation (slowly, on a busy machine), but any segment served
    // later would add a whole segment more: what it writes after that point stays under one segment.
    const liveDir = path.join(app.dataDir, 'hls', 'conf');
    const largestSegment = Math.max(...fs.readdirSync(liveDir).filter((f) => f.endsWith('.ts')).map((f) => fs.statSync(path.join(liveDir, f)).size));
    const late = fs.statSync(out).size - sizeAtOneSecond;
    assert.ok(late < largestSegment, `nothing served to the player more than 1 s after the revocation (${late} bytes written since; a segment is up to ${largestSegment})`);
    assert.notEqual(ffmpeg.exitCode, null, `ffmpeg stopped once refused:\n${stderr}`);
    assert.ok(!app.logs().includes(token), 'the link token is never logged');
    // The publisher would outlive the test and write into the data directory being removed.
    publisher.child.kill('SIGKILL');
    await app.stop();
  });
});
