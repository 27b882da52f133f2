import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import { parseLlPlaylist } from '../core/ll-hls/ll-playlist-parse.js';
import { renderLlPlaylist } from '../core/ll-hls/ll-playlist.js';
import type { Rung } from '../core/events/ladder.js';
import { FFMPEG_SUFFIX } from './media-playlist.js';
import type { LivePackaging } from './live-packaging.js';

export const PLAYLIST = 'index.m3u8';
const ENDLIST = '#EXT-X-ENDLIST';

/** The one rendition a ladder writes for a publisher that sends sound only. */
export const AUDIO_RENDITION = 'audio';
const AUDIO_ENCODE = ['-c:a', 'aac', '-b:a', '128k'];

/**
 * FFmpeg's arguments for one live run: FLV on stdin → HLS in `dir`, its playlists under private
 * names that playlist-keeper.ts turns into the ones we serve. The playlist is of type EVENT
 * (every segment stays listed, so the whole event can be rewatched) and FFmpeg never ends it:
 * `omit_endlist` leaves that to `finalisePlaylists`, once the publisher is gone for good, so a
 * restart or a reconnect can continue it. `append_list` continues an existing playlist after a
 * discontinuity; `temp_file` keeps half-written segments out of it. Every `-map` names a track the
 * publisher was seen to send (flv-tracks.ts): none is guessed.
 */
export function liveHlsArgs(dir: string, rungs: readonly Rung[], segmentSeconds: number, packaging: LivePackaging, windowSeconds: number | null = null, keyInfoFile: string | null = null): string[] {
  // An encrypted event: FFmpeg reads the key info file again at every segment (periodic_rekey),
  // so a key rotated by key-rotator.ts applies from the next segment on.
  const encryption = keyInfoFile ? ['-hls_key_info_file', keyInfoFile] : [];
  const rekey = keyInfoFile ? '+periodic_rekey' : '';
  // A recording window (the demo's endless stream) lists only the last segments and deletes older ones.
  const hls = windowSeconds
    ? [
        '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_list_size', String(Math.ceil(windowSeconds / segmentSeconds)),
        '-hls_flags', `independent_segments+program_date_time+omit_endlist+temp_file+append_list+delete_segments${rekey}`, ...encryption,
      ]
    : [
        '-f', 'hls', '-hls_time', String(segmentSeconds), '-hls_playlist_type', 'event',
        '-hls_flags', `independent_segments+program_date_time+omit_endlist+temp_file+append_list${rekey}`, ...encryption,
      ];
  // The FLV header FFmpeg reads announces exactly the tracks that were seen (hls-writer.ts), so it
  // waits for no other; the short analyzeduration bounds the wait should one still be missing.
  const input = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error', '-analyzeduration', '1000000', '-f', 'flv', '-i', 'pipe:0'];
  const audio = packaging.audio === 'copy' ? ['-c:a', 'copy'] : packaging.audio === 'encode' ? AUDIO_ENCODE : [];
  if (rungs.length === 0) {
    return [
      ...input,
      ...(packaging.video ? ['-map', '0:v:0', '-c:v', 'copy'] : []),
      ...(packaging.audio ? ['-map', '0:a:0', ...audio] : []),
      ...hls, '-hls_segment_filename', path.join(dir, 'seg_%05d.ts'), path.join(dir, PLAYLIST + FFMPEG_SUFFIX),
    ];
  }
  const renditions = [
    '-master_pl_name', PLAYLIST + FFMPEG_SUFFIX,
    '-hls_segment_filename', path.join(dir, '%v', 'seg_%05d.ts'), path.join(dir, '%v', PLAYLIST + FFMPEG_SUFFIX),
  ];
  if (!packaging.video) {
    // Sound only: scaling has nothing to work on, so the ladder is one audio rendition.
    return [...input, '-map', '0:a:0', ...AUDIO_ENCODE, ...hls, '-var_stream_map', `a:0,name:${AUDIO_RENDITION}`, ...renditions];
  }
  const withAudio = packaging.audio !== null;
  const split = `[0:v]split=${rungs.length}${rungs.map((_, i) => `[s${i}]`).join('')}`;
  const scales = rungs.map((r, i) => `[s${i}]scale=-2:${r.height}[v${i}]`);
  return [
    ...input,
    '-filter_complex', [split, ...scales].join(';'),
    ...rungs.flatMap((_, i) => ['-map', `[v${i}]`]),
    ...(withAudio ? rungs.flatMap(() => ['-map', '0:a:0']) : []),
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p',
    // Keyframes on segment boundaries in every rendition, so players can switch between them.
    '-force_key_frames', `expr:gte(t,n_forced*${segmentSeconds})`,
    ...rungs.flatMap((r, i) => [`-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.1)}k`, `-bufsize:v:${i}`, `${r.videoKbps * 2}k`]),
    ...(withAudio ? AUDIO_ENCODE : []),
    ...hls,
    '-var_stream_map', rungs.map((r, i) => `v:${i},${withAudio ? `a:${i},` : ''}name:${r.name}`).join(' '),
    ...renditions,
  ];
}

