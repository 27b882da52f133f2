import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ffprobe, publish, segmentsOf, startAppliance, waitFor } from '../helpers/appliance.js';
import { initialisedDataDir, runCli } from '../helpers/cli.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

describe('RTMP ingest through the real binary', () => {
  it('goes live on publish, is readable through the edge, and ends as a VOD as long as what was published', async (t) => {
    const app = await startAppliance(t);
    const key = await app.streamKey();
    // Long enough to still be on after the event turned live (with its first segment) and was probed.
    const publisher = publish(t, `${app.rtmpUrl}/${key}`, 12);

    await waitFor('status live', async () => (await app.status()) === 'live');
    assert.ok(segmentsOf(app.playlist()).length >= 1, 'live only once a segment is written');
    const token = await app.token();
    const live = await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, token);
    assert.deepEqual(live.codecs, ['aac', 'h264'], 'the live stream through the edge, gated by the JWT');
    assert.ok(!app.playlist().includes('#EXT-X-ENDLIST'), 'not finalised while live');

    assert.equal(await publisher.exited, 0);
    await waitFor('status ended', async () => (await app.status()) === 'ended');
    const playlist = app.playlist();
    assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:EVENT/);
    assert.match(playlist, /#EXT-X-PROGRAM-DATE-TIME:/);
    assert.ok(playlist.trimEnd().endsWith('#EXT-X-ENDLIST'));
    const vod = await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, token);
    assert.ok(Math.abs(vod.durationSeconds - 12) <= 1, `VOD lasts ${vod.durationSeconds} s for 12 s published`);
    assert.ok(!app.logs().includes(key), 'the stream key is never logged');
  });

  it('listens on the three configured ports and nothing else (no HTTP-FLV or API port of node-media-server)', async (t) => {
    const app = await startAppliance(t);
    const expected = [app.platformUrl, app.edgeUrl, app.rtmpUrl].map((u) => Number(new URL(u).port)).sort((a, b) => a - b);
    assert.deepEqual(app.listeningPorts(), expected);
  });

  it('refuses a wrong key and a second publisher, without disturbing the first', async (t) => {
    const app = await startAppliance(t);
    const key = await app.streamKey();
    const wrong = publish(t, `${app.rtmpUrl}/wrongkey0123456789`, 5);
    assert.notEqual(await wrong.exited, 0, 'ffmpeg with a wrong key fails');
    assert.equal(await app.status(), 'scheduled');
    assert.equal(app.playlist(), '');

    const first = publish(t, `${app.rtmpUrl}/${key}`, 30);
    await waitFor('a first segment', () => segmentsOf(app.playlist()).length >= 1);
    const second = publish(t, `${app.rtmpUrl}/${key}`, 5);
    assert.notEqual(await second.exited, 0, 'a second publisher on a live event fails');
    const before = segmentsOf(app.playlist()).length;
    await waitFor('the first publisher still writing', () => segmentsOf(app.playlist()).length >= before + 2, 10_000);
    assert.equal(first.child.exitCode, null, 'the first publisher is still on');
    const log = app.logs();
    assert.match(log, /publish refused/);
    assert.ok(!log.includes(key) && !log.includes('wrongkey0123456789'), 'no stream key, right or wrong, in the logs');
  });

  it('loses no earlier segment when FFmpeg is killed mid-stream: a new one continues after a discontinuity', async (t) => {
    const app = await startAppliance(t);
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 14);
    await waitFor('two segments', () => segmentsOf(app.playlist()).length >= 2);
    const earlier = segmentsOf(app.playlist());
    const hlsDir = path.join(app.dataDir, 'hls', 'conf');
    execFileSync('pkill', ['-KILL', '-f', `${hlsDir}/seg_`]); // the ingest's FFmpeg, not the publisher

    await waitFor('writing again', () => segmentsOf(app.playlist()).length > earlier.length, 15_000);
    assert.equal(await publisher.exited, 0, 'the publisher never noticed');
    await waitFor('status ended', async () => (await app.status()) === 'ended');
    const playlist = app.playlist();
    const final = segmentsOf(playlist);
    assert.deepEqual(final.slice(0, earlier.length), earlier, 'every earlier segment is still listed, in order');
    assert.match(playlist, /#EXT-X-DISCONTINUITY/);
    assert.ok(playlist.trimEnd().endsWith('#EXT-X-ENDLIST'));
    for (const segment of final) assert.ok(fs.existsSync(path.join(hlsDir, segment)), `${segment} exists`);
    assert.match(app.logs(), /ffmpeg stopped while the publisher is on; restarting/);
  });

  it('continues the same event when the publisher reconnects within the grace period', async (t) => {
    const app = await startAppliance(t, { INGEST_RECONNECT_GRACE_SECONDS: '4' });
    const key = await app.streamKey();
    assert.equal(await publish(t, `${app.rtmpUrl}/${key}`, 4).exited, 0);
    const firstPart = segmentsOf(app.playlist());
    assert.equal(await app.status(), 'live', 'still live during the grace period');
    assert.equal(await publish(t, `${app.rtmpUrl}/${key}`, 4).exited, 0);
    await waitFor('status ended', async () => (await app.status()) === 'ended', 15_000);
    const playlist = app.playlist();
    assert.deepEqual(segmentsOf(playlist).slice(0, firstPart.length), firstPart);
    assert.ok(segmentsOf(playlist).length >= firstPart.length + 2, 'the second part is appended');
    assert.equal(playlist.match(/#EXT-X-ENDLIST/g)?.length, 1);
  });

  it('disconnects a publisher that goes silent, and the event ends', async (t) => {
    const app = await startAppliance(t, { INGEST_IDLE_TIMEOUT_SECONDS: '2' });
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 30);
    await waitFor('a first segment', () => segmentsOf(app.playlist()).length >= 1);
    publisher.child.kill('SIGSTOP'); // connected, sending nothing: a frozen encoder or a dead network
    await waitFor('status ended', async () => (await app.status()) === 'ended', 15_000);
    assert.match(app.logs(), /publisher silent; disconnecting it/);
    assert.ok(app.playlist().trimEnd().endsWith('#EXT-X-ENDLIST'));
  });

  it('ends, on the next start, an event that a crashed ingest left live', async (t) => {
    const app = await startAppliance(t);
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 30);
    await waitFor('status live', async () => (await app.status()) === 'live');
    await app.crash();
    assert.equal(await app.status(), 'live', 'left live by the crash');
    const restarted = await startAppliance(t, {}, app.dataDir);
    assert.equal(await restarted.status(), 'ended');
    assert.ok(restarted.playlist().trimEnd().endsWith('#EXT-X-ENDLIST'));
    assert.match(restarted.logs(), /ended an event a previous ingest left live/);
  });

  it('writes a three-rendition ladder with a master playlist when the event asks for one', async (t) => {
    const app = await startAppliance(t);
    const updated = await runCli(['events', 'update', 'conf', '--ladder', '480p,360p,240p'], { dataDir: app.dataDir });
    assert.equal(updated.code, 0, updated.stderr);
    await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads events every second
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 6);
    assert.equal(await publisher.exited, 0);
    await waitFor('status ended', async () => (await app.status()) === 'ended');
    const master = app.playlist();
    assert.equal(master.match(/#EXT-X-STREAM-INF/g)?.length, 3, master);
    const token = await app.token();
    for (const rendition of ['480p', '360p', '240p']) {
      const media = fs.readFileSync(path.join(app.dataDir, 'hls', 'conf', rendition, 'index.m3u8'), 'utf8');
      assert.ok(media.trimEnd().endsWith('#EXT-X-ENDLIST'), `${rendition} finalised`);
    }
    const vod = await ffprobe(`${app.edgeUrl}/streams/conf/360p/index.m3u8`, token);
    assert.deepEqual(vod.codecs, ['aac', 'h264']);
  });

  it('writes a ladder without audio for a publisher that sends only video', async (t) => {
    const app = await startAppliance(t);
    assert.equal((await runCli(['events', 'update', 'conf', '--ladder', '360p,240p'], { dataDir: app.dataDir })).code, 0);
    await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads events every second
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 10, { audio: false });
    const rendition = path.join(app.dataDir, 'hls', 'conf', '240p', 'index.m3u8');
    const onAir = () => fs.existsSync(rendition) && segmentsOf(fs.readFileSync(rendition, 'utf8')).length > 0;
    await waitFor('a segment while the publisher is on', () => onAir() || publisher.child.exitCode !== null, 15_000);
    assert.ok(onAir() && publisher.child.exitCode === null, `live while publishing:\n${app.logs()}`);
    assert.equal(await publisher.exited, 0);
    await waitFor('status ended', async () => (await app.status()) === 'ended');
    assert.equal(app.playlist().match(/#EXT-X-STREAM-INF/g)?.length, 2, app.playlist());
    const vod = await ffprobe(`${app.edgeUrl}/streams/conf/240p/index.m3u8`, await app.token());
    assert.deepEqual(vod.codecs, ['h264']);
  });

  it('refuses a bad --ladder with a usage error', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['events', 'update', 'conf', '--ladder', '720p,480p,360p,240p'], { dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /at most 3 renditions/);
  });
});
