import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as HLS from 'hls-parser';
import { ffprobe, publish, startAppliance, waitFor } from '../helpers/appliance.js';
import { runCli } from '../helpers/cli.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

HLS.setOptions({ strictMode: true, silent: true });

// A low-latency event end to end: FFmpeg publishes over RTMP, the ingest writes LL-HLS (parts,
// preload hints, blocking reload declared), players read it through the edge with a token, and
// after the publisher stops the recording is an ordinary VOD.

describe('a low-latency event (events update --latency low)', () => {
  it('is LL-HLS while live, which ffprobe plays through the edge, and an ordinary VOD after', async (t) => {
    const app = await startAppliance(t);
    const update = await runCli(['events', 'update', 'conf', '--latency', 'low'], { dataDir: app.dataDir });
    assert.equal(update.code, 0, update.stderr);
    assert.match(update.stdout, /latency\s+low/);
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // the ingest re-reads events every second
    const seconds = 12;
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, seconds, { keyframeSeconds: 1 });
    await waitFor('status live', async () => (await app.status()) === 'live', 30_000);
    await waitFor('parts listed', () => app.playlist().includes('#EXT-X-PART:'), 20_000);

    const live = app.playlist();
    const parsed = HLS.parse(live) as HLS.types.MediaPlaylist;
    assert.ok(parsed.partTargetDuration! > 0);
    assert.match(live, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=\d+,PART-HOLD-BACK=[\d.]+/);
    assert.match(live, /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_\d+_\d+\.m4s"/);

    const token = await app.token();
    const response = await fetch(`${app.edgeUrl}/streams/conf/index.m3u8`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200);
    const part = /#EXT-X-PART:DURATION=[\d.]+,URI="([^"]+)"/.exec(await response.text())![1]!;
    const partResponse = await fetch(`${app.edgeUrl}/streams/conf/${part}`, { headers: { Authorization: `Bearer ${token}` } });
    assert.equal(partResponse.status, 200, 'a part is served with the token');
    assert.equal((await partResponse.arrayBuffer()).byteLength > 0, true);
    assert.equal((await fetch(`${app.edgeUrl}/streams/conf/${part}`)).status, 401, 'and refused without');
    assert.deepEqual((await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, token)).codecs, ['aac', 'h264'], 'ffprobe reads the live playlist');

    assert.equal(await publisher.exited, 0, publisher.stderr());
    await waitFor('the event to end', async () => (await app.status()) === 'ended', 30_000);
    const vod = app.playlist();
    assert.doesNotMatch(vod, /EXT-X-PART|PRELOAD-HINT|SERVER-CONTROL/);
    assert.match(vod, /#EXT-X-ENDLIST\n$/);
    const dir = path.join(app.dataDir, 'hls', 'conf');
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('part_')), [], 'the parts are gone');
    const probe = await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, await app.token());
    assert.ok(Math.abs(probe.durationSeconds - seconds) <= 1.5, `the VOD lasts ${probe.durationSeconds} s for ${seconds} s published`);
  });

  it('gives every rendition of a ladder its parts, under a master playlist', async (t) => {
    const app = await startAppliance(t);
    const update = await runCli(['events', 'update', 'conf', '--latency', 'low', '--ladder', '360p,240p'], { dataDir: app.dataDir });
    assert.equal(update.code, 0, update.stderr);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 10, { keyframeSeconds: 1 });
    const dir = path.join(app.dataDir, 'hls', 'conf');
    const rendition = (name: string) => {
      try {
        return fs.readFileSync(path.join(dir, name, 'index.m3u8'), 'utf8');
      } catch {
        return '';
      }
    };
    await waitFor('parts in both renditions', () => rendition('360p').includes('#EXT-X-PART:') && rendition('240p').includes('#EXT-X-PART:'), 30_000);
    // ffprobe skips parts: until a rendition lists a whole segment it finds no stream in it.
    await waitFor('a whole segment in both renditions', () => rendition('360p').includes('#EXTINF:') && rendition('240p').includes('#EXTINF:'), 30_000);
    assert.match(app.playlist(), /#EXT-X-STREAM-INF:BANDWIDTH=\d+\n360p\/index\.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=\d+\n240p\/index\.m3u8\n/);
    for (const name of ['360p', '240p']) HLS.parse(rendition(name));
    assert.deepEqual((await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, await app.token())).codecs, ['aac', 'h264']);
    assert.equal(await publisher.exited, 0, publisher.stderr());
    await waitFor('the event to end', async () => (await app.status()) === 'ended', 30_000);
    for (const name of ['360p', '240p']) assert.match(rendition(name), /#EXT-X-PLAYLIST-TYPE:VOD\n[\s\S]*#EXT-X-ENDLIST\n$/);
  });
});
