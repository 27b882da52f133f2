import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
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

/** A recording with sound only, as a radio show or a concert's audio would be. */
function audioRecording(dir: string, name: string, codecArgs: string[], seconds = 4): string {
  const file = path.join(dir, name);
  execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'sine=frequency=440', '-t', String(seconds), ...codecArgs, file]);
  return file;
}

const H264_AAC = ['-c:v', 'libx264', '-g', '50', '-pix_fmt', 'yuv420p', '-c:a', 'aac'];

/**
 * A small real filesystem (tmpfs, which needs root, as CI runs) holding `dir`, so that a full disk
 * is a full disk and not a simulation. It is mounted beside the test's folder and `dir` links to
 * it, so the folder's own clean-up never meets a busy mount point. Unmounted when the test ends.
 */
function smallDisk(t: { after(fn: () => void): void; skip(message: string): void }, dir: string, megabytes: number): boolean {
  const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'streamgate-disk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', mountPoint], { stdio: 'pipe' });
  } catch (error) {
    fs.rmdirSync(mountPoint);
    t.skip(`cannot mount a tmpfs here (needs root): ${String(error)}`);
    return false;
  }
  t.after(() => {
    execFileSync('umount', [mountPoint]);
    fs.rmdirSync(mountPoint);
  });
  fs.symlinkSync(mountPoint, dir);
  return true;
}

/** Writes zeros into `file` until the filesystem refuses more. */
function fillDisk(file: string): void {
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(64 * 1024);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
}

async function durationOf(playlist: string): Promise<number> {
  const { stdout } = await promisify(execFile)('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', playlist]);
  return Number(stdout);
}

