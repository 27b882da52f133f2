/**
 * The low-latency media playlist (RFC 8216bis): the model both sides share. The ingest renders it
 * from its segmenter's state; the edge parses the file back to answer blocking reloads and to
 * render delta playlists (`_HLS_skip`), so the format is defined once, here.
 */

export interface LlPart {
  uri: string;
  duration: number;
  /** Opens on a keyframe. */
  independent: boolean;
}

export interface LlSegment {
  msn: number;
  uri: string;
  duration: number;
  /** Listed only while the segment is recent; empty once dropped from the playlist (or never known). */
  parts: LlPart[];
  /** The init segment these media need (EXT-X-MAP), written before the first one and at every change. */
  initUri: string;
  /** A new run of the encoder starts here (a publisher who came back). */
  discontinuity: boolean;
  /** Wall clock of the segment's first frame, as ISO 8601. */
  programDateTime: string | null;
}

export interface LlPlaylist {
  targetDuration: number;
  partTarget: number;
  /** Complete segments, in order; the first one's msn is the media sequence. */
  segments: LlSegment[];
  /** The segment being built: its parts so far (none right after a segment closed). */
  pending: { msn: number; parts: LlPart[]; initUri: string; discontinuity: boolean; programDateTime: string | null };
  /** The next part's name (EXT-X-PRELOAD-HINT); null once ended. */
  preloadHint: string | null;
  ended: boolean;
}

/** Parts are listed for the segments this many target durations from the live edge (RFC 8216bis 4.4.4.9: "SHOULD be removed … greater than three"). */
export const PART_LISTING_TARGET_DURATIONS = 3;
/** PART-HOLD-BACK in part targets: the RFC's floor is 2, and 3 is what it recommends. */
export const PART_HOLD_BACK_PARTS = 3;
/** CAN-SKIP-UNTIL in target durations: the RFC's floor. */
export const SKIP_TARGET_DURATIONS = 6;

const seconds = (value: number) => value.toFixed(5).replace(/0+$/, '').replace(/\.$/, '');

export function partHoldBack(partTarget: number): number {
  return Number((partTarget * PART_HOLD_BACK_PARTS).toFixed(5));
}

/**
 * How many of the oldest segments a delta playlist leaves out: those that end more than
 * CAN-SKIP-UNTIL before the live edge (the end of the last part).
 */
export function skippableSegments(playlist: LlPlaylist): number {
  const horizon = SKIP_TARGET_DURATIONS * playlist.targetDuration;
  let fromEnd = playlist.pending.parts.reduce((sum, p) => sum + p.duration, 0);
  let keep = 0;
  for (let i = playlist.segments.length - 1; i >= 0; i -= 1) {
    if (fromEnd >= horizon) break;
    fromEnd += playlist.segments[i]!.duration;
    keep += 1;
  }
  return playlist.segments.length - keep;
}

/**
 * The playlist's text. A live one carries the part tags and the server control; an ended one is
 * an ordinary VOD playlist of whole segments (parts, hint and server control dropped), as the
 * recording is rewatched. `skip` renders the delta playlist of a `_HLS_skip=YES` request.
 */
export function renderLlPlaylist(playlist: LlPlaylist, { skip = false } = {}): string {
  const { segments, pending, targetDuration, partTarget, ended } = playlist;
  const firstMsn = segments[0]?.msn ?? pending.msn;
  const lines = ['#EXTM3U', `#EXT-X-VERSION:${ended ? 7 : 9}`, `#EXT-X-TARGETDURATION:${targetDuration}`, `#EXT-X-MEDIA-SEQUENCE:${firstMsn}`];
  if (ended) lines.push('#EXT-X-PLAYLIST-TYPE:VOD');
  else {
    lines.push(
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=${seconds(SKIP_TARGET_DURATIONS * targetDuration)},PART-HOLD-BACK=${seconds(partHoldBack(partTarget))}`,
      `#EXT-X-PART-INF:PART-TARGET=${seconds(partTarget)}`,
    );
  }
  lines.push('#EXT-X-INDEPENDENT-SEGMENTS');
  const skipped = !ended && skip ? skippableSegments(playlist) : 0;
  if (skipped > 0) lines.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skipped}`);

  const partsFrom = ended ? Infinity : partListingStart(playlist);
  let initUri: string | null = null;
  const head = (segment: { initUri: string; discontinuity: boolean; programDateTime: string | null }, first: boolean) => {
    if (segment.discontinuity && !first) lines.push('#EXT-X-DISCONTINUITY');
    if (segment.initUri !== initUri) lines.push(`#EXT-X-MAP:URI="${segment.initUri}"`);
    initUri = segment.initUri;
    if (segment.programDateTime) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${segment.programDateTime}`);
  };
  const partLine = (part: LlPart) => `#EXT-X-PART:DURATION=${seconds(part.duration)},URI="${part.uri}"${part.independent ? ',INDEPENDENT=YES' : ''}`;
  segments.slice(skipped).forEach((segment, i) => {
    head(segment, i === 0 && skipped === 0);
    if (segment.msn >= partsFrom) lines.push(...segment.parts.map(partLine));
    lines.push(`#EXTINF:${seconds(segment.duration)},`, segment.uri);
  });
  if (!ended) {
    if (pending.parts.length > 0) {
      head(pending, segments.length === skipped);
      lines.push(...pending.parts.map(partLine));
    }
    if (playlist.preloadHint) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${playlist.preloadHint}"`);
  } else lines.push('#EXT-X-ENDLIST');
  return lines.join('\n') + '\n';
}

/**
 * The msn of the oldest segment whose parts are listed: those within three target durations of
 * the end, and at most the last three segments (the segment being built, or only hinted, counts), as strict
 * validators read the rule.
 */
function partListingStart(playlist: LlPlaylist): number {
  const horizon = PART_LISTING_TARGET_DURATIONS * playlist.targetDuration;
  let fromEnd = playlist.pending.parts.reduce((sum, p) => sum + p.duration, 0);
  let start = playlist.pending.msn;
  const oldest = Math.max(0, playlist.segments.length - (PART_LISTING_TARGET_DURATIONS - (playlist.pending.parts.length > 0 || playlist.preloadHint ? 1 : 0)));
  for (let i = playlist.segments.length - 1; i >= oldest && fromEnd < horizon; i -= 1) {
    fromEnd += playlist.segments[i]!.duration;
    start = playlist.segments[i]!.msn;
  }
  return start;
}