/**
 * The media playlists one run writes, relative to the event's folder; the first one's first new
 * segment means the run is playable.
 */
export function livePlaylists(rungs: readonly Rung[], packaging: LivePackaging): string[] {
  if (rungs.length === 0) return [PLAYLIST];
  return packaging.video ? rungs.map((rung) => `${rung.name}/${PLAYLIST}`) : [`${AUDIO_RENDITION}/${PLAYLIST}`];
}

/** How many segments a media playlist lists (0 when it does not exist yet). */
export function segmentCount(playlist: string): number {
  try {
    return fs.readFileSync(playlist, 'utf8').split('\n').filter((line) => line.trim().endsWith('.ts')).length;
  } catch {
    return 0;
  }
}

/** The media playlists under `dir`: index.m3u8 itself, or the renditions a master lists. */
export function mediaPlaylists(dir: string): string[] {
  const top = path.join(dir, PLAYLIST);
  if (!fs.existsSync(top)) return [];
  const text = fs.readFileSync(top, 'utf8');
  if (!text.includes('#EXT-X-STREAM-INF')) return [top];
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((uri) => path.join(dir, uri))
    .filter((file) => file.startsWith(dir + path.sep) && fs.existsSync(file));
}

/**
 * Takes `#EXT-X-ENDLIST` off the event's playlists before FFmpeg continues them (a publisher back
 * after the event ended): FFmpeg's append_list drops it too, but only with its first new segment,
 * and a player polling in between would take the stream for finished. A served playlist FFmpeg
 * has no copy of (recorded by an older StreamGate) becomes FFmpeg's, so it continues the
 * numbering instead of writing over the recorded segments.
 */
export function reopenPlaylists(dir: string): number {
  let reopened = 0;
  for (const file of mediaPlaylists(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    if (parseLlPlaylist(text)) continue; // low latency: the segmenter continues its own playlist (ll-segmenter.ts)
    if (!fs.existsSync(file + FFMPEG_SUFFIX)) writeFileAtomic(file + FFMPEG_SUFFIX, withoutEndlist(text), 0o600);
    if (!text.includes(ENDLIST)) continue;
    writeFileAtomic(file, withoutEndlist(text), 0o644);
    reopened += 1;
  }
  return reopened;
}

const withoutEndlist = (text: string) => text.split('\n').filter((line) => line.trim() !== ENDLIST).join('\n');

/** Ends every playlist of the event (`#EXT-X-ENDLIST`): from now on it is a VOD. Idempotent. */
export function finalisePlaylists(dir: string): number {
  let finalised = 0;
  for (const file of mediaPlaylists(dir)) {
    const text = fs.readFileSync(file, 'utf8');
    if (text.includes(ENDLIST)) continue;
    const lowLatency = parseLlPlaylist(text);
    if (lowLatency) {
      // An ordinary VOD of whole segments: parts, hint and server control dropped.
      writeFileAtomic(file, renderLlPlaylist({ ...lowLatency, ended: true, preloadHint: null }), 0o644);
      finalised += 1;
      continue;
    }
    writeFileAtomic(file, `${text.endsWith('\n') ? text : `${text}\n`}${ENDLIST}\n`, 0o644);
    finalised += 1;
  }
  return finalised;
}
