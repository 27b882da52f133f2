import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseLlPlaylist } from '../../src/core/ll-hls/ll-playlist-parse.js';
import { ffmpegFragmentedMp4 } from '../../src/ingest/ll-hls/fmp4-fixture.js';
import { Fmp4Splitter, type Fragment, type InitSegment } from '../../src/ingest/ll-hls/fmp4-splitter.js';
import { PART_TARGET_SECONDS } from '../../src/ingest/ll-hls/ll-hls-args.js';
import { LlSegmenter } from '../../src/ingest/ll-hls/ll-segmenter.js';
import { runCli } from '../helpers/cli.js';
import { startTestEdge, type TestEdge } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';

// LL-HLS at a local edge (RFC 8216bis 6.2.5): blocking playlist reloads, delta playlists and
// preload-hinted parts, fed by the real segmenter writing real FFmpeg fragments in real time.

const PART_MS = 200;

/** The event "conf" going live: 8 s written at once, then a part every 200 ms; `writtenAt` says when each playlist write landed. */
function startFeeding(t: { after(fn: () => unknown): void }, dataDir: string) {
  let init: InitSegment | null = null;
  const fragments: Fragment[] = [];
  new Fmp4Splitter({ onInit: (i) => (init = i), onFragment: (f) => fragments.push(f) }).push(ffmpegFragmentedMp4(40));
  const writes: { at: number; msn: number; parts: number }[] = [];
  const segmenter = new LlSegmenter({
    dir: path.join(dataDir, 'hls', 'conf'), segmentSeconds: 1, partTarget: PART_TARGET_SECONDS, clock: Date.now,
    onPlaylist: (p) => writes.push({ at: Date.now(), msn: p.pending.msn, parts: p.pending.parts.length }),
  });
  segmenter.init(init!);
  let next = 0;
  while (next < 40) segmenter.fragment(fragments[next++]!);
  const timer = setInterval(() => {
    try {
      if (next < fragments.length) segmenter.fragment(fragments[next++]!);
      else clearInterval(timer);
    } catch {
      clearInterval(timer); // the test is over and its data directory gone (clean-ups run in the order registered)
    }
  }, PART_MS);
  t.after(() => clearInterval(timer));
  return { writes, stop: () => clearInterval(timer) };
}

async function setup(t: { after(fn: () => unknown): void }) {
  const platform = await startTestPlatform(t);
  const feed = startFeeding(t, platform.dataDir);
  const edge = await startTestEdge(t, platform);
  const [code] = await platform.codes(1);
  const token = (await platform.post('/api/tokens/validate', { code, deviceId: 'device-llll' })).json.token as string;
  return { platform, edge, feed, code: code!, token };
}

