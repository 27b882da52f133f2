import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PlaylistAnswers } from './playlist-answers.js';
import { addTokenToPlaylist } from './playlist-tokens.js';
import { isPublicSegmentUri, withPublicSegments } from './public-segments.js';

const ENCRYPTED = [
  '#EXTM3U',
  '#EXT-X-TARGETDURATION:2',
  '#EXTINF:2.000,',
  'seg_000.ts',
  '#EXT-X-KEY:METHOD=AES-128,URI="/keys/enc/00112233445566aa",IV=0x00000000000000000000000000000001',
  '#EXTINF:2.000,',
  'seg_001.ts',
  '#EXT-X-KEY:METHOD=NONE',
  '#EXTINF:2.000,',
  'seg_002.ts?x=1',
  '#EXT-X-ENDLIST',
  '',
].join('\n');
const CLEAR = ['#EXTM3U', '#EXT-X-MAP:URI="init.mp4"', '#EXTINF:2.000,', 'seg_000.ts  ', '#EXT-X-ENDLIST', ''].join('\n');
const MASTER = ['#EXTM3U', '#EXT-X-STREAM-INF:BANDWIDTH=800000', 'v360/index.m3u8', ''].join('\n');

/** What the edge served before answers were kept: the rewrites made from scratch. */
function fromScratch(text: string, relativePath: string, base: string | null, token: string | null): string {
  const dir = relativePath.includes('/') ? relativePath.slice(0, relativePath.lastIndexOf('/')) : '';
  const out = base === null ? text : withPublicSegments(text, 'enc', dir, base);
  return token === null ? out : addTokenToPlaylist(out, token, isPublicSegmentUri);
}

describe('PlaylistAnswers', () => {
  const cases = [
    { name: 'encrypted, public segments via a CDN', text: ENCRYPTED, path: 'index.m3u8', base: 'http://cdn.example.test' },
    { name: 'encrypted rendition, public segments here', text: ENCRYPTED, path: 'v360/index.m3u8', base: '' },
    { name: 'encrypted, segments behind the token', text: ENCRYPTED, path: 'index.m3u8', base: null },
    { name: 'in clear, public setting', text: CLEAR, path: 'index.m3u8', base: 'http://cdn.example.test' },
    { name: 'master playlist', text: MASTER, path: 'index.m3u8', base: '' },
  ];
  const tokens = [null, 'eyJ.a-b_c.d', 'needs encoding/+= é', 'sgtoken=token='];

  for (const { name, text, path, base } of cases) {
    it(`answers byte for byte what the rewrites make from scratch: ${name}`, () => {
      const answers = new PlaylistAnswers(base);
      const bytes = Buffer.from(text);
      for (let round = 0; round < 2; round++) {
        for (const token of tokens) {
          const expected = fromScratch(text, path, base, token);
          const fromMemory = answers.answer('enc', path, bytes, token);
          assert.equal(fromMemory ?? text, expected, `token ${token}, round ${round}`);
          assert.equal(answers.answer('enc', path, text, token) ?? text, expected, 'the same for a text that is no file in memory');
          if (token === null) assert.equal(fromMemory === null, expected === text, 'null exactly when the file is served as it is');
        }
      }
    });
  }

  it('keeps the rewrite per version of the file: the same bytes give the same string, new bytes a new rewrite', () => {
    const answers = new PlaylistAnswers('http://cdn.example.test');
    const first = Buffer.from(ENCRYPTED);
    const a = answers.answer('enc', 'index.m3u8', first, null);
    assert.ok(a !== null && a.includes('http://cdn.example.test/segments/enc/seg_001.ts'));
    assert.equal(answers.answer('enc', 'index.m3u8', first, null), a);
    const next = Buffer.from(ENCRYPTED.replace('seg_001.ts', 'seg_009.ts'));
    assert.match(answers.answer('enc', 'index.m3u8', next, null)!, /segments\/enc\/seg_009\.ts/, 'a changed file is rewritten anew');
  });

  it('rewrites() says whether an answer can differ from the file', () => {
    assert.equal(new PlaylistAnswers(null).rewrites(null), false);
    assert.equal(new PlaylistAnswers(null).rewrites('t'), true);
    assert.equal(new PlaylistAnswers('').rewrites(null), true);
  });
});
