import path from 'node:path';
import type { Rung } from '../../core/events/ladder.js';
import type { LivePackaging } from '../live-packaging.js';
import { AUDIO_RENDITION } from '../hls-output.js';

/** FFmpeg's fragment length (-frag_duration, µs): a part. */
export const FRAGMENT_MICROSECONDS = 200_000;
/**
 * PART-TARGET for 200 ms fragments: every part must be within it, and all but a segment's last at
 * least 85 % of it (RFC 8216bis 4.4.4.9). FFmpeg closes a fragment at the first frame at or past
 * 200 ms, so at 24 fps and faster, and at 20, 15, 10 or 5 fps, parts are 200–235 ms.
 */
export const PART_TARGET_SECONDS = 0.235;
/** The first extra pipe of FFmpeg's: 0–2 are stdin (FLV), stdout (progress) and stderr. */
const FIRST_OUTPUT_FD = 3;

export interface LlOutput {
  /** The rendition's folder (the event's own for a single rendition). */
  dir: string;
  /** The file descriptor in FFmpeg where its fragmented MP4 comes out. */
  fd: number;
  /** For the master playlist: the rendition's name and peak bits per second; null for a single one. */
  rendition: { name: string; bandwidth: number } | null;
}

const FMP4 = ['-f', 'mp4', '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', String(FRAGMENT_MICROSECONDS)];
const AUDIO_ENCODE = ['-c:a', 'aac', '-b:a', '128k'];
const AUDIO_BPS = 128_000;

/**
 * FFmpeg's arguments for one low-latency live run: FLV on stdin → one fragmented MP4 (CMAF: H.264
 * + AAC) per rendition on its own pipe (fd 3, 4, …), which the segmenter turns into LL-HLS. Copy
 * keeps the publisher's keyframes (segments start on them); a ladder forces one every segment in
 * every rendition so players can switch between them.
 */
export function llHlsArgs(dir: string, rungs: readonly Rung[], segmentSeconds: number, packaging: LivePackaging): { args: string[]; outputs: LlOutput[] } {
  const input = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-analyzeduration', '1000000', '-f', 'flv', '-i', 'pipe:0'];
  const audio = packaging.audio === 'copy' ? ['-c:a', 'copy'] : packaging.audio === 'encode' ? AUDIO_ENCODE : [];
  if (rungs.length === 0) {
    return {
      args: [
        ...input,
        ...(packaging.video ? ['-map', '0:v:0', '-c:v', 'copy'] : []),
        ...(packaging.audio ? ['-map', '0:a:0', ...audio] : []),
        ...FMP4, `pipe:${FIRST_OUTPUT_FD}`,
      ],
      outputs: [{ dir, fd: FIRST_OUTPUT_FD, rendition: null }],
    };
  }
  if (!packaging.video) {
    return {
      args: [...input, '-map', '0:a:0', ...AUDIO_ENCODE, ...FMP4, `pipe:${FIRST_OUTPUT_FD}`],
      outputs: [{ dir: path.join(dir, AUDIO_RENDITION), fd: FIRST_OUTPUT_FD, rendition: { name: AUDIO_RENDITION, bandwidth: AUDIO_BPS } }],
    };
  }
  const withAudio = packaging.audio !== null;
  const split = `[0:v]split=${rungs.length}${rungs.map((_, i) => `[s${i}]`).join('')}`;
  const scales = rungs.map((r, i) => `[s${i}]scale=-2:${r.height}[v${i}]`);
  const args = [...input, '-filter_complex', [split, ...scales].join(';')];
  const outputs: LlOutput[] = [];
  rungs.forEach((rung, i) => {
    const fd = FIRST_OUTPUT_FD + i;
    args.push(
      '-map', `[v${i}]`, ...(withAudio ? ['-map', '0:a:0'] : []),
      '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
      '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`,
      '-b:v', `${rung.videoKbps}k`, '-maxrate', `${Math.round(rung.videoKbps * 1.1)}k`, '-bufsize', `${rung.videoKbps * 2}k`,
      ...(withAudio ? AUDIO_ENCODE : []),
      ...FMP4, `pipe:${fd}`,
    );
    outputs.push({ dir: path.join(dir, rung.name), fd, rendition: { name: rung.name, bandwidth: Math.round(rung.videoKbps * 1.1 * 1000) + (withAudio ? AUDIO_BPS : 0) } });
  });
  return { args, outputs };
}

/** The master playlist over the renditions' low-latency playlists (RFC 8216bis 4.4.6). */
export function llMasterPlaylist(outputs: readonly LlOutput[], mediaPlaylist: string): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:9', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const { rendition } of outputs) {
    if (!rendition) continue;
    lines.push(`#EXT-X-STREAM-INF:BANDWIDTH=${rendition.bandwidth}`, `${rendition.name}/${mediaPlaylist}`);
  }
  return lines.join('\n') + '\n';
}
