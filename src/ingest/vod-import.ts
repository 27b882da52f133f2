import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../core/config.js';
import { AppError, operationalFailure } from '../core/errors.js';
import { writeFileAtomic } from '../core/atomic-file.js';
import { keepVodPlaylist } from './media-playlist.js';
import { probeMedia, type ProbeResult } from './media-probe.js';
import { verifyVod } from './vod-verify.js';
import { KeyRotator, keyWorkRoot } from './key-rotator.js';
import type { HlsKeyStore } from '../core/hls-keys/hls-key-store.js';
import { withServedKeyUris } from '../core/hls-keys/served-key-uri.js';

export interface VodImportResult {
  playlist: string;
  durationSeconds: number;
  transcoded: boolean;
  /** True for a recording with sound and no picture (a radio show, a concert's audio). */
  audioOnly: boolean;
  /** AES-128 segments, keys handed out by the edge (an event with `--encryption aes-128`). */
  encrypted: boolean;
}

/** MPEG-TS costs about 10 % over the media for video, far more for audio alone (small frames). */
const TS_OVERHEAD_VIDEO = 1.2;
const TS_OVERHEAD_AUDIO = 1.6;
const AUDIO_KBPS = 128;
const SPACE_MARGIN_BYTES = 1024 * 1024;
/** How much faster than real time an encrypted import may read, so each key rotation lands (see importVod). */
const ENCRYPTED_READ_RATE = 40;

interface ImportPlan {
  transcoded: boolean;
  audioOnly: boolean;
  args: string[];
  /** Bytes the new VOD will take, roughly: checked against free space before starting. */
  estimatedBytes: number;
}

/**
 * How to package what ffprobe found: H.264 with AAC (or no audio) and AAC alone are copied as
 * they are; anything else is transcoded to what every browser plays. Mapping follows the file's
 * tracks: a file without video gets an audio-only VOD, never a failed `-map 0:v:0`.
 */
