import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockingTimeoutMs, readReloadRequest, reloadReadiness } from './blocking-reload.js';
import type { LlPlaylist } from './ll-playlist.js';

const part = (n: number) => ({ uri: `part_0_${n}.m4s`, duration: 0.2, independent: n % 10 === 0 });
const segment = (msn: number) => ({ msn, uri: `seg_${msn}.m4s`, duration: 2, parts: [], initUri: 'init_0.mp4', discontinuity: false, programDateTime: null });

/** Segments 0–4 whole, segment 5 being built with 3 parts. */
const live: LlPlaylist = {
  targetDuration: 2,
  partTarget: 0.235,
  segments: [0, 1, 2, 3, 4].map(segment),
  pending: { msn: 5, parts: [part(50), part(51), part(52)], initUri: 'init_0.mp4', discontinuity: false, programDateTime: null },
  preloadHint: 'part_0_53.m4s',
  ended: false,
};

describe('reloadReadiness', () => {
  const cases: Array<[string, number, number | null, string]> = [
    ['a whole segment already listed', 4, null, 'ready'],
    ['a part of an earlier, whole segment', 4, 9, 'ready'],
    ['a listed part of the segment being built', 5, 2, 'ready'],
    ['the next part (the preload hint)', 5, 3, 'wait'],
    ['the segment being built, whole', 5, null, 'wait'],
    ['the next segment', 6, null, 'wait'],
    ['the next segment\'s first part', 6, 0, 'wait'],
    ['three parts ahead (the Advance Part Limit)', 5, 5, 'wait'],
    ['four parts ahead', 5, 6, 'too-far'],
    ['the segment after next, beyond the last one plus two', 8, null, 'too-far'],
    ['the last one plus two', 7, null, 'wait'],
  ];
  for (const [what, msn, partNumber, expected] of cases) {
    it(`${expected} for ${what} (msn ${msn}${partNumber === null ? '' : `, part ${partNumber}`})`, () => {
      assert.equal(reloadReadiness(live, msn, partNumber), expected);
    });
  }

  it('answers everything at once when the stream has ended', () => {
    assert.equal(reloadReadiness({ ...live, ended: true }, 99, 3), 'ready');
  });

  it('waits for the next segment right after one closed (no parts yet)', () => {
    const closed = { ...live, segments: [...live.segments, segment(5)], pending: { ...live.pending, msn: 6, parts: [] } };
    assert.equal(reloadReadiness(closed, 6, 0), 'wait');
    assert.equal(reloadReadiness(closed, 5, 3), 'ready', 'part 3 of segment 5 never came: the segment closed, so it is ready');
    assert.equal(reloadReadiness(closed, 8, null), 'too-far');
  });

  it('gives up on a held request after three target durations', () => {
    assert.equal(blockingTimeoutMs(live), 6_000);
  });
});

describe('readReloadRequest', () => {
  const cases: Array<[Record<string, unknown>, unknown]> = [
    [{}, { msn: null, part: null, skip: false }],
    [{ _HLS_msn: '12' }, { msn: 12, part: null, skip: false }],
    [{ _HLS_msn: '12', _HLS_part: '0', _HLS_skip: 'YES' }, { msn: 12, part: 0, skip: true }],
    [{ _HLS_skip: 'v2' }, { msn: null, part: null, skip: true }],
    [{ _HLS_part: '3' }, { error: '_HLS_part needs _HLS_msn' }],
    [{ _HLS_msn: '-1' }, { error: '_HLS_msn must be a whole number' }],
    [{ _HLS_msn: '1e3' }, { error: '_HLS_msn must be a whole number' }],
    [{ _HLS_msn: '01' }, { error: '_HLS_msn must be a whole number' }],
    [{ _HLS_msn: '99999999999' }, { error: '_HLS_msn must be a whole number' }],
    [{ _HLS_msn: '1', _HLS_part: 'x' }, { error: '_HLS_part must be a whole number' }],
    [{ _HLS_msn: ['1', '2'] }, { error: '_HLS_msn is given more than once' }],
    [{ _HLS_skip: 'NO' }, { error: '_HLS_skip must be YES or v2' }],
  ];
  for (const [query, expected] of cases) {
    it(`${JSON.stringify(query)} → ${JSON.stringify(expected)}`, () => assert.deepEqual(readReloadRequest(query), expected));
  }
});
