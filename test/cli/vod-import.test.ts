import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';

/** A short recording made by the real ffmpeg. */
function recording(dir: string, name: string, codecArgs: string[], seconds = 4): string {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine',
    '-t', String(seconds), ...codecArgs, file,
  ]);
  return file;
}

async function durationOf(playlist: string): Promise<number> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', playlist]);
  return Number(stdout);
}

describe('streamgate vod import', () => {
  it('copies an H.264/AAC recording into VOD HLS and the event becomes rewatchable (ended)', async (t) => {
    const dataDir = await initialisedDataDir(t, ['--title', 'Conf', '--id', 'conf', '--ladder', '720p,360p']);
    const file = recording(path.dirname(dataDir), 'talk.mp4', ['-c:v', 'libx264', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac']);
    const result = await runCli(['vod', 'import', 'conf', file, '--json'], { dataDir });
    assert.equal(result.code, 0, result.stderr);
    const body = json(result);
    assert.equal(body.transcoded, false);
    const playlist = fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8');
    assert.match(playlist, /#EXT-X-PLAYLIST-TYPE:VOD/);
    assert.match(playlist, /#EXT-X-ENDLIST/);
    assert.ok((playlist.match(/seg_\d+\.ts/g) ?? []).length >= 2);
    assert.ok(Math.abs((await durationOf(path.join(dataDir, 'hls', 'conf', 'index.m3u8'))) - 4) < 0.5);
    const event = json(await runCli(['events', 'show', 'conf', '--json'], { dataDir }));
    assert.equal(event.status, 'ended');
    assert.equal(event.ladder, 'copy', 'the recording is one rendition, and a publisher continuing it appends to it');

    const relayout = await runCli(['events', 'update', 'conf', '--ladder', '720p,360p'], { dataDir });
    assert.equal(relayout.code, 2, 'a recorded event keeps its layout: a ladder would hide the recording');
    assert.match(relayout.stderr, /has a recording made as copy: its live output cannot change now/);
    assert.equal((await runCli(['events', 'update', 'conf', '--ladder', 'copy', '--title', 'Talk'], { dataDir })).code, 0, 'the same ladder is no change');
  });

  it('transcodes what browsers cannot play as it is', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const file = recording(path.dirname(dataDir), 'old.avi', ['-c:v', 'mpeg4', '-c:a', 'mp2'], 2);
    const result = await runCli(['vod', 'import', 'conf', file, '--json'], { dataDir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(json(result).transcoded, true);
    const probe = execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name', '-of', 'csv=p=0', path.join(dataDir, 'hls', 'conf', 'seg_00000.ts')]);
    // MPEG-TS lists the stream once per program too: every entry must say h264.
    assert.deepEqual([...new Set(probe.toString().split(/\s+/).filter(Boolean))], ['h264']);
  });

  it('leaves the old VOD intact when an import fails', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const file = recording(path.dirname(dataDir), 'talk.mp4', ['-c:v', 'libx264', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac'], 2);
    assert.equal((await runCli(['vod', 'import', 'conf', file], { dataDir })).code, 0);
    const before = fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8');

    const garbage = path.join(path.dirname(dataDir), 'garbage.mp4');
    fs.writeFileSync(garbage, 'not a video');
    const unreadable = await runCli(['vod', 'import', 'conf', garbage], { dataDir });
    assert.equal(unreadable.code, 2);
    assert.match(unreadable.stderr, /not a video/);

    // ffprobe reads the file, then "ffmpeg" fails half-way: /usr/bin/false stands in for it.
    const failing = await runCli(['vod', 'import', 'conf', file], { dataDir, env: { FFMPEG_PATH: '/usr/bin/false' } });
    assert.equal(failing.code, 1);
    assert.match(failing.stderr, /ffmpeg failed/);
    assert.equal(fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8'), before);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'hls')), ['conf'], 'no staging folder left behind');
  });

  it('refuses an unknown event, a missing file and an archived event (exit 2)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    assert.equal((await runCli(['vod', 'import', 'nope', '/etc/hostname'], { dataDir })).code, 2);
    const missing = await runCli(['vod', 'import', 'conf', '/nonexistent.mp4'], { dataDir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /does not exist/);
    await runCli(['events', 'archive', 'conf'], { dataDir });
    const archived = await runCli(['vod', 'import', 'conf', '/etc/hostname'], { dataDir });
    assert.equal(archived.code, 2);
    assert.match(archived.stderr, /archived/);
  });
});
