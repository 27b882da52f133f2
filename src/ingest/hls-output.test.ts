import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseLadder } from '../core/events/ladder.js';
import { finalisePlaylists, liveHlsArgs, livePlaylists, reopenPlaylists } from './hls-output.js';

function tempDir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-hls-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const MEDIA = '#EXTM3U\n#EXT-X-PLAYLIST-TYPE:EVENT\n#EXTINF:2.0,\nseg_00000.ts\n';

describe('finalisePlaylists', () => {
  it('ends a media playlist once, however often it is called', (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'index.m3u8'), MEDIA);
    assert.equal(finalisePlaylists(dir), 1);
    assert.equal(finalisePlaylists(dir), 0);
    assert.equal(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8'), `${MEDIA}#EXT-X-ENDLIST\n`);
  });

  it('ends every rendition a master playlist lists, and nothing outside the folder', (t) => {
    const dir = tempDir(t);
    for (const r of ['720p', '360p']) {
      fs.mkdirSync(path.join(dir, r));
      fs.writeFileSync(path.join(dir, r, 'index.m3u8'), MEDIA);
    }
    fs.writeFileSync(path.join(dir, 'index.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n720p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../elsewhere/index.m3u8\n');
    assert.equal(finalisePlaylists(dir), 2);
    assert.ok(!fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8').includes('ENDLIST'), 'the master has no ENDLIST');
  });

  it('is undone by reopenPlaylists, for a publisher who comes back', (t) => {
    const dir = tempDir(t);
    fs.writeFileSync(path.join(dir, 'index.m3u8'), MEDIA);
    finalisePlaylists(dir);
    assert.equal(reopenPlaylists(dir), 1);
    assert.equal(fs.readFileSync(path.join(dir, 'index.m3u8'), 'utf8'), MEDIA);
  });

  it('does nothing where nothing was written', (t) => {
    assert.equal(finalisePlaylists(path.join(tempDir(t), 'never-live')), 0);
  });
});

const BOTH_COPY = { video: 'copy', audio: 'copy' } as const;

/** The values following each occurrence of `flag`. */
function valuesOf(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1]!] : []));
}

describe('liveHlsArgs', () => {
  it('reads FLV from stdin, so no stream key is ever in FFmpeg argv, and leaves ending the playlist to us', () => {
    const args = liveHlsArgs('/data/hls/conf', [], 2, BOTH_COPY);
    assert.deepEqual(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2), ['-i', 'pipe:0']);
    assert.match(args[args.indexOf('-hls_flags') + 1]!, /omit_endlist/);
    assert.ok(!args.some((a) => a.startsWith('rtmp:')));
  });

  // Each case: the tracks the publisher was seen to send → exactly those are mapped, no `?` guess.
  const cases = [
    { name: 'copy, video and audio', ladder: 'copy', packaging: BOTH_COPY, maps: ['0:v:0', '0:a:0'], streamMap: undefined },
    { name: 'copy, video only', ladder: 'copy', packaging: { video: 'copy', audio: null }, maps: ['0:v:0'], streamMap: undefined },
    { name: 'copy, audio only', ladder: 'copy', packaging: { video: null, audio: 'copy' }, maps: ['0:a:0'], streamMap: undefined },
    { name: 'copy, MP3 audio made AAC', ladder: 'copy', packaging: { video: null, audio: 'encode' }, maps: ['0:a:0'], streamMap: undefined },
    { name: 'ladder, video and audio', ladder: '360p,240p', packaging: { video: 'encode', audio: 'encode' }, maps: ['[v0]', '[v1]', '0:a:0', '0:a:0'], streamMap: 'v:0,a:0,name:360p v:1,a:1,name:240p' },
    { name: 'ladder, video only', ladder: '360p,240p', packaging: { video: 'encode', audio: null }, maps: ['[v0]', '[v1]'], streamMap: 'v:0,name:360p v:1,name:240p' },
    { name: 'ladder, audio only: one audio rendition', ladder: '360p,240p', packaging: { video: null, audio: 'encode' }, maps: ['0:a:0'], streamMap: 'a:0,name:audio' },
  ] as const;
  for (const c of cases) {
    it(`maps the tracks that are there: ${c.name}`, () => {
      const args = liveHlsArgs('/data/hls/conf', parseLadder(c.ladder), 2, c.packaging);
      assert.deepEqual(valuesOf(args, '-map'), c.maps);
      assert.ok(!args.some((a) => a.endsWith('?')), 'no optional mapping');
      assert.equal(valuesOf(args, '-var_stream_map')[0], c.streamMap);
      if (!c.packaging.video) assert.ok(!args.includes('-c:v') && !args.includes('-filter_complex'));
      if (!c.packaging.audio) assert.ok(!args.includes('-c:a'));
      if (c.packaging.audio === 'encode') assert.equal(valuesOf(args, '-c:a')[0], 'aac');
    });
  }

  it('watches the first rendition, or the audio one, for the first segment', () => {
    assert.deepEqual(livePlaylists([], BOTH_COPY), ['index.m3u8']);
    assert.deepEqual(livePlaylists(parseLadder('360p,240p'), { video: 'encode', audio: 'encode' }), ['360p/index.m3u8', '240p/index.m3u8']);
    assert.deepEqual(livePlaylists(parseLadder('360p,240p'), { video: null, audio: 'encode' }), ['audio/index.m3u8']);
  });
});
