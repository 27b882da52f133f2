import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseLlPlaylist } from './ll-playlist-parse.js';
import { renderLlPlaylist, skippableSegments, type LlPlaylist } from './ll-playlist.js';

const part = (n: number, duration = 0.2) => ({ uri: `part_0_${n}.m4s`, duration, independent: n % 10 === 0 });
const segment = (msn: number) => ({
  msn, uri: `seg_${msn}.m4s`, duration: 2, parts: Array.from({ length: 10 }, (_, i) => part(msn * 10 + i)),
  initUri: 'init_0.mp4', discontinuity: false, programDateTime: null,
});

function live(segments: number): LlPlaylist {
  return {
    targetDuration: 2,
    partTarget: 0.235,
    segments: Array.from({ length: segments }, (_, i) => segment(i)),
    pending: { msn: segments, parts: [part(segments * 10)], initUri: 'init_0.mp4', discontinuity: false, programDateTime: null },
    preloadHint: `part_0_${segments * 10 + 1}.m4s`,
    ended: false,
  };
}

describe('renderLlPlaylist', () => {
  it('lists parts for the last two whole segments and the one being built only', () => {
    const text = renderLlPlaylist(live(8));
    assert.doesNotMatch(text, /part_0_59\.m4s/);
    assert.match(text, /URI="part_0_60\.m4s",INDEPENDENT=YES/);
    assert.match(text, /URI="part_0_80\.m4s",INDEPENDENT=YES\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part_0_81\.m4s"\n$/);
  });

  it('declares the server control a blocking player needs', () => {
    assert.match(renderLlPlaylist(live(1)), /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12,PART-HOLD-BACK=0\.705\n#EXT-X-PART-INF:PART-TARGET=0\.235\n/);
  });

  it('skips nothing while the playlist is shorter than CAN-SKIP-UNTIL', () => {
    assert.equal(skippableSegments(live(6)), 0);
    assert.doesNotMatch(renderLlPlaylist(live(6), { skip: true }), /EXT-X-SKIP/);
    assert.equal(skippableSegments(live(10)), 4);
  });

  it('reads back what it wrote, live or ended', () => {
    for (const playlist of [live(3), live(12), { ...live(5), ended: true, preloadHint: null }]) {
      const text = renderLlPlaylist(playlist);
      assert.equal(renderLlPlaylist(parseLlPlaylist(text)!), text);
    }
  });

  it('takes no other playlist for its own', () => {
    assert.equal(parseLlPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_00000.ts\n'), null, 'a normal-latency live playlist');
    assert.equal(parseLlPlaylist(''), null);
    assert.equal(parseLlPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_00000.ts\n#EXT-X-ENDLIST\n'), null, 'a normal-latency VOD');
    assert.equal(parseLlPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg_00000.m4s\n#EXT-X-ENDLIST\n'), null, 'an fMP4 VOD of another origin');
    assert.equal(parseLlPlaylist(renderLlPlaylist(live(10), { skip: true })), null, 'a delta playlist');
  });
});
