import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError, operationalFailure } from '../core/errors.js';

export interface ProbeResult {
  durationSeconds: number;
  videoCodec: string | null;
  audioCodec: string | null;
}

/** ffprobe lives beside ffmpeg: /opt/ffmpeg/bin/ffmpeg → /opt/ffmpeg/bin/ffprobe, ffmpeg → ffprobe. */
export function ffprobeBeside(ffmpegPath: string): string {
  return ffmpegPath.includes('/') ? path.join(path.dirname(ffmpegPath), 'ffprobe') : 'ffprobe';
}

/**
 * What ffprobe says about a file or playlist. A file it cannot read is the caller's bad input
 * (400); an ffprobe that is not there is this machine's problem (500), and says so: taking a
 * missing tool for a bad file sends the operator hunting in the wrong place.
 */
export async function probeMedia(ffmpegPath: string, file: string, inputArgs: readonly string[] = []): Promise<ProbeResult> {
  const ffprobe = ffprobeBeside(ffmpegPath);
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(ffprobe, [
      '-v', 'error', ...inputArgs, '-show_entries', 'format=duration:stream=codec_type,codec_name:stream_disposition=attached_pic', '-of', 'json', file,
    ], { timeout: 30_000 }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw operationalFailure(`cannot run ${ffprobe}: not found (install FFmpeg, which brings ffprobe, or set FFMPEG_PATH)`, 'ffmpeg_missing');
    }
    throw new AppError(400, 'unreadable_media', `FILE: ${file} is not a video or audio file ffprobe can read`);
  }
  const info = JSON.parse(stdout) as {
    format?: { duration?: string };
    streams?: { codec_type: string; codec_name: string; disposition?: { attached_pic?: number } }[];
  };
  // An .mp3 or .m4a with cover art lists the picture as a video stream: it is not a video.
  const codec = (type: string) => info.streams?.find((s) => s.codec_type === type && !s.disposition?.attached_pic)?.codec_name ?? null;
  return { durationSeconds: Number(info.format?.duration ?? 0), videoCodec: codec('video'), audioCodec: codec('audio') };
}
