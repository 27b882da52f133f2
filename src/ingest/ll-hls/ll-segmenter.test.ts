import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import * as HLS from 'hls-parser';
import { parseLlPlaylist } from '../../core/ll-hls/ll-playlist-parse.js';
import { renderLlPlaylist } from '../../core/ll-hls/ll-playlist.js';
import { ffmpegFragmentedMp4 } from './fmp4-fixture.js';
import { Fmp4Splitter, type Fragment, type InitSegment } from './fmp4-splitter.js';
import { LL_PLAYLIST, LlSegmenter } from './ll-segmenter.js';

HLS.setOptions({ strictMode: true, silent: true });

/** The ingest's: FFmpeg's 200 ms fragments are ≥ 85 % of it, and its long first one (~221 ms) within it. */
const PART_TARGET = 0.235;

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-ll-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function splitAll(mp4: Buffer): { init: InitSegment; fragments: Fragment[] } {
  let init: InitSegment | null = null;
  const fragments: Fragment[] = [];
  new Fmp4Splitter({ onInit: (i) => (init = i), onFragment: (f) => fragments.push(f) }).push(mp4);
  return { init: init!, fragments };
}

const attribute = (text: string, tag: string, name: string) => Number(new RegExp(`#${tag}:.*?${name}=([\\d.]+)`).exec(text)?.[1]);
const tolerance = 1e-4;

/**
 * The RFC 8216bis rules a live low-latency playlist is held to, read off its text (hls-parser,
 * strict, for the structure): part durations within PART-TARGET, a segment's parts adding up to
 * it, the hold-backs, a preload hint, every listed file present. Returns the text's facts.
 */
