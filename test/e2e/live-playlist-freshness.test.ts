import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publish, segmentsOf, startAppliance, waitFor } from '../helpers/appliance.js';
import { runInOnePass } from '../helpers/test-database.js';

// Media through FFmpeg, the edge and a player; the database barely takes part: one pass runs it.
runInOnePass();

// The edge serves playlists from memory (EDGE_CACHE_MB), refreshed when the ingest renames a new
// one over the old. During a real publish (FFmpeg → RTMP → ingest → HLS), a viewer must never be
// handed a playlist older than the newest segment on disk by more than one segment.

describe('live playlists from the edge during a publish', () => {
  it('are never more than one segment behind the playlist on disk, at the edge port and under /streams of the platform', async (t) => {
    const app = await startAppliance(t, { HLS_SEGMENT_SECONDS: '1' });
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 14, { keyframeSeconds: 1 });
    await waitFor('status live', async () => (await app.status()) === 'live');
    const token = await app.token();
    const bases = [app.edgeUrl, app.platformUrl];
    let checks = 0;
    let grew = 0;
    let last = 0;
    while (publisher.child.exitCode === null) {
      for (const base of bases) {
        const onDisk = segmentsOf(app.playlist()).length; // read before the request: the disk only grows
        const response = await fetch(`${base}/streams/conf/index.m3u8`, { headers: { Authorization: `Bearer ${token}` } });
        assert.equal(response.status, 200);
        const served = segmentsOf(await response.text()).length;
        assert.ok(served >= onDisk - 1, `${base} served ${served} segments while the disk had ${onDisk}`);
        checks++;
        if (served > last) grew++;
        last = Math.max(last, served);
      }
      await sleep(25);
    }
    assert.ok(checks > 100, `${checks} checks`);
    assert.ok(grew >= 5, `the served playlist grew ${grew} times`);
  });
});