/** Resolves once FFmpeg has created its staging folder under `hls`. */
async function waitForStaging(hls: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!fs.readdirSync(hls).some((name) => name.startsWith('.import-'))) {
    if (Date.now() > deadline) throw new Error('no import started');
    await new Promise((r) => setTimeout(r, 2));
  }
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

  it('imports an audio file (.m4a, .mp3, .wav) as an audio-only VOD in AAC', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const dir = path.dirname(dataDir);
    const files = [
      { file: audioRecording(dir, 'show.m4a', ['-c:a', 'aac']), transcoded: false },
      { file: audioRecording(dir, 'show.mp3', ['-c:a', 'libmp3lame']), transcoded: true },
      { file: audioRecording(dir, 'show.wav', ['-c:a', 'pcm_s16le']), transcoded: true },
    ];
    for (const { file, transcoded } of files) {
      const result = await runCli(['vod', 'import', 'conf', file, '--json'], { dataDir });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(json(result).audioOnly, true, file);
      assert.equal(json(result).transcoded, transcoded, file);
      const playlist = path.join(dataDir, 'hls', 'conf', 'index.m3u8');
      assert.match(fs.readFileSync(playlist, 'utf8'), /#EXT-X-ENDLIST/);
      const probe = execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type,codec_name', '-of', 'csv=p=0', playlist]).toString();
      assert.deepEqual([...new Set(probe.split(/\s+/).filter(Boolean))], ['aac,audio'], `${file}: sound only, in AAC`);
      assert.ok(Math.abs((await durationOf(playlist)) - 4) < 0.5, file);
    }
  });

  it('keeps the old VOD and exits 1 when the disk has too little free space for the import', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const dir = path.dirname(dataDir);
    if (!smallDisk(t, path.join(dataDir, 'hls'), 4)) return;
    const small = recording(dir, 'small.mp4', H264_AAC, 2);
    assert.equal((await runCli(['vod', 'import', 'conf', small], { dataDir })).code, 0);
    const before = fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8');
    const large = path.join(dir, 'large.mp4');
    execFileSync('ffmpeg', ['-loglevel', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=25', '-t', '10', '-c:v', 'libx264', '-b:v', '4M', '-pix_fmt', 'yuv420p', large]);

    const result = await runCli(['vod', 'import', 'conf', large], { dataDir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^streamgate: not enough free space in .*: the import needs about \d+ MB, \d+ MB free; nothing was changed\n$/);
    assert.equal(fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8'), before);
    assert.ok(Math.abs((await durationOf(path.join(dataDir, 'hls', 'conf', 'index.m3u8'))) - 2) < 0.5, 'the old VOD still plays');
  });

  it('keeps the old VOD and exits 1 when the disk fills up while FFmpeg writes', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const dir = path.dirname(dataDir);
    const hls = path.join(dataDir, 'hls');
    if (!smallDisk(t, hls, 16)) return;
    assert.equal((await runCli(['vod', 'import', 'conf', recording(dir, 'small.mp4', H264_AAC, 2)], { dataDir })).code, 0);
    const before = fs.readFileSync(path.join(hls, 'conf', 'index.m3u8'), 'utf8');
    // Transcoded (MPEG-4 Part 2 → H.264) so FFmpeg is still writing when the disk fills up.
    const source = recording(dir, 'long.avi', ['-c:v', 'mpeg4', '-q:v', '5', '-c:a', 'mp2'], 10);

    const importing = runCli(['vod', 'import', 'conf', source], { dataDir });
    await waitForStaging(hls);
    fillDisk(path.join(hls, 'filler'));
    const result = await importing;
    fs.rmSync(path.join(hls, 'filler'));
    assert.equal(result.code, 1, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, `one line: ${result.stderr}`);
    assert.match(result.stderr, /^streamgate: (ffmpeg failed|the imported VOD failed verification)/);
    assert.equal(fs.readFileSync(path.join(hls, 'conf', 'index.m3u8'), 'utf8'), before);
    assert.ok(Math.abs((await durationOf(path.join(hls, 'conf', 'index.m3u8'))) - 2) < 0.5, 'the old VOD still plays');
    assert.deepEqual(fs.readdirSync(hls).filter((name) => name !== 'lost+found'), ['conf'], 'no staging folder left behind');
  });

  it('keeps the old VOD when the output is shorter than the source says (a truncated file)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const dir = path.dirname(dataDir);
    assert.equal((await runCli(['vod', 'import', 'conf', recording(dir, 'small.mp4', H264_AAC, 2)], { dataDir })).code, 0);
    const before = fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8');
    // The index (moov) first, then half of the media: ffprobe reports the full 8 s, only ~4 s exist.
    const whole = recording(dir, 'whole.mp4', [...H264_AAC, '-movflags', '+faststart'], 8);
    const truncated = path.join(dir, 'truncated.mp4');
    const bytes = fs.readFileSync(whole);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));

    const result = await runCli(['vod', 'import', 'conf', truncated], { dataDir });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^streamgate: the imported VOD failed verification, so the previous one was kept: it lasts [\d.]+ s, the source 8\.0 s/);
    assert.equal(fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8'), before);
    assert.ok(Math.abs((await durationOf(path.join(dataDir, 'hls', 'conf', 'index.m3u8'))) - 2) < 0.5, 'the old VOD still plays');
  });

  it('says FFmpeg is missing when it is not on the PATH, and keeps the old VOD', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const file = recording(path.dirname(dataDir), 'talk.mp4', H264_AAC, 2);
    assert.equal((await runCli(['vod', 'import', 'conf', file], { dataDir })).code, 0);
    const before = fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8');
    const emptyBin = fs.mkdtempSync(path.join(path.dirname(dataDir), 'bin-'));

    const result = await runCli(['vod', 'import', 'conf', file], { dataDir, env: { PATH: emptyBin } });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^streamgate: cannot run ffprobe: not found \(install FFmpeg/);
    assert.doesNotMatch(result.stderr, /not a video/);
    assert.equal(fs.readFileSync(path.join(dataDir, 'hls', 'conf', 'index.m3u8'), 'utf8'), before);
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
