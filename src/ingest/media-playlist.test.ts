import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepMediaPlaylist, roundedSeconds, targetDurationOf, wholeSegmentDurations } from './media-playlist.js';

const HEADER = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-INDEPENDENT-SEGMENTS'];
const ffmpeg = (...segments: string[]) => `${[...HEADER, ...segments].join('\n')}\n`;
const seg = (n: number, seconds: number, discontinuity = false) =>
  `${discontinuity ? '#EXT-X-DISCONTINUITY\n' : ''}#EXTINF:${seconds.toFixed(6)},\nseg_${String(n).padStart(5, '0')}.ts`;
const uncut = () => null;

describe('roundedSeconds (RFC 8216 §4.3.3.1 rounds halves up; FFmpeg rounds them to even)', () => {
  const cases: [number, number][] = [[2, 2], [2.4, 2], [2.5, 3], [3.5, 4], [1.999, 2], [0.5, 1]];
  for (const [seconds, rounded] of cases) it(`${seconds} → ${rounded}`, () => assert.equal(roundedSeconds(seconds), rounded));
});

describe('targetDurationOf', () => {
  const cases: [string, string | null, string, number][] = [
    ['the segment length for a new playlist of 2 s segments', null, ffmpeg(seg(0, 2)), 2],
    ['what a 2.5 s keyframe interval needs', null, ffmpeg(seg(0, 2.5)), 3],
    ['what an 8 s keyframe interval needs', null, ffmpeg(seg(0, 8)), 8],
    ['never below the segment length', null, ffmpeg(seg(0, 1)), 2],
    ['the served playlist\'s own once written, whatever comes', '#EXTM3U\n#EXT-X-TARGETDURATION:3\n', ffmpeg(seg(0, 8)), 3],
  ];
  for (const [name, served, text, target] of cases) it(name, () => assert.equal(targetDurationOf(served, text, 2), target));
});

describe('keepMediaPlaylist', () => {
  it('serves the fixed target duration once, and no discontinuity before the first segment', () => {
    const kept = keepMediaPlaylist(ffmpeg(seg(0, 2.5, true), seg(1, 2.5)), 3, uncut);
    assert.equal(kept.text, `${['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:3', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-PLAYLIST-TYPE:EVENT', '#EXT-X-INDEPENDENT-SEGMENTS', seg(0, 2.5), seg(1, 2.5)].join('\n')}\n`);
    assert.equal(kept.segmentCount, 2);
  });

  it('keeps a later discontinuity (a publisher back after a break) and the end of the list', () => {
    const kept = keepMediaPlaylist(`${ffmpeg(seg(0, 2), seg(1, 2, true))}#EXT-X-ENDLIST\n`, 2, uncut);
    assert.match(kept.text, /seg_00000\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2\.000000,\nseg_00001\.ts\n#EXT-X-ENDLIST\n$/);
  });

  it('stops listing before a segment too long for the target until it has been cut, then lists its pieces', () => {
    const text = ffmpeg(seg(0, 2), seg(1, 8, true), seg(2, 8));
    const before = keepMediaPlaylist(text, 2, uncut);
    assert.equal(before.segmentCount, 1);
    assert.deepEqual(before.uncut, { uri: 'seg_00001.ts', duration: 8 });

    const pieces = (uri: string) => [0, 1, 2, 3].map((i) => ({ uri: uri.replace('.ts', `-${i}.ts`), duration: 2 }));
    const after = keepMediaPlaylist(text, 2, pieces);
    assert.equal(after.segmentCount, 9);
    assert.equal(after.uncut, null);
    assert.match(after.text, /seg_00000\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2\.000000,\nseg_00001-0\.ts\n#EXTINF:2\.000000,\nseg_00001-1\.ts\n/);
    assert.equal((after.text.match(/DISCONTINUITY/g) ?? []).length, 1, 'the pieces of one segment are continuous');
  });

  it('leaves out, after a discontinuity, a segment that could not be cut', () => {
    const kept = keepMediaPlaylist(ffmpeg(seg(0, 2), seg(1, 8), seg(2, 2)), 2, () => []);
    assert.match(kept.text, /seg_00000\.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2\.000000,\nseg_00002\.ts\n$/);
  });

  it('gives the same text for the same input (segments keep their numbers between reloads)', () => {
    const text = ffmpeg(seg(0, 2.5), seg(1, 2.5));
    assert.equal(keepMediaPlaylist(text, 3, uncut).text, keepMediaPlaylist(text, 3, uncut).text);
  });
});

describe('wholeSegmentDurations', () => {
  it('leaves out the last segment of each publish, which ends where the publisher stopped', () => {
    assert.deepEqual(wholeSegmentDurations(ffmpeg(seg(0, 2), seg(1, 1.2), seg(2, 2, true), seg(3, 2), seg(4, 0.4))), [2, 2, 2]);
  });
});
