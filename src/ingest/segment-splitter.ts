import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { Pieces } from './media-playlist.js';

/** Beside a cut segment: what it was cut into, as JSON (an extension the edge never serves). */
const PIECES_SUFFIX = '.pieces';

/** The pieces `uri` (a file name in `dir`, the playlist's folder) was cut into: null until it has been, [] if it could not be. */
export function readPieces(dir: string, uri: string): Pieces | null {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, uri + PIECES_SUFFIX), 'utf8')) as Pieces;
  } catch {
    return null;
  }
}

/**
 * Cuts one segment that is longer than its playlist's target duration into pieces of at most
 * `seconds`: the video is encoded again with a keyframe every `seconds` (a copy can only be cut at
 * the publisher's own keyframes), the audio is copied, and the timestamps are kept, so the pieces
 * play exactly where the segment would have. This happens only when a publisher's keyframe
 * interval is longer than the event's playlists allow (README, "Keyframe interval").
 */
export async function cutSegment(ffmpegPath: string, dir: string, uri: string, duration: number, seconds: number): Promise<Pieces> {
  const source = path.join(dir, uri);
  const base = uri.replace(/\.ts$/, '');
  const list = path.join(dir, `${base}.cut.tmp`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(ffmpegPath, [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-copyts', '-i', source, '-map', '0',
      '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
      '-force_key_frames', `expr:if(isnan(prev_forced_t),1,gte(t-prev_forced_t,${seconds}))`,
      '-c:a', 'copy', '-muxdelay', '0', '-muxpreload', '0',
      '-f', 'segment', '-segment_time', String(seconds), '-segment_format', 'mpegts', '-reset_timestamps', '0',
      '-segment_list', list, '-segment_list_type', 'flat', path.join(dir, `${base}-%d.ts`),
    ], { stdio: 'ignore' });
    child.on('error', () => resolve(null));
    child.on('close', resolve);
  });
  let pieces: Pieces = [];
  if (code === 0) {
    const files = fs.readFileSync(list, 'utf8').split('\n').map((line) => line.trim()).filter(Boolean);
    // Each piece lasts `seconds`, the last one what is left (the segment muxer's own durations
    // are wrong for the first piece when timestamps are kept).
    pieces = files.map((file, i) => ({ uri: file, duration: i < files.length - 1 ? seconds : duration - seconds * (files.length - 1) }));
  }
  fs.rmSync(list, { force: true });
  writeFileAtomic(path.join(dir, uri + PIECES_SUFFIX), JSON.stringify(pieces), 0o600);
  return pieces;
}
