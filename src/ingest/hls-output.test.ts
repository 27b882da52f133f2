import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { parseLadder } from '../core/events/ladder.js';
import { failedForWantOfAudio, finalisePlaylists, liveHlsArgs, reopenPlaylists } from './hls-output.js';

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

describe('liveHlsArgs', () => {
  it('reads FLV from stdin, so no stream key is ever in FFmpeg argv, and leaves ending the playlist to us', () => {
    const args = liveHlsArgs('/data/hls/conf', [], 2);
    assert.deepEqual(args.slice(args.indexOf('-i'), args.indexOf('-i') + 2), ['-i', 'pipe:0']);
    assert.match(args[args.indexOf('-hls_flags') + 1]!, /omit_endlist/);
    assert.ok(!args.some((a) => a.startsWith('rtmp:')));
  });

  it('maps no audio into a ladder for a publisher without it, which FFmpeg tells us about', () => {
    const rungs = parseLadder('360p,240p');
    assert.ok(liveHlsArgs('/data/hls/conf', rungs, 2).includes('0:a:0'));
    const videoOnly = liveHlsArgs('/data/hls/conf', rungs, 2, false);
    assert.ok(!videoOnly.includes('0:a:0') && !videoOnly.includes('-c:a'));
    assert.equal(videoOnly[videoOnly.indexOf('-var_stream_map') + 1], 'v:0,name:360p v:1,name:240p');
    assert.ok(failedForWantOfAudio("Stream map '0:a:0' matches no streams.\nTo ignore this, add a trailing '?' to the map."));
  });
});
