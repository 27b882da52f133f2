/**
 * The media playlists viewers read are ours, not FFmpeg's. FFmpeg 5.1 writes
 * `EXT-X-TARGETDURATION` as lrint() of the longest segment listed, so a 2.5 s keyframe interval
 * gives `EXTINF:2.5` under `TARGETDURATION:2` (RFC 8216 §4.3.3.1 rounds halves up), and the value
 * grows when a later publish has a longer keyframe interval (§6.2.1 forbids any change); with
 * `append_list` it also opens a new playlist with a needless `EXT-X-DISCONTINUITY`. FFmpeg writes
 * its playlist under a private name; `keepMediaPlaylist` turns it into the one we serve.
 */

/** FFmpeg's playlist beside the one we serve (an extension the edge never serves). */
export const FFMPEG_SUFFIX = '.ffmpeg';

/** RFC 8216 §4.3.3.1: an EXTINF "rounded to the nearest integer", halves up. */
export const roundedSeconds = (seconds: number) => Math.floor(seconds + 0.5);

interface Segment {
  /** The segment's own tags (program date time, …) and its URI, without EXTINF and DISCONTINUITY. */
  lines: string[];
  duration: number;
  discontinuity: boolean;
}

interface Parsed {
  header: string[];
  segments: Segment[];
  targetDuration: number | null;
  ended: boolean;
}

const TARGET = '#EXT-X-TARGETDURATION:';

function parse(text: string): Parsed {
  const header: string[] = [];
  const segments: Segment[] = [];
  let targetDuration: number | null = null;
  let ended = false;
  let pending: Segment | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith(TARGET)) {
      targetDuration = Number(line.slice(TARGET.length));
      continue;
    }
    if (line === '#EXT-X-ENDLIST') {
      ended = true;
      continue;
    }
    const isSegmentTag = line === '#EXT-X-DISCONTINUITY' || line.startsWith('#EXTINF:') || line.startsWith('#EXT-X-PROGRAM-DATE-TIME:');
    if (segments.length === 0 && !pending && line.startsWith('#') && !isSegmentTag) {
      header.push(line);
      continue;
    }
    pending ??= { lines: [], duration: 0, discontinuity: false };
    if (line === '#EXT-X-DISCONTINUITY') pending.discontinuity = true;
    else if (line.startsWith('#EXTINF:')) pending.duration = Number.parseFloat(line.slice('#EXTINF:'.length));
    else pending.lines.push(line);
    if (!line.startsWith('#')) {
      segments.push(pending);
      pending = null;
    }
  }
  return { header, segments, targetDuration, ended };
}

/**
 * The target duration a playlist is served with: its own once written (it never changes), else
 * what its first segments need, and never below the configured segment length.
 */
export function targetDurationOf(servedText: string | null, ffmpegText: string, segmentSeconds: number): number {
  const served = servedText ? parse(servedText).targetDuration : null;
  if (served) return served;
  const longest = Math.max(0, ...parse(ffmpegText).segments.map((s) => s.duration));
  return Math.max(segmentSeconds, roundedSeconds(longest));
}

/** The durations of the segments FFmpeg listed, in order. */
export function segmentDurations(ffmpegText: string): number[] {
  return parse(ffmpegText).segments.map((segment) => segment.duration);
}

/** The durations of the segments FFmpeg cut at its segment length: not the last of each run (before a discontinuity, or at the end). */
export function wholeSegmentDurations(ffmpegText: string): number[] {
  const { segments } = parse(ffmpegText);
  return segments.filter((_, i) => i + 1 < segments.length && !segments[i + 1]!.discontinuity).map((segment) => segment.duration);
}

/** What a segment too long for the target duration was cut into (segment-splitter.ts). */
export type Pieces = readonly { uri: string; duration: number }[];

export interface KeptPlaylist {
  text: string;
  segmentCount: number;
  /** The first segment too long for the target duration that has not been cut yet: listing stops before it. */
  uncut: { uri: string; duration: number } | null;
}

/**
 * The playlist we serve: `targetDuration` throughout, and no discontinuity before the first
 * segment. A segment longer than the target allows is listed as the pieces it was cut into
 * (`piecesOf`); until they exist the listing stops before it, and if it could not be cut
 * (`piecesOf` gives none) a discontinuity takes its place. The same input always gives the same
 * output, so segments keep their numbers from one reload to the next.
 */
export function keepMediaPlaylist(ffmpegText: string, targetDuration: number, piecesOf: (uri: string) => Pieces | null): KeptPlaylist {
  const parsed = parse(ffmpegText);
  const lines = ['#EXTM3U'];
  for (const line of parsed.header) {
    if (line === '#EXTM3U') continue;
    lines.push(line);
    if (line.startsWith('#EXT-X-VERSION:')) lines.push(`${TARGET}${targetDuration}`);
  }
  if (!lines.some((line) => line.startsWith(TARGET))) lines.splice(1, 0, `${TARGET}${targetDuration}`);
  let discontinuity = false;
  let count = 0;
  const list = (segment: Segment, extra: string[], uri: string, duration: number) => {
    if ((segment.discontinuity || discontinuity) && count > 0) lines.push('#EXT-X-DISCONTINUITY');
    discontinuity = false;
    lines.push(...extra, `#EXTINF:${duration.toFixed(6)},`, uri);
    count += 1;
  };
  for (const segment of parsed.segments) {
    const uri = segment.lines.at(-1)!;
    const tags = segment.lines.slice(0, -1);
    if (roundedSeconds(segment.duration) <= targetDuration) {
      list(segment, tags, uri, segment.duration);
      continue;
    }
    const pieces = piecesOf(uri);
    if (pieces === null) return { text: `${lines.join('\n')}\n`, segmentCount: count, uncut: { uri, duration: segment.duration } };
    if (pieces.length === 0) discontinuity = true;
    pieces.forEach((piece, i) => list(i === 0 ? segment : { ...segment, discontinuity: false }, i === 0 ? tags : [], piece.uri, piece.duration));
  }
  if (parsed.ended) lines.push('#EXT-X-ENDLIST');
  return { text: `${lines.join('\n')}\n`, segmentCount: count, uncut: null };
}

/** A finished (VOD) playlist as FFmpeg wrote it, served: every segment is known, so the target covers the longest. */
export function keepVodPlaylist(ffmpegText: string, segmentSeconds: number): string {
  const longest = Math.max(0, ...segmentDurations(ffmpegText));
  return keepMediaPlaylist(ffmpegText, Math.max(segmentSeconds, roundedSeconds(longest)), () => []).text;
}