function checkLivePlaylist(dir: string): { text: string; lastMsn: number; parts: number; hint: string; lastPart: string | null } {
  const text = fs.readFileSync(path.join(dir, LL_PLAYLIST), 'utf8');
  const playlist = HLS.parse(text) as HLS.types.MediaPlaylist; // throws on a rule it knows
  assert.match(text, /^#EXTM3U\n#EXT-X-VERSION:9\n/);
  const partTarget = attribute(text, 'EXT-X-PART-INF', 'PART-TARGET');
  const targetDuration = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)![1]);
  assert.match(text, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,/);
  assert.ok(attribute(text, 'EXT-X-SERVER-CONTROL', 'PART-HOLD-BACK') >= 3 * partTarget - tolerance, 'PART-HOLD-BACK is at least 3 part targets');
  assert.ok(attribute(text, 'EXT-X-SERVER-CONTROL', 'CAN-SKIP-UNTIL') >= 6 * targetDuration, 'CAN-SKIP-UNTIL is at least 6 target durations');
  assert.match(text, /#EXT-X-MAP:URI="init_\d+\.mp4"/);
  const parts = [...text.matchAll(/#EXT-X-PART:DURATION=([\d.]+),URI="([^"]+)"/g)].map((m) => ({ duration: Number(m[1]), uri: m[2]! }));
  for (const part of parts) {
    assert.ok(part.duration <= partTarget + tolerance, `part ${part.uri} of ${part.duration} s exceeds PART-TARGET=${partTarget}`);
    assert.ok(fs.existsSync(path.join(dir, part.uri)), `${part.uri} is listed and exists`);
  }
  for (const segment of playlist.segments) {
    if (!segment.uri) continue; // the segment being built: only parts
    assert.ok(Math.floor(segment.duration + 0.5) <= targetDuration, `EXTINF ${segment.duration} within the target duration`);
    assert.ok(fs.existsSync(path.join(dir, segment.uri)), `${segment.uri} exists`);
    if (segment.parts.length === 0) continue;
    const sum = segment.parts.reduce((total, p) => total + p.duration!, 0);
    assert.ok(Math.abs(sum - segment.duration) < 1e-3, `${segment.uri}: parts add up to ${sum}, EXTINF says ${segment.duration}`);
    assert.equal(segment.parts[0]!.independent, true, `${segment.uri} opens on a keyframe`);
  }
  const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(text)?.[1];
  assert.ok(hint, 'a preload hint');
  assert.ok(!fs.existsSync(path.join(dir, hint)), 'the hinted part is yet to come');
  const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1]);
  const whole = (text.match(/^#EXTINF:/gm) ?? []).length;
  const trailing = text.slice(text.lastIndexOf('#EXTINF:')).match(/#EXT-X-PART:/g)?.length ?? 0;
  const pendingParts = whole === 0 ? parts.length : trailing;
  return { text, lastMsn: sequence + whole, parts: pendingParts, hint, lastPart: parts.at(-1)?.uri ?? null };
}

describe('LlSegmenter on real FFmpeg output', () => {
  const mp4 = ffmpegFragmentedMp4(9);

  it('writes a playlist after every part that keeps the RFC 8216bis rules, the hint naming the next part, numbering only growing', (t) => {
    const dir = tempDir(t);
    const { init, fragments } = splitAll(mp4);
    const segmenter = new LlSegmenter({ dir, segmentSeconds: 2, partTarget: PART_TARGET, clock: Date.now });
    segmenter.init(init);
    let previous: { lastMsn: number; parts: number; hint: string } | null = null;
    for (const fragment of fragments) {
      segmenter.fragment(fragment);
      const now = checkLivePlaylist(dir);
      if (previous) {
        assert.equal(now.lastPart, previous.hint, 'the new part is the one the hint named');
        assert.ok(now.lastMsn > previous.lastMsn || (now.lastMsn === previous.lastMsn && now.parts === previous.parts + 1), 'msn/part only grow, a part at a time');
      }
      previous = now;
    }
    assert.ok(segmenter.segmentCount >= 3, `${segmenter.segmentCount} whole segments`);
    const text = fs.readFileSync(path.join(dir, LL_PLAYLIST), 'utf8');
    // Keyframes every second, segments of 2 s: every EXTINF is 2 s (the first one a little longer: FFmpeg's first frame).
    const durations = [...text.matchAll(/#EXTINF:([\d.]+),/g)].map((m) => Number(m[1]));
    assert.ok(durations.slice(1).every((d) => Math.abs(d - 2) < 1e-3), `segments of 2 s: ${durations.join(', ')}`);
    // A segment's file is its parts end to end.
    const listed = (HLS.parse(text) as HLS.types.MediaPlaylist).segments.find((s) => s.uri && s.parts.length > 0)!;
    const parts = listed.parts.map((p) => fs.readFileSync(path.join(dir, p.uri)));
    assert.deepEqual(fs.readFileSync(path.join(dir, listed.uri)), Buffer.concat(parts));
  });

  it('keeps the rules when keyframes fall off the 200 ms grid: a short part ends its segment', (t) => {
    const dir = tempDir(t);
    const { init, fragments } = splitAll(ffmpegFragmentedMp4(8, { keyframeFrames: 28 })); // every 1.12 s
    assert.ok(fragments.some((f) => f.durationSeconds < 0.85 * PART_TARGET), 'FFmpeg cut some fragments short');
    const segmenter = new LlSegmenter({ dir, segmentSeconds: 2, partTarget: PART_TARGET, clock: Date.now });
    segmenter.init(init);
    for (const fragment of fragments) {
      segmenter.fragment(fragment);
      checkLivePlaylist(dir); // hls-parser's strict mode refuses a short part that is not a segment's last
    }
    assert.ok(segmenter.segmentCount >= 3);
  });

  it('renders a delta playlist that skips what lies beyond CAN-SKIP-UNTIL, and reads back its own full playlist unchanged', (t) => {
    const dir = tempDir(t);
    const { init, fragments } = splitAll(ffmpegFragmentedMp4(20));
    const segmenter = new LlSegmenter({ dir, segmentSeconds: 1, partTarget: PART_TARGET, clock: Date.now });
    segmenter.init(init);
    for (const fragment of fragments) segmenter.fragment(fragment);
    const text = fs.readFileSync(path.join(dir, LL_PLAYLIST), 'utf8');
    const playlist = parseLlPlaylist(text)!;
    assert.equal(renderLlPlaylist(playlist), text);
    const delta = renderLlPlaylist(playlist, { skip: true });
    const skipped = Number(/#EXT-X-SKIP:SKIPPED-SEGMENTS=(\d+)/.exec(delta)?.[1]);
    // 1 s target: CAN-SKIP-UNTIL=6, so of ~20 segments those older than the last 6 s go.
    assert.ok(skipped >= 12 && skipped <= 14, `${skipped} skipped`);
    const listed = (delta.match(/^#EXTINF:/gm) ?? []).length;
    assert.equal(listed + skipped, playlist.segments.length);
    assert.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=\d+\n#EXT-X-MAP:URI="init_0\.mp4"\n/);
    assert.equal((HLS.parse(delta) as HLS.types.MediaPlaylist).skip, skipped);
  });

  it('ends as an ordinary VOD of whole segments, parts gone, that ffprobe reads end to end', (t) => {
    const dir = tempDir(t);
    const { init, fragments } = splitAll(mp4);
    const segmenter = new LlSegmenter({ dir, segmentSeconds: 2, partTarget: PART_TARGET, clock: Date.now });
    segmenter.init(init);
    for (const fragment of fragments) segmenter.fragment(fragment);
    segmenter.finish();
    const text = fs.readFileSync(path.join(dir, LL_PLAYLIST), 'utf8');
    assert.doesNotMatch(text, /EXT-X-PART|PRELOAD-HINT|SERVER-CONTROL/);
    assert.match(text, /#EXT-X-PLAYLIST-TYPE:VOD\n/);
    assert.match(text, /#EXT-X-ENDLIST\n$/);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.startsWith('part_')), []);
    const total = [...text.matchAll(/#EXTINF:([\d.]+),/g)].reduce((sum, m) => sum + Number(m[1]), 0);
    assert.ok(Math.abs(total - 9) < 0.1, `${total} s recorded`);
    const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames', '-of', 'json', path.join(dir, LL_PLAYLIST)], { timeout: 30_000 }).toString());
    assert.equal(Number(probe.streams[0].nb_read_frames), 9 * 25, 'every frame plays');
  });

  it('continues an earlier run after a discontinuity, with its own init segment, numbering on', (t) => {
    const dir = tempDir(t);
    const { init, fragments } = splitAll(ffmpegFragmentedMp4(4));
    const first = new LlSegmenter({ dir, segmentSeconds: 2, partTarget: PART_TARGET, clock: Date.now });
    first.init(init);
    for (const fragment of fragments) first.fragment(fragment);
    first.finish();
    const before = first.segmentCount;
    const second = new LlSegmenter({ dir, segmentSeconds: 2, partTarget: PART_TARGET, clock: Date.now });
    second.init(init);
    for (const fragment of fragments.slice(0, 8)) second.fragment(fragment);
    const { text } = checkLivePlaylist(dir);
    assert.match(text, new RegExp(`#EXT-X-DISCONTINUITY\\n#EXT-X-MAP:URI="init_${before}\\.mp4"\\n`));
    assert.equal((text.match(/^#EXTINF:/gm) ?? []).length, before, 'the new run has no whole segment yet (1.6 s)');
    assert.match(text, new RegExp(`URI="part_${before}_0\\.m4s"`));
  });
});
