/**
 * The HLS rules (RFC 8216) a third-party player or a strict validator holds our playlists to:
 * hls-parser in strict mode, plus the checks it does not make. Every check reads the files the
 * product wrote, so a test names the directory of an event's output and nothing else.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as HLS from 'hls-parser';

HLS.setOptions({ strictMode: true, silent: true });

type Media = HLS.types.MediaPlaylist;
type Master = HLS.types.MasterPlaylist;

/** Half away from zero, as RFC 8216 §4.3.3.1 rounds ("rounded to the nearest integer"). */
const roundHalfUp = (seconds: number) => Math.floor(seconds + 0.5);

/** Parses a playlist strictly; throws with the file's name and the rule it breaks. */
export function parseStrict(file: string): Media | Master {
  const text = fs.readFileSync(file, 'utf8');
  try {
    return HLS.parse(text) as Media | Master;
  } catch (error) {
    throw new Error(`${file}: ${(error as Error).message}\n${text}`);
  }
}

/** The checks of a media playlist that hls-parser leaves out. Returns the playlist for more. */
export function checkMediaPlaylist(file: string): Media {
  const playlist = parseStrict(file);
  if (playlist.isMasterPlaylist) throw new Error(`${file}: a master playlist where a media playlist was expected`);
  const text = fs.readFileSync(file, 'utf8');
  const problems: string[] = [];
  for (const segment of playlist.segments) {
    if (roundHalfUp(segment.duration) > playlist.targetDuration) {
      problems.push(`EXTINF:${segment.duration} (${segment.uri}) rounds above EXT-X-TARGETDURATION:${playlist.targetDuration} (§4.3.3.1)`);
    }
    const media = path.join(path.dirname(file), segment.uri.split('?')[0]!);
    if (!fs.existsSync(media) || fs.statSync(media).size === 0) problems.push(`${segment.uri} is listed but missing or empty`);
  }
  if (playlist.segments[0]?.discontinuity) problems.push('EXT-X-DISCONTINUITY before the first segment: there is nothing to be discontinuous with');
  if ((text.match(/^#EXT-X-TARGETDURATION:/gm) ?? []).length !== 1) problems.push('EXT-X-TARGETDURATION must appear exactly once (§4.3.3.1)');
  if (problems.length > 0) throw new Error(`${file}:\n  ${problems.join('\n  ')}\n${text}`);
  return playlist;
}

/** Bits per second of each segment a media playlist lists, from the files' sizes. */
export function segmentBitrates(file: string, playlist: Media): number[] {
  return playlist.segments.map((segment) => (fs.statSync(path.join(path.dirname(file), segment.uri.split('?')[0]!)).size * 8) / segment.duration);
}

/**
 * A master playlist and its renditions: §4.3.4.2's attributes (BANDWIDTH at least the peak segment
 * bitrate, AVERAGE-BANDWIDTH, CODECS, RESOLUTION and FRAME-RATE for video), and each rendition as
 * a media playlist.
 */
export function checkMasterPlaylist(file: string, options: { video: boolean }): Master {
  const master = parseStrict(file);
  if (!master.isMasterPlaylist) throw new Error(`${file}: a media playlist where a master playlist was expected`);
  const problems: string[] = [];
  for (const variant of master.variants) {
    const rendition = path.join(path.dirname(file), variant.uri);
    const media = checkMediaPlaylist(rendition);
    const rates = segmentBitrates(rendition, media);
    // The last segment of a live run may be short and carry a burst: the peak of whole segments is what §4.3.4.2 means.
    const peak = Math.max(0, ...rates);
    const average = rates.reduce((sum, rate) => sum + rate, 0) / Math.max(1, rates.length);
    if (!(variant.bandwidth >= peak)) problems.push(`${variant.uri}: BANDWIDTH ${variant.bandwidth} is below the peak segment bitrate ${Math.round(peak)}`);
    if (!variant.averageBandwidth) problems.push(`${variant.uri}: no AVERAGE-BANDWIDTH`);
    else if (variant.averageBandwidth < average * 0.5 || variant.averageBandwidth > variant.bandwidth) problems.push(`${variant.uri}: AVERAGE-BANDWIDTH ${variant.averageBandwidth} is far from the measured ${Math.round(average)}`);
    if (!variant.codecs) problems.push(`${variant.uri}: no CODECS`);
    if (options.video) {
      if (!variant.resolution) problems.push(`${variant.uri}: no RESOLUTION`);
      if (!variant.frameRate) problems.push(`${variant.uri}: no FRAME-RATE`);
    }
  }
  if (problems.length > 0) throw new Error(`${file}:\n  ${problems.join('\n  ')}\n${fs.readFileSync(file, 'utf8')}`);
  return master;
}

/** Every playlist under an event's output directory, checked; a master's renditions through it. */
export function checkEventPlaylists(dir: string, options: { video: boolean } = { video: true }): void {
  const top = path.join(dir, 'index.m3u8');
  const text = fs.readFileSync(top, 'utf8');
  if (text.includes('#EXT-X-STREAM-INF')) checkMasterPlaylist(top, options);
  else checkMediaPlaylist(top);
}

/**
 * Watches a media playlist over a live run (§6.2.1: the target duration never changes within a
 * playlist, and segments once listed stay as they were). Call `sample()` as often as a player
 * would reload; `check()` says what changed.
 */
export class PlaylistHistory {
  private readonly targets = new Set<number>();
  private readonly seen = new Map<string, number>();
  private readonly problems: string[] = [];

  constructor(private readonly file: string) {}

  sample(): void {
    if (!fs.existsSync(this.file)) return;
    let playlist: Media;
    try {
      playlist = checkMediaPlaylist(this.file);
    } catch (error) {
      // Removed between the check and the read: the test's clean-up has begun.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    this.targets.add(playlist.targetDuration);
    for (const segment of playlist.segments) {
      const before = this.seen.get(segment.uri);
      if (before !== undefined && before !== segment.duration) this.problems.push(`${segment.uri} changed from ${before} s to ${segment.duration} s`);
      this.seen.set(segment.uri, segment.duration);
    }
  }

  check(): void {
    if (this.targets.size > 1) this.problems.push(`EXT-X-TARGETDURATION changed between reloads: ${[...this.targets].join(' → ')} (§6.2.1)`);
    if (this.problems.length > 0) throw new Error(`${this.file}:\n  ${this.problems.join('\n  ')}`);
  }
}
