import fs from 'node:fs';
import path from 'node:path';
import { FFMPEG_SUFFIX } from './media-playlist.js';

/** Segments the bitrate out is measured over: the newest few, a few seconds of stream. */
const RECENT_SEGMENTS = 3;

/**
 * What FFmpeg writes, in kbit/s: the newest segments' sizes over their durations, summed over the
 * renditions (a ladder sends each viewer one of them; this is what the disk and an origin carry).
 * FFmpeg's own `bitrate=` is N/A for HLS. Null until a segment exists.
 */
export function outputBitrateKbps(dir: string, playlists: readonly string[]): number | null {
  let total: number | null = null;
  for (const playlist of playlists) {
    const file = path.join(dir, playlist + FFMPEG_SUFFIX);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const recent = segmentsOf(text).slice(-RECENT_SEGMENTS);
    let bytes = 0;
    let seconds = 0;
    for (const segment of recent) {
      try {
        bytes += fs.statSync(path.join(path.dirname(file), segment.uri)).size;
        seconds += segment.duration;
      } catch {
        // cut into pieces or deleted meanwhile: measured over the others
      }
    }
    if (seconds > 0) total = (total ?? 0) + (bytes * 8) / 1000 / seconds;
  }
  return total === null ? null : Math.round(total);
}

function segmentsOf(text: string): { uri: string; duration: number }[] {
  const segments: { uri: string; duration: number }[] = [];
  let duration = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#')) segments.push({ uri: line, duration });
  }
  return segments;
}
