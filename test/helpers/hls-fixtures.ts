import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const TEST_PATTERN = ['-f', 'lavfi', '-i', 'testsrc=size=640x360:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440'];
const H264 = ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', '25', '-keyint_min', '25', '-sc_threshold', '0', '-c:a', 'aac'];

/**
 * A recorded ladder event made by the real ffmpeg, laid out as the ingest writes one: a master
 * playlist hls/<eventId>/index.m3u8 over 360p and 240p renditions, 1 s segments.
 */
export function makeLadderVodFixture(dataDir: string, seconds = 20, eventId = 'conf'): string {
  const dir = path.join(dataDir, 'hls', eventId);
  // Written beside, then renamed into place: a player already polling sees all of it or nothing.
  const building = path.join(dataDir, 'hls', `.${eventId}.building`);
  fs.mkdirSync(building, { recursive: true });
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y', ...TEST_PATTERN, '-t', String(seconds),
    '-filter_complex', '[0:v]split=2[a][b];[a]scale=640:360[v360];[b]scale=426:240[v240]',
    '-map', '[v360]', '-map', '[v240]', '-map', '1:a', '-map', '1:a',
    ...H264, '-b:v:0', '800k', '-b:v:1', '300k',
    '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod',
    '-master_pl_name', 'index.m3u8',
    '-var_stream_map', 'v:0,a:0,name:360p v:1,a:1,name:240p',
    '-hls_segment_filename', path.join(building, '%v', 'seg_%03d.ts'),
    path.join(building, '%v', 'index.m3u8'),
  ]);
  fs.renameSync(building, dir);
  return dir;
}

export interface GrowingLive {
  /** Stops adding segments (the playlist stays live, as a stalled encoder leaves it). */
  stop(): void;
}

/**
 * A live stream as the edge sees one: real ffmpeg segments (1 s) published one a second into a
 * sliding-window playlist without ENDLIST, written atomically like the ingest's. Starts with
 * `initial` segments on air, so a player can start at once.
 */
export function startGrowingLive(t: { after(fn: () => unknown): void }, dataDir: string, seconds = 60, initial = 6, eventId = 'conf'): GrowingLive {
  const dir = path.join(dataDir, 'hls', eventId);
  fs.mkdirSync(dir, { recursive: true });
  const source = path.join(dir, 'source.m3u8');
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y', ...TEST_PATTERN, '-t', String(seconds), ...H264,
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '0', '-hls_segment_filename', path.join(dir, 'seg_%03d.ts'), source,
  ]);
  const segments = [...fs.readFileSync(source, 'utf8').matchAll(/#EXTINF:([\d.]+),\s*\n(\S+)/g)].map((m) => ({ duration: Number(m[1]), uri: m[2]! }));
  fs.rmSync(source);
  const window = 8;
  let onAir = initial;
  const write = () => {
    const first = Math.max(0, onAir - window);
    const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:1', `#EXT-X-MEDIA-SEQUENCE:${first}`];
    for (const s of segments.slice(first, onAir)) lines.push(`#EXTINF:${s.duration.toFixed(3)},`, s.uri);
    const temp = path.join(dir, '.index.m3u8.tmp');
    fs.writeFileSync(temp, lines.join('\n') + '\n');
    fs.renameSync(temp, path.join(dir, 'index.m3u8'));
  };
  write();
  const timer = setInterval(() => {
    // The test's own clean-up may remove the data directory before this timer's (hooks run in
    // the order they were added): a stream whose folder is gone is over, not an error.
    if (onAir >= segments.length) return clearInterval(timer);
    onAir += 1;
    try {
      write();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      clearInterval(timer);
    }
  }, 1_000);
  t.after(() => clearInterval(timer));
  return { stop: () => clearInterval(timer) };
}

/** A recording with English WebVTT subtitles in the HLS (an EXT-X-MEDIA subtitles group), made by ffmpeg. */
export function makeCaptionedVodFixture(dataDir: string, seconds = 20, eventId = 'conf'): string {
  const dir = path.join(dataDir, 'hls', eventId);
  const building = path.join(dataDir, 'hls', `.${eventId}.building`);
  fs.mkdirSync(building, { recursive: true });
  const srt = path.join(dataDir, 'captions.srt');
  fs.writeFileSync(srt, `1\n00:00:00,000 --> 00:00:${String(seconds).padStart(2, '0')},000\nHello from the captions\n`);
  execFileSync('ffmpeg', [
    '-loglevel', 'error', '-y', ...TEST_PATTERN, '-i', srt, '-t', String(seconds),
    '-map', '0:v', '-map', '1:a', '-map', '2:s', ...H264, '-c:s', 'webvtt', '-metadata:s:s:0', 'language=en',
    '-f', 'hls', '-hls_time', '1', '-hls_playlist_type', 'vod', '-master_pl_name', 'index.m3u8',
    '-var_stream_map', 'v:0,a:0,s:0,sgroup:subs,name:main',
    '-hls_segment_filename', path.join(building, '%v', 'seg_%03d.ts'),
    path.join(building, '%v', 'index.m3u8'),
  ]);
  fs.renameSync(building, dir);
  return dir;
}
