import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publish, startAppliance } from '../helpers/appliance.js';
import { json, runCli } from '../helpers/cli.js';
import { adminApi, healthWith, watchStatus } from '../helpers/stream-health.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

describe('stream health while FFmpeg publishes', () => {
  it('shows the figures in the API, events status and /metrics; a preview token plays without counting as a viewer', async (t) => {
    const app = await startAppliance(t);
    const api = await adminApi(app);
    assert.equal((await api.health('conf')).state, 'idle');
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 90);
    const health = await healthWith(api, 'conf', (h) => h.state === 'publishing' && h.figures.speed !== null && h.figures.keyframeIntervalSeconds !== null && h.figures.bitrateOutKbps !== null);
    const f = health.figures;
    assert.deepEqual([f.width, f.height, f.videoCodec, f.audioCodec], [640, 360, 'h264', 'aac']);
    assert.ok(Math.abs(f.frameRate - 25) < 1, `frame rate ${f.frameRate}`);
    assert.equal(f.keyframeIntervalSeconds, 2);
    assert.ok(f.bitrateInKbps > 500 && f.bitrateOutKbps > 500, `bitrates ${f.bitrateInKbps} / ${f.bitrateOutKbps}`);
    assert.ok(f.speed > 0.5 && f.speed < 1.5, `speed ${f.speed}`);
    assert.equal(f.droppedFrames, 0);
    assert.equal(health.publisher.address, '127.0.0.1');
    assert.equal(health.publisher.reconnects, 0);
    assert.ok(!health.warnings.some((w: { code: string }) => w.code === 'keyframe_interval'), JSON.stringify(health.warnings));
    assert.equal(health.rehearsal, false);

    const status = json(await runCli(['events', 'status', 'conf', '--json'], { dataDir: app.dataDir }));
    assert.equal(status.status, 'live');
    assert.equal(status.figures.width, 640);
    const human = await runCli(['events', 'status', 'conf'], { dataDir: app.dataDir });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /video\s+h264 640×360 at \d+(\.\d+)? fps/);
    assert.match(human.stdout, /keyframes\s+every 2 s \(segments: 2 s\)/);
    const watched = await watchStatus(app.dataDir, 'conf', 2);
    assert.equal(watched.code, 0);
    assert.equal(watched.documents.length, 2);
    assert.equal(watched.documents[1].state, 'publishing');

    const metrics = await (await fetch(`${app.platformUrl}/metrics`)).text();
    assert.match(metrics, /^streamgate_stream_publishing\{event="conf"\} 1$/m);
    assert.match(metrics, /^streamgate_stream_width\{event="conf"\} 640$/m);
    assert.match(metrics, /^streamgate_stream_keyframe_interval_seconds\{event="conf"\} 2$/m);

    const preview = await api.call('POST', '/api/admin/events/conf/preview');
    assert.equal(preview.status, 200);
    assert.equal(preview.json.latency, 'normal', 'the preview plays as viewers do: hls.js low-latency mode only for a low-latency event');
    for (const url of [`${app.platformUrl}${preview.json.playbackUrl}`, `${app.edgeUrl}/streams/conf/index.m3u8`]) {
      const playlist = await fetch(url, { headers: { authorization: `Bearer ${preview.json.token}` } });
      assert.equal(playlist.status, 200, url);
      assert.match(await playlist.text(), /^#EXTM3U/);
    }
    const audit = await api.call('GET', '/api/admin/audit?action=event.preview');
    assert.equal(audit.json.entries.length, 1);
    assert.equal(audit.json.entries[0].target, 'conf');
    assert.deepEqual((await api.call('GET', '/api/admin/sessions?eventId=conf')).json, [], 'a preview is no viewer');
    const heartbeat = await fetch(`${app.platformUrl}/api/sessions/heartbeat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${preview.json.token}` },
      body: JSON.stringify({ sessionId: 'preview' }),
    });
    assert.notEqual(heartbeat.status, 200, 'a preview token opens no session');
    assert.equal((await api.call('POST', '/api/admin/events/nope/preview')).status, 404);
  });

  it('warns about a publisher sending keyframes every 6 s', async (t) => {
    const app = await startAppliance(t);
    const api = await adminApi(app);
    publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 90, { keyframeSeconds: 6 });
    const health = await healthWith(api, 'conf', (h) => h.warnings.some((w: { code: string }) => w.code === 'keyframe_interval'));
    assert.equal(health.figures.keyframeIntervalSeconds, 6);
    const human = await runCli(['events', 'status', 'conf'], { dataDir: app.dataDir });
    assert.match(human.stdout, /warning\s+Keyframe interval is 6 s but segments are 2 s/);
  });
});
