import type { LlPart, LlPlaylist, LlSegment } from './ll-playlist.js';

/** `KEY=value,KEY="quoted, value"` → a map (RFC 8216bis 4.2 attribute lists). */
export function attributes(list: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const match of list.matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) found.set(match[1]!, match[2]!.replace(/^"(.*)"$/, '$1'));
  return found;
}

/** The init segments ll-segmenter.ts writes, one per FFmpeg run. */
const OUR_INIT = /^init_\d+\.mp4$/;

const tagValue = (line: string) => line.slice(line.indexOf(':') + 1);

/**
 * Reads back a full (not delta) playlist that renderLlPlaylist wrote: the edge's view of the
 * stream, for blocking reloads and delta playlists. Null when the text is not one (a normal-latency
 * playlist, or a file caught half-written by a non-atomic writer).
 */
export function parseLlPlaylist(text: string): LlPlaylist | null {
  if (!text.startsWith('#EXTM3U')) return null;
  let targetDuration = 0;
  let partTarget = 0;
  let msn = 0;
  let initUri = '';
  let discontinuity = false;
  let programDateTime: string | null = null;
  let parts: LlPart[] = [];
  let duration: number | null = null;
  let preloadHint: string | null = null;
  let ended = false;
  const segments: LlSegment[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(tagValue(line));
    else if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) msn = Number(tagValue(line));
    else if (line.startsWith('#EXT-X-PART-INF:')) partTarget = Number(attributes(tagValue(line)).get('PART-TARGET'));
    else if (line.startsWith('#EXT-X-MAP:')) initUri = attributes(tagValue(line)).get('URI') ?? '';
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) programDateTime = tagValue(line);
    else if (line.startsWith('#EXT-X-PART:')) {
      const a = attributes(tagValue(line));
      parts.push({ uri: a.get('URI') ?? '', duration: Number(a.get('DURATION')), independent: a.get('INDEPENDENT') === 'YES' });
    } else if (line.startsWith('#EXTINF:')) duration = Number.parseFloat(tagValue(line));
    else if (line.startsWith('#EXT-X-PRELOAD-HINT:')) preloadHint = attributes(tagValue(line)).get('URI') ?? null;
    else if (line === '#EXT-X-ENDLIST') ended = true;
    else if (line.startsWith('#EXT-X-SKIP:')) return null; // a delta playlist is not a whole view
    else if (!line.startsWith('#')) {
      if (duration === null) return null;
      segments.push({ msn, uri: line, duration, parts, initUri, discontinuity, programDateTime });
      msn += 1;
      parts = [];
      duration = null;
      discontinuity = false;
      programDateTime = null;
    }
  }
  // Live, the part tags say it; ended (a VOD of whole segments), the segmenter's init segments do.
  if (!partTarget && !(ended && segments.length > 0 && segments.every((s) => OUR_INIT.test(s.initUri)))) return null;
  if ([targetDuration, partTarget, msn].some((n) => !Number.isFinite(n))) return null;
  return {
    targetDuration,
    partTarget,
    segments,
    pending: { msn, parts, initUri, discontinuity, programDateTime },
    preloadHint,
    ended,
  };
}
