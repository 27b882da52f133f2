import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ffprobe, publish, startAppliance, waitFor, type Appliance } from '../helpers/appliance.js';
import { initialisedDataDir, runCli } from '../helpers/cli.js';
import { checkEventPlaylists, checkMasterPlaylist, checkMediaPlaylist, PlaylistHistory } from '../helpers/hls-rules.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

/** Publishes to the event "conf" and samples its playlist like a player reloading it, until the event has ended. */
async function publishAndWatch(app: Appliance, seconds: number, keyframeSeconds: number, history: PlaylistHistory, t: { after(fn: () => unknown): void }) {
  const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, seconds, { keyframeSeconds, fps: 30 });
  const sampler = setInterval(() => history.sample(), 250);
  try {
    assert.equal(await publisher.exited, 0, publisher.stderr());
    await waitFor('the event to end', async () => (await app.status()) === 'ended', 30_000);
  } finally {
    clearInterval(sampler);
  }
  history.sample();
}

const mediaPlaylist = (app: Appliance) => path.join(app.dataDir, 'hls', 'conf', 'index.m3u8');

describe('every playlist passes a strict HLS parser and RFC 8216 checks (2 s segments)', { concurrency: 2 }, () => {
  const cases: [number, number, number][] = [
    // keyframe interval, seconds published, the target duration the playlist keeps
    [1, 10, 2],
    [2, 10, 2],
    [2.5, 11, 3],
    [8, 20, 8],
  ];
  for (const [keyframeSeconds, seconds, target] of cases) {
    it(`a ${keyframeSeconds} s keyframe interval: TARGETDURATION ${target} from the first reload to the VOD`, async (t) => {
      const app = await startAppliance(t);
      const history = new PlaylistHistory(mediaPlaylist(app));
      await publishAndWatch(app, seconds, keyframeSeconds, history, t);
      history.check();
      const vod = checkMediaPlaylist(mediaPlaylist(app));
      assert.equal(vod.targetDuration, target);
      assert.ok(vod.endlist);
      assert.ok(Math.abs((await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, await app.token())).durationSeconds - seconds) <= 1.5);
      const warned = /keyframe interval/.test(app.logs());
      assert.equal(warned, 2 % keyframeSeconds !== 0, 'the operator is told when the keyframe interval does not divide the segment length');
    });
  }
});

describe('a republish keeps the playlist valid', () => {
  it('with a longer keyframe interval, the target duration stays and the long segments are cut to fit', async (t) => {
    const app = await startAppliance(t);
    const history = new PlaylistHistory(mediaPlaylist(app));
    await publishAndWatch(app, 6, 2, history, t);
    await publishAndWatch(app, 16, 8, history, t);
    history.check();
    const vod = checkMediaPlaylist(mediaPlaylist(app));
    assert.equal(vod.targetDuration, 2);
    assert.ok(vod.segments.some((s) => /-\d+\.ts$/.test(s.uri)), 'pieces of a cut segment are listed');
    assert.equal(vod.segments.filter((s) => s.discontinuity).length, 1, 'one discontinuity: where the second publish starts');
    const probe = await ffprobe(`${app.edgeUrl}/streams/conf/index.m3u8`, await app.token());
    assert.ok(Math.abs(probe.durationSeconds - 22) <= 2, `the VOD lasts ${probe.durationSeconds} s for 6 + 16 s published`);
  });
});

describe('a ladder master playlist', () => {
  it('declares FRAME-RATE, AVERAGE-BANDWIDTH and a BANDWIDTH no segment exceeds', async (t) => {
    const app = await startAppliance(t);
    assert.equal((await runCli(['events', 'update', 'conf', '--ladder', '360p,240p'], { dataDir: app.dataDir })).code, 0);
    await new Promise((r) => setTimeout(r, 1_200)); // the ingest re-reads events every second
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 8, { fps: 60 });
    await waitFor('a master playlist', () => app.playlist().includes('#EXT-X-STREAM-INF'), 30_000);
    checkMasterPlaylist(mediaPlaylist(app), { video: true });
    assert.equal(await publisher.exited, 0);
    await waitFor('the event to end', async () => (await app.status()) === 'ended', 30_000);
    const master = checkMasterPlaylist(mediaPlaylist(app), { video: true });
    assert.deepEqual(master.variants.map((v) => Math.round(v.frameRate ?? 0)), [60, 60]);
    checkEventPlaylists(path.dirname(mediaPlaylist(app)));
  });
});

describe('a VOD import', { concurrency: 2 }, () => {
  const cases: [number, number][] = [
    // keyframe interval of the recording, the target duration of its playlist
    [1, 2],
    [2, 2],
    [2.5, 3],
    [8, 8],
  ];
  for (const [keyframeSeconds, target] of cases) {
    it(`of a recording with a ${keyframeSeconds} s keyframe interval gives a playlist whose target duration (${target}) covers every segment`, async (t) => {
      const dataDir = await initialisedDataDir(t);
      const file = path.join(path.dirname(dataDir), 'talk.mp4');
      execFileSync('ffmpeg', [
        '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=30', '-f', 'lavfi', '-i', 'sine', '-t', '17',
        '-c:v', 'libx264', '-g', String(30 * keyframeSeconds), '-keyint_min', String(30 * keyframeSeconds), '-sc_threshold', '0',
        '-pix_fmt', 'yuv420p', '-c:a', 'aac', file,
      ]);
      const result = await runCli(['vod', 'import', 'conf', file], { dataDir });
      assert.equal(result.code, 0, result.stderr);
      const vod = checkMediaPlaylist(path.join(dataDir, 'hls', 'conf', 'index.m3u8'));
      assert.equal(vod.targetDuration, target);
      assert.equal(vod.playlistType, 'VOD');
    });
  }
});

describe('a publisher that reconnects within the grace period', () => {
  it('continues the same playlist after one discontinuity, its target duration unchanged', async (t) => {
    const app = await startAppliance(t, { INGEST_RECONNECT_GRACE_SECONDS: '8' });
    const history = new PlaylistHistory(mediaPlaylist(app));
    const sampler = setInterval(() => history.sample(), 250);
    t.after(() => clearInterval(sampler));
    for (const seconds of [6, 6]) {
      const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, seconds, { fps: 30 });
      assert.equal(await publisher.exited, 0, publisher.stderr());
      assert.equal(await app.status(), 'live', 'within the grace period the event stays live');
    }
    await waitFor('the event to end', async () => (await app.status()) === 'ended', 30_000);
    history.sample();
    history.check();
    const vod = checkMediaPlaylist(mediaPlaylist(app));
    assert.equal(vod.targetDuration, 2);
    assert.equal(vod.segments.filter((s) => s.discontinuity).length, 1, 'where the publisher came back');
  });
});
