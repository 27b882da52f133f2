import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decidePackaging } from './live-packaging.js';

describe('decidePackaging', () => {
  const cases = [
    { tracks: { video: 'h264', audio: 'aac' }, ladder: false, expect: { video: 'copy', audio: 'copy' } },
    { tracks: { video: null, audio: 'aac' }, ladder: false, expect: { video: null, audio: 'copy' } },
    { tracks: { video: null, audio: 'aac' }, ladder: true, expect: { video: null, audio: 'encode' } },
    { tracks: { video: 'h264', audio: null }, ladder: true, expect: { video: 'encode', audio: null } },
    { tracks: { video: null, audio: 'mp3' }, ladder: false, expect: { video: null, audio: 'encode' } },
    { tracks: { video: 'h264', audio: 'speex' }, ladder: false, expect: { video: 'copy', audio: 'encode' } },
    { tracks: { video: 'hevc', audio: 'aac' }, ladder: false, refused: /hevc video; StreamGate packages H.264 only/ },
    { tracks: { video: 'hevc', audio: 'aac' }, ladder: true, refused: /hevc video/ },
    { tracks: { video: 'flv1', audio: null }, ladder: false, refused: /flv1 video/ },
    { tracks: { video: 'h264', audio: 'opus' }, ladder: false, refused: /opus audio, which FFmpeg cannot read/ },
    { tracks: { video: null, audio: null }, ladder: false, refused: /neither audio nor video/ },
  ] as const;
  for (const c of cases) {
    it(`${c.tracks.video ?? 'no video'} + ${c.tracks.audio ?? 'no audio'}, ${c.ladder ? 'ladder' : 'copy'}`, () => {
      const decision = decidePackaging(c.tracks, c.ladder);
      if ('refused' in c) {
        assert.equal(decision.ok, false);
        if (!decision.ok) assert.match(decision.reason, c.refused);
      } else {
        assert.deepEqual(decision, { ok: true, packaging: c.expect });
      }
    });
  }
});
