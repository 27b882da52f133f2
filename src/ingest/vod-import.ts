import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../core/config.js';
import { AppError, operationalFailure } from '../core/errors.js';

export interface ProbeResult {
  durationSeconds: number;
  videoCodec: string | null;
  audioCodec: string | null;
}

/** What ffprobe says about a file; a file it cannot read is the caller's bad input. */
export async function probeMedia(config: Config, file: string): Promise<ProbeResult> {
  // ffprobe lives beside ffmpeg: /opt/ffmpeg/bin/ffmpeg → /opt/ffmpeg/bin/ffprobe, ffmpeg → ffprobe.
  const ffprobe = config.ffmpegPath.includes('/') ? path.join(path.dirname(config.ffmpegPath), 'ffprobe') : 'ffprobe';
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)(ffprobe, [
      '-v', 'error', '-show_entries', 'format=duration:stream=codec_type,codec_name', '-of', 'json', file,
    ], { timeout: 30_000 }));
  } catch {
    throw new AppError(400, 'unreadable_media', `FILE: ${file} is not a video ffprobe can read`);
  }
  const info = JSON.parse(stdout) as { format?: { duration?: string }; streams?: { codec_type: string; codec_name: string }[] };
  const codec = (type: string) => info.streams?.find((s) => s.codec_type === type)?.codec_name ?? null;
  const durationSeconds = Number(info.format?.duration ?? 0);
  if (!codec('video') || !(durationSeconds > 0)) throw new AppError(400, 'unreadable_media', `FILE: ${file} has no video to import`);
  return { durationSeconds, videoCodec: codec('video'), audioCodec: codec('audio') };
}

export interface VodImportResult {
  playlist: string;
  durationSeconds: number;
  transcoded: boolean;
}

/**
 * Turns a recorded file into the event's VOD HLS, atomically: FFmpeg writes into a temporary
 * folder beside `hls/<eventId>`, which replaces the old folder only when FFmpeg succeeded. H.264
 * with AAC (or no audio) is copied as it is; anything else is transcoded.
 */
export async function importVod(
  config: Config,
  eventId: string,
  file: string,
  onProgress: (doneSeconds: number, totalSeconds: number) => void = () => undefined,
): Promise<VodImportResult> {
  const probe = await probeMedia(config, file);
  const copy = probe.videoCodec === 'h264' && (probe.audioCodec === null || probe.audioCodec === 'aac');
  const hlsRoot = path.join(config.dataDir, 'hls');
  fs.mkdirSync(hlsRoot, { recursive: true });
  const suffix = randomBytes(4).toString('hex');
  const staging = path.join(hlsRoot, `.import-${eventId}-${suffix}`);
  fs.mkdirSync(staging);
  try {
    await runFfmpeg(config, [
      '-hide_banner', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1',
      '-i', file,
      '-map', '0:v:0', '-map', '0:a:0?',
      ...(copy ? ['-c', 'copy'] : ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '128k']),
      '-f', 'hls', '-hls_time', String(config.hlsSegmentSeconds), '-hls_playlist_type', 'vod',
      '-hls_flags', 'independent_segments',
      '-hls_segment_filename', path.join(staging, 'seg_%05d.ts'),
      path.join(staging, 'index.m3u8'),
    ], (seconds) => onProgress(Math.min(seconds, probe.durationSeconds), probe.durationSeconds));
    swapInto(staging, path.join(hlsRoot, eventId), suffix);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  return { playlist: path.join(hlsRoot, eventId, 'index.m3u8'), durationSeconds: probe.durationSeconds, transcoded: !copy };
}

/** Renames the finished folder into place; the old content is removed only after that. */
function swapInto(staging: string, target: string, suffix: string): void {
  const old = `${path.dirname(target)}/.old-${path.basename(target)}-${suffix}`;
  const hadOld = fs.existsSync(target);
  if (hadOld) fs.renameSync(target, old);
  try {
    fs.renameSync(staging, target);
  } catch (error) {
    if (hadOld) fs.renameSync(old, target);
    throw error;
  }
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}

function runFfmpeg(config: Config, args: string[], onSeconds: (seconds: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(config.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let buffer = '';
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const match = /^out_time_us=(\d+)/.exec(line);
        if (match) onSeconds(Number(match[1]) / 1e6);
      }
    });
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-2_000)));
    child.on('error', (error) => reject(operationalFailure(`cannot run ${config.ffmpegPath}: ${error.message}`, 'ffmpeg_missing')));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(operationalFailure(`ffmpeg failed (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`, 'ffmpeg_failed')),
    );
  });
}
