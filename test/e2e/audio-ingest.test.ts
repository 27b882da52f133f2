import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ffprobe, publishWith, segmentsOf, startAppliance, waitFor, type Appliance } from '../helpers/appliance.js';
import { json, runCli } from '../helpers/cli.js';
import { publishEnhancedHevc } from '../helpers/enhanced-rtmp.js';
import { checkEventPlaylists } from '../helpers/hls-rules.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

/** A radio show: a 440 Hz tone in AAC, no video, as in the report. */
const SOUND_ONLY = (seconds: number) => ['-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds), '-c:a', 'aac', '-b:a', '128k'];

async function eventJson(app: Appliance): Promise<{ status: string; ingest: { state: string; reason: string | null } }> {
  return json(await runCli(['events', 'show', 'conf', '--json'], { dataDir: app.dataDir }));
}

/**
 * Samples the event until `done` resolves, and fails if it ever said `live` while no segment of
 * the publish was in `playlist()`: live means playable.
 */
async function neverLiveWithoutSegments(app: Appliance, playlist: () => string, done: Promise<unknown>): Promise<string[]> {
  let finished = false;
  void done.then(() => (finished = true));
  const seen: string[] = [];
  while (!finished) {
    // The playlist first: a segment that lands between the two reads only makes the check stricter.
    const segments = segmentsOf(playlist()).length;
    const event = await eventJson(app);
    seen.push(`${event.status}/${event.ingest.state}`);
    if (event.status === 'live') assert.ok(segments > 0 || segmentsOf(playlist()).length > 0, `live with no segment written: ${seen.join(' ')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return seen;
}

describe('audio-only publishers (a radio show, the sound of a concert)', () => {
  it('copy: goes live with the first segment, plays AAC through the edge, and ends as a VOD as long as what was sent', async (t) => {
    const app = await startAppliance(t);
    const publisher = publishWith(t, `${app.rtmpUrl}/${await app.streamKey()}`, SOUND_ONLY(12));
    await neverLiveWithoutSegments(app, () => app.playlist(), waitFor('status live', async () => (await app.status()) === 'live'));
    await waitFor('ingest writing', async () => (await eventJson(app)).ingest.state === 'writing', 5_000);
    const token = await app.token();
    const live = await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, token);
    assert.deepEqual(live.codecs, ['aac'], 'sound through the edge, gated by the JWT');

    assert.equal(await publisher.exited, 0, publisher.stderr());
    await waitFor('status ended', async () => (await app.status()) === 'ended');
    const playlist = app.playlist();
    assert.ok(playlist.trimEnd().endsWith('#EXT-X-ENDLIST'));
    checkEventPlaylists(path.join(app.dataDir, 'hls', 'conf'), { video: false });
    const vod = await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, token);
    assert.deepEqual(vod.codecs, ['aac']);
    assert.ok(Math.abs(vod.durationSeconds - 12) <= 1, `VOD lasts ${vod.durationSeconds} s for 12 s published`);
    assert.doesNotMatch(app.logs(), /restarting|matches no streams/, 'FFmpeg ran once, mapping what was there');
    assert.deepEqual((await eventJson(app)).ingest, { state: 'idle', reason: 'publisher left' });
  });

  it('ladder: becomes one audio rendition under the master playlist, and ends as a VOD', async (t) => {
    const app = await startAppliance(t);
    assert.equal((await runCli(['events', 'update', 'conf', '--ladder', '360p,240p'], { dataDir: app.dataDir })).code, 0);
    await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads events every second
    const publisher = publishWith(t, `${app.rtmpUrl}/${await app.streamKey()}`, SOUND_ONLY(8));
    const rendition = path.join(app.dataDir, 'hls', 'conf', 'audio', 'index.m3u8');
    const readRendition = () => (fs.existsSync(rendition) ? fs.readFileSync(rendition, 'utf8') : '');
    await neverLiveWithoutSegments(app, readRendition, publisher.exited);
    assert.equal(await publisher.exited, 0, publisher.stderr());
    await waitFor('status ended', async () => (await app.status()) === 'ended');

    const master = app.playlist();
    assert.equal(master.match(/#EXT-X-STREAM-INF/g)?.length, 1, master);
    assert.match(master, /^audio\/index\.m3u8$/m);
    assert.ok(readRendition().trimEnd().endsWith('#EXT-X-ENDLIST'));
    checkEventPlaylists(path.join(app.dataDir, 'hls', 'conf'), { video: false });
    const token = await app.token();
    const vod = await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, token);
    assert.deepEqual(vod.codecs, ['aac']);
    assert.ok(Math.abs(vod.durationSeconds - 8) <= 1, `VOD lasts ${vod.durationSeconds} s for 8 s published`);
  });
});

describe('publishers StreamGate cannot package', () => {
  it('refuses a codec it cannot package with one clear log line and the reason in the event; the event never claims live', async (t) => {
    const app = await startAppliance(t);
    // Sorenson Spark (FLV1): FLV video, but no browser plays it from HLS and copy mode does not transcode.
    const publisher = publishWith(t, `${app.rtmpUrl}/${await app.streamKey()}`, [
      '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine', '-t', '20', '-c:v', 'flv', '-c:a', 'aac',
    ]);
    const seen = await neverLiveWithoutSegments(app, () => app.playlist(), publisher.exited);
    assert.notEqual(await publisher.exited, 0, 'the publisher was cut off');
    assert.ok(!seen.some((s) => s.startsWith('live')), `never live: ${seen.join(' ')}`);
    const event = await eventJson(app);
    assert.equal(event.status, 'scheduled');
    assert.equal(event.ingest.state, 'refused');
    assert.match(event.ingest.reason!, /the publisher sends flv1 video; StreamGate packages H\.264 only/);
    assert.equal(app.logs().match(/publish refused: the publisher sends flv1 video/g)?.length, 1, app.logs());
    assert.equal(app.playlist(), '', 'nothing written');
    assert.doesNotMatch(app.logs(), /restarting/);
  });

  it('refuses HEVC over enhanced RTMP (as OBS 30+ can send it) and never claims live', async (t) => {
    const app = await startAppliance(t);
    const publisher = await publishEnhancedHevc(`${app.rtmpUrl}/${await app.streamKey()}`, 20);
    const seen = await neverLiveWithoutSegments(app, () => app.playlist(), publisher.closedByServer);
    assert.equal(await publisher.closedByServer, true, 'the publisher was cut off');
    assert.ok(!seen.some((s) => s.startsWith('live')), `never live: ${seen.join(' ')}`);
    const event = await eventJson(app);
    assert.equal(event.ingest.state, 'refused');
    assert.match(event.ingest.reason!, /the publisher sends hevc video; StreamGate packages H\.264 only/);
    assert.equal(app.logs().match(/publish refused: the publisher sends hevc video/g)?.length, 1, app.logs());
    assert.equal(app.playlist(), '', 'nothing written');
  });

  it('gives up after a bounded number of fast FFmpeg failures and says so; the event stays "connected, no output yet" meanwhile, never live', async (t) => {
    // An FFmpeg that passes the start-up check (-version) and then fails at once, every time.
    const fakeFfmpeg = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-ffmpeg-')), 'ffmpeg');
    t.after(() => fs.rmSync(path.dirname(fakeFfmpeg), { recursive: true, force: true }));
    fs.writeFileSync(fakeFfmpeg, '#!/bin/sh\n[ "$2" = "-version" ] && { echo "ffmpeg version fake"; exit 0; }\necho "fake ffmpeg: cannot write" >&2\nexit 1\n', { mode: 0o755 });
    const app = await startAppliance(t, { FFMPEG_PATH: fakeFfmpeg });
    const publisher = publishWith(t, `${app.rtmpUrl}/${await app.streamKey()}`, SOUND_ONLY(60));
    await waitFor('a publisher connected', async () => (await eventJson(app)).ingest.state === 'connected', 10_000);
    assert.deepEqual((await eventJson(app)).ingest, { state: 'connected', reason: 'publisher connected, no output yet' });
    const seen = await neverLiveWithoutSegments(app, () => app.playlist(), publisher.exited);
    assert.ok(!seen.some((s) => s.startsWith('live')), `never live: ${seen.join(' ')}`);
    const event = await eventJson(app);
    assert.equal(event.ingest.state, 'failed');
    assert.match(event.ingest.reason!, /^FFmpeg failed 5 times in a row \(last: fake ffmpeg: cannot write\)/);
    assert.equal(app.logs().match(/ffmpeg failed too often in a row; giving up on this publish/g)?.length, 1, app.logs());
    assert.equal(app.logs().match(/ffmpeg stopped while the publisher is on; restarting/g)?.length, 4);
  });
});
