import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { FFMPEG_SUFFIX } from './media-playlist.js';
import { ffprobeBeside } from './media-probe.js';

export const MASTER = 'index.m3u8';

/** Bits per second of each segment a media playlist lists, from the files' sizes. */
function segmentBitrates(playlist: string): number[] {
  let text: string;
  try {
    text = fs.readFileSync(playlist, 'utf8');
  } catch {
    return [];
  }
  const rates: number[] = [];
  let duration = 0;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else if (line && !line.startsWith('#') && duration > 0) {
      try {
        rates.push((fs.statSync(path.join(path.dirname(playlist), line)).size * 8) / duration);
      } catch {
        // A segment removed under us: it no longer counts.
      }
    }
  }
  return rates;
}

/**
 * The master playlist we serve, from the one FFmpeg writes (RFC 8216 §4.3.4.2): the renditions'
 * served playlists, `BANDWIDTH` at least the peak bitrate of the segments written so far (FFmpeg
 * declares the encoder's target, which a segment can exceed), `AVERAGE-BANDWIDTH` measured, and
 * `FRAME-RATE` for video. While live these are estimates from what exists, as the RFC allows;
 * once the event has ended they are exact.
 */
export function keepMasterPlaylist(dir: string, frameRate: number | null): string | null {
  let ffmpegText: string;
  try {
    ffmpegText = fs.readFileSync(path.join(dir, MASTER + FFMPEG_SUFFIX), 'utf8');
  } catch {
    return null;
  }
  const lines = ['#EXTM3U'];
  let streamInf: string | null = null;
  for (const raw of ffmpegText.split('\n')) {
    const line = raw.trim();
    if (!line || line === '#EXTM3U') continue;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      streamInf = line;
      continue;
    }
    if (line.startsWith('#')) {
      lines.push(line);
      continue;
    }
    const uri = line.endsWith(FFMPEG_SUFFIX) ? line.slice(0, -FFMPEG_SUFFIX.length) : line;
    lines.push(amend(streamInf ?? '#EXT-X-STREAM-INF:', segmentBitrates(path.join(dir, uri)), frameRate), uri);
    streamInf = null;
  }
  return `${lines.join('\n')}\n`;
}

function amend(streamInf: string, rates: number[], frameRate: number | null): string {
  const attributes = streamInf.slice('#EXT-X-STREAM-INF:'.length).split(/,(?=[A-Z-]+=)/).filter(Boolean);
  const value = (name: string) => attributes.find((a) => a.startsWith(`${name}=`))?.slice(name.length + 1);
  const declared = Number(value('BANDWIDTH') ?? 0);
  const peak = Math.ceil(Math.max(declared, ...rates));
  const average = rates.length > 0 ? Math.ceil(rates.reduce((sum, r) => sum + r, 0) / rates.length) : declared;
  const kept = attributes.filter((a) => !/^(BANDWIDTH|AVERAGE-BANDWIDTH|FRAME-RATE)=/.test(a));
  const video = value('RESOLUTION') !== undefined;
  return `#EXT-X-STREAM-INF:${[
    `BANDWIDTH=${peak}`,
    `AVERAGE-BANDWIDTH=${Math.min(average, peak)}`,
    ...kept,
    ...(video && frameRate ? [`FRAME-RATE=${frameRate.toFixed(3)}`] : []),
  ].join(',')}`;
}

/** The frame rate of a segment's video, or null when it has none or ffprobe cannot say. */
export async function probeFrameRate(ffmpegPath: string, segment: string): Promise<number | null> {
  try {
    const { stdout } = await promisify(execFile)(ffprobeBeside(ffmpegPath), [
      '-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=avg_frame_rate', '-of', 'csv=p=0', segment,
    ], { timeout: 10_000 });
    // MPEG-TS lists the stream twice (in its program too): the first line is enough.
    const [num, den] = (stdout.trim().split('\n')[0] ?? '').split('/').map(Number);
    return num && den ? num / den : null;
  } catch {
    return null;
  }
}