const get = (edge: TestEdge, file: string, token?: string) =>
  fetch(`${edge.url}/streams/conf/${file}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });

/**
 * Resolves right after the fixture's next playlist write: requests made then for the pending part
 * all arrive with most of a part duration (200 ms) to spare, before that part appears.
 */
async function justAfterAWrite(feed: { writes: unknown[] }): Promise<void> {
  const count = feed.writes.length;
  while (feed.writes.length === count) await sleep(2);
}

const onDisk = (dataDir: string) => parseLlPlaylist(fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8'))!;

describe('edge: LL-HLS blocking reloads and preload hints', () => {
  it('holds a reload for the next part and answers within one part duration of the part appearing, reload after reload', async (t) => {
    const { platform, edge, feed, token } = await setup(t);
    let { pending } = onDisk(platform.dataDir);
    let msn = pending.msn;
    let part = pending.parts.length;
    const delays: number[] = [];
    for (let i = 0; i < 8; i += 1) {
      const asked = Date.now();
      const response = await get(edge, `index.m3u8?_HLS_msn=${msn}&_HLS_part=${part}`, token);
      const answered = Date.now();
      assert.equal(response.status, 200);
      const playlist = parseLlPlaylist(await response.text())!;
      const whole = playlist.segments.some((s) => s.msn === msn);
      assert.ok(whole || (playlist.pending.msn === msn && playlist.pending.parts.length > part), `reload ${i}: msn ${msn} part ${part} is in the answer`);
      // The write that brought it: the first one at or after the request that lists it.
      const write = feed.writes.find((w) => w.at >= asked - 5 && (w.msn > msn || (w.msn === msn && w.parts > part)));
      assert.ok(write, `reload ${i}: a write listed it`);
      delays.push(answered - write.at);
      // As hls.js does: ask for the part after the last one listed.
      ({ pending } = playlist);
      [msn, part] = pending.parts.length > 0 ? [pending.msn, pending.parts.length] : [pending.msn, 0];
    }
    // Within one part duration of the part appearing (typically a few ms); a machine busy with other
    // tests may delay one answer, never most of them.
    delays.sort((a, b) => a - b);
    assert.ok(delays[Math.floor(delays.length / 2)]! < PART_MS, `answered ${delays.join(', ')} ms after the parts appeared`);
    assert.ok(delays.at(-1)! < 2 * PART_MS, `answered ${delays.join(', ')} ms after the parts appeared`);
  });

  it('hands out the part the preload hint names as soon as it is written', async (t) => {
    const { platform, edge, feed, token } = await setup(t);
    const hint = onDisk(platform.dataDir).preloadHint!;
    const response = await get(edge, hint, token);
    const answered = Date.now();
    assert.equal(response.status, 200);
    const bytes = Buffer.from(await response.arrayBuffer());
    assert.deepEqual(bytes, fs.readFileSync(path.join(platform.dataDir, 'hls', 'conf', hint)));
    assert.ok(answered - feed.writes.at(-1)!.at < PART_MS + 50, 'answered right after it was written');
    assert.equal((await get(edge, 'part_0_99999.m4s', token)).status, 404, 'a part no hint names is not waited for');
  });

  it('answers a delta playlist for _HLS_skip=YES, and 400 for what is malformed or too far ahead', async (t) => {
    const { platform, edge, token } = await setup(t);
    const delta = await (await get(edge, 'index.m3u8?_HLS_skip=YES', token)).text();
    assert.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=[1-9]\d*\n/);
    const { pending } = onDisk(platform.dataDir);
    // Far enough ahead to stay too far while the stream moves on (a segment is 5 parts here).
    for (const query of [`_HLS_msn=${pending.msn + 6}`, `_HLS_msn=${pending.msn + 1}&_HLS_part=10`, '_HLS_part=1', '_HLS_msn=x', '_HLS_msn=1&_HLS_msn=2']) {
      assert.equal((await get(edge, `index.m3u8?${query}`, token)).status, 400, query);
    }
  });

  it('answers every viewer held for the same part, each in the form asked for (full or delta), from one parse of the playlist', async (t) => {
    const { platform, edge, token } = await setup(t);
    const { pending } = onDisk(platform.dataDir);
    const next = `_HLS_msn=${pending.msn}&_HLS_part=${pending.parts.length}`;
    const ask = (query: string) => get(edge, `index.m3u8?${query}`, token).then(async (r) => ({ status: r.status, text: await r.text() }));
    const [full, delta] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => ask(next))),
      Promise.all(Array.from({ length: 20 }, () => ask(`${next}&_HLS_skip=YES`))),
    ]);
    assert.deepEqual([...full, ...delta].map((a) => a.status), Array(40).fill(200));
    for (const answer of full) {
      const playlist = parseLlPlaylist(answer.text)!;
      assert.ok(playlist.segments.some((s) => s.msn === pending.msn) || playlist.pending.parts.length > pending.parts.length, 'the part asked for is listed');
    }
    // A delta is of the same version as a full answer: the same preload hint, the part asked for before it.
    const hint = (text: string) => /#EXT-X-PRELOAD-HINT:.*/.exec(text)?.[0];
    for (const answer of delta) assert.ok(full.some((f) => hint(f.text) === hint(answer.text)), 'the delta is of a version a full answer had');
    assert.ok(full.every((a) => !a.text.includes('#EXT-X-SKIP')) && delta.every((a) => /#EXT-X-SKIP:SKIPPED-SEGMENTS=[1-9]/.test(a.text)), 'each got the form it asked for');
    // Woken by the same write, all read the same version (allowing one more write landing meanwhile).
    assert.ok(new Set(full.map((a) => a.text)).size <= 2 && new Set(delta.map((a) => a.text)).size <= 2);
  });

  it('checks the token before holding, and gives up with 503 after three target durations without the part', async (t) => {
    const { platform, edge, feed, token } = await setup(t);
    const { pending } = onDisk(platform.dataDir);
    assert.equal((await get(edge, `index.m3u8?_HLS_msn=${pending.msn + 1}`)).status, 401);
    feed.stop();
    await sleep(50);
    const { pending: last } = onDisk(platform.dataDir);
    const asked = Date.now();
    const response = await get(edge, `index.m3u8?_HLS_msn=${last.msn}&_HLS_part=${last.parts.length}`, token);
    assert.equal(response.status, 503);
    const waited = Date.now() - asked;
    assert.ok(waited >= 2_900 && waited < 4_000, `gave up after ${waited} ms (target duration 1 s)`);
  });

  it('stops a viewer whose code is revoked within 1 s, held requests included', async (t) => {
    const { platform, edge, token, code } = await setup(t);
    let refusedAt: number | null = null;
    const player = (async () => {
      while (refusedAt === null) {
        const { pending } = onDisk(platform.dataDir);
        const response = await get(edge, `index.m3u8?_HLS_msn=${pending.msn}&_HLS_part=${pending.parts.length}`, token);
        if (response.status === 403) refusedAt = Date.now();
        else assert.equal(response.status, 200);
      }
    })();
    await sleep(1_000);
    const revoke = await runCli(['tokens', 'revoke', code], { dataDir: platform.dataDir });
    assert.equal(revoke.code, 0);
    const revokedAt = Date.now();
    await Promise.race([player, sleep(3_000)]);
    assert.ok(refusedAt !== null, 'the viewer was refused');
    assert.ok(refusedAt - revokedAt < 1_000, `refused ${refusedAt - revokedAt} ms after the revocation`);
  });

  it('through a proxy edge: forwards blocking reloads to the origin, one upstream request per part however many viewers ask', async (t) => {
    const { platform, edge: origin, feed, token } = await setup(t);
    const proxy = await startTestEdge(t, platform, { edgeMode: 'proxy', edgeOriginUrl: origin.url, dataDir: '/nonexistent' });
    const upstream = async () => Number(/^streamgate_edge_upstream_fetches_total (\d+)/m.exec(await (await fetch(`${proxy.url}/metrics`)).text())?.[1] ?? 0);
    const before = await upstream();
    // Twenty viewers arriving while the part appears would need two upstream requests, rightly.
    await justAfterAWrite(feed);
    const { pending } = onDisk(platform.dataDir);
    const asked = Date.now();
    const answers = await Promise.all(Array.from({ length: 20 }, () => get(proxy, `index.m3u8?_HLS_msn=${pending.msn}&_HLS_part=${pending.parts.length}`, token)));
    const answered = Date.now();
    assert.ok(answers.every((a) => a.status === 200));
    const playlist = parseLlPlaylist(await answers[0]!.text())!;
    assert.ok(playlist.segments.some((s) => s.msn === pending.msn) || playlist.pending.parts.length > pending.parts.length, 'the part asked for is listed');
    assert.equal((await upstream()) - before, 1, 'one held upstream request for the 20 viewers');
    const write = feed.writes.find((w) => w.at >= asked - 5)!;
    assert.ok(answered - write.at < 2 * PART_MS, `answered ${answered - write.at} ms after the part appeared (one hop more)`);
    assert.equal((await get(proxy, `index.m3u8?_HLS_msn=${pending.msn + 8}`, token)).status, 400, 'the origin\'s 400 is passed on');
    assert.equal((await get(proxy, `index.m3u8?_HLS_msn=${pending.msn + 1}`)).status, 401, 'the proxy checks the token itself');
  });
});