export function importPlan(probe: ProbeResult, sourceBytes: number): ImportPlan {
  if (probe.videoCodec) {
    const copy = probe.videoCodec === 'h264' && (probe.audioCodec === null || probe.audioCodec === 'aac');
    return {
      transcoded: !copy,
      audioOnly: false,
      args: ['-map', '0:v:0', '-map', '0:a:0?', ...(copy ? ['-c', 'copy'] : ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`])],
      estimatedBytes: sourceBytes * TS_OVERHEAD_VIDEO,
    };
  }
  const copy = probe.audioCodec === 'aac';
  return {
    transcoded: !copy,
    audioOnly: true,
    args: ['-map', '0:a:0', ...(copy ? ['-c:a', 'copy'] : ['-c:a', 'aac', '-b:a', `${AUDIO_KBPS}k`])],
    // A .wav is ten times the size of its AAC: estimate from what is written, not what is read.
    estimatedBytes: (copy ? sourceBytes : (probe.durationSeconds * AUDIO_KBPS * 1000) / 8) * TS_OVERHEAD_AUDIO,
  };
}

/**
 * Turns a recorded file into the event's VOD HLS, atomically: FFmpeg writes into a temporary
 * folder beside `hls/<eventId>`, which replaces the old folder only once the new output has been
 * verified (see vod-verify.ts). Free space is checked first, because the old VOD stays on disk
 * until the new one is complete.
 */
export async function importVod(
  config: Config,
  eventId: string,
  file: string,
  onProgress: (doneSeconds: number, totalSeconds: number) => void = () => undefined,
  /** Given for an encrypted event: segments are AES-128 under keys made here, a new one every HLS_KEY_ROTATION_SECONDS of media. */
  keys: HlsKeyStore | null = null,
): Promise<VodImportResult> {
  const probe = await probeMedia(config.ffmpegPath, file);
  if (!probe.videoCodec && !probe.audioCodec) throw new AppError(400, 'unreadable_media', `FILE: ${file} has neither video nor audio to import`);
  if (!(probe.durationSeconds > 0)) throw new AppError(400, 'unreadable_media', `FILE: ${file} has no duration ffprobe can read`);
  const plan = importPlan(probe, fs.statSync(file).size);
  const hlsRoot = path.join(config.dataDir, 'hls');
  fs.mkdirSync(hlsRoot, { recursive: true });
  checkFreeSpace(hlsRoot, plan.estimatedBytes + SPACE_MARGIN_BYTES);
  const suffix = randomBytes(4).toString('hex');
  const staging = path.join(hlsRoot, `.import-${eventId}-${suffix}`);
  fs.mkdirSync(staging);
  // Every plain key stays until ffprobe has checked the whole VOD, then the folder goes.
  const rotator = keys ? new KeyRotator(keys, eventId, keyWorkRoot(config.dataDir), Number.POSITIVE_INFINITY) : null;
  // A new key every K segments: FFmpeg opening segment N is our cue to change the key from the
  // next one on. A copy would run faster than we hear of its files, so an encrypted import reads
  // its source at most ENCRYPTED_READ_RATE times real time (an hour's copy takes ~90 s).
  const segmentsPerKey = Math.max(1, Math.round(config.hlsKeyRotationSeconds / config.hlsSegmentSeconds));
  let nextRotation = segmentsPerKey - 1;
  let watcher: fs.FSWatcher | null = null;
  try {
    if (rotator) {
      rotator.start();
      watcher = fs.watch(staging, (_, name) => {
        const index = Number(/^seg_(\d+)\.ts$/.exec(String(name))?.[1] ?? -1);
        if (index < nextRotation) return;
        rotator.rotate();
        while (nextRotation <= index) nextRotation += segmentsPerKey;
      });
    }
    await runFfmpeg(config, [
      '-hide_banner', '-nostats', '-loglevel', 'error', '-progress', 'pipe:1',
      ...(rotator ? ['-readrate', String(ENCRYPTED_READ_RATE)] : []),
      '-i', file,
      ...plan.args,
      '-f', 'hls', '-hls_time', String(config.hlsSegmentSeconds), '-hls_playlist_type', 'vod',
      '-hls_flags', rotator ? 'independent_segments+periodic_rekey' : 'independent_segments',
      ...(rotator ? ['-hls_key_info_file', rotator.keyInfoFile] : []),
      '-hls_segment_filename', path.join(staging, 'seg_%05d.ts'),
      path.join(staging, 'index.m3u8'),
    ], (seconds) => onProgress(Math.min(seconds, probe.durationSeconds), probe.durationSeconds));
    watcher?.close();
    const playlist = path.join(staging, 'index.m3u8');
    if (rotator) {
      // FFmpeg's playlist names the plain key files, which ffprobe reads; ours names the edge's URIs.
      await verifyVod(config.ffmpegPath, playlist, probe.durationSeconds, { encrypted: true });
      servePlaylist(playlist, config.hlsSegmentSeconds, eventId);
    } else {
      servePlaylist(playlist, config.hlsSegmentSeconds, null);
      await verifyVod(config.ffmpegPath, playlist, probe.durationSeconds);
    }
    swapInto(staging, path.join(hlsRoot, eventId), suffix);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  } finally {
    watcher?.close();
    rotator?.stop();
  }
  return {
    playlist: path.join(hlsRoot, eventId, 'index.m3u8'),
    durationSeconds: probe.durationSeconds,
    transcoded: plan.transcoded,
    audioOnly: plan.audioOnly,
    encrypted: rotator !== null,
  };
}

/** Rewrites FFmpeg's playlist as we serve it (media-playlist.ts); a failure is the import's, told in one line. */
function servePlaylist(playlist: string, segmentSeconds: number, encryptedFor: string | null): void {
  try {
    const text = keepVodPlaylist(fs.readFileSync(playlist, 'utf8'), segmentSeconds);
    writeFileAtomic(playlist, encryptedFor ? withServedKeyUris(text, encryptedFor) : text, 0o644);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'the disk is full' : (error as Error).message;
    throw operationalFailure(`the imported VOD failed verification, so the previous one was kept: its playlist could not be written (${why})`, 'vod_verification_failed');
  }
}

function checkFreeSpace(dir: string, neededBytes: number): void {
  const stats = fs.statfsSync(dir);
  const freeBytes = stats.bavail * stats.bsize;
  if (freeBytes >= neededBytes) return;
  const mb = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024)} MB`;
  throw operationalFailure(`not enough free space in ${dir}: the import needs about ${mb(neededBytes)}, ${mb(freeBytes)} free; nothing was changed`, 'disk_full');
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
    child.on('error', (error) => reject(operationalFailure(`cannot run ${config.ffmpegPath}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found (install FFmpeg or set FFMPEG_PATH)' : error.message}`, 'ffmpeg_missing')));
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(operationalFailure(`ffmpeg failed (exit ${code}): ${stderr.trim().split('\n').at(-1) ?? ''}`, 'ffmpeg_failed')),
    );
  });
}
