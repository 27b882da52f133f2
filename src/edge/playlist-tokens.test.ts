import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addTokenToPlaylist } from './playlist-tokens.js';

describe('addTokenToPlaylist', () => {
  it('adds the token to segment lines and URI attributes, and nothing else', () => {
    const input = [
      '#EXTM3U',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="audio/index.m3u8?x=1"',
      '#EXTINF:2.000,',
      'seg_000.ts',
      '',
      '#EXT-X-ENDLIST',
    ].join('\n');
    assert.equal(
      addTokenToPlaylist(input, 'a.b-c'),
      [
        '#EXTM3U',
        '#EXT-X-MAP:URI="init.mp4?token=a.b-c"',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",URI="audio/index.m3u8?x=1&token=a.b-c"',
        '#EXTINF:2.000,',
        'seg_000.ts?token=a.b-c',
        '',
        '#EXT-X-ENDLIST',
      ].join('\n'),
    );
  });
});
