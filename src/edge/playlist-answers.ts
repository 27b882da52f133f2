import { randomBytes } from 'node:crypto';
import { addTokenToPlaylist } from './playlist-tokens.js';
import { isPublicSegmentUri, withPublicSegments } from './public-segments.js';

/**
 * Where `?token=` goes in a playlist, found once with a stand-in token: letters and digits only, so
 * encodeURIComponent leaves it as it is, and random, so no playlist holds it by chance (one that
 * does is rewritten the slow way).
 */
const STAND_IN = `sg${randomBytes(12).toString('hex')}`;
const STAND_IN_PARAM = `token=${STAND_IN}`;

/** One version of a playlist file as token holders get it. */
interface PreparedPlaylist {
  /** With public segment URIs when EDGE_SEGMENT_ACCESS=public; the file's text otherwise. */
  text: string;
  /** No public segment URI in it: without `?token=` the file is served as it is. */
  unchanged: boolean;
  /** `text` with `?token=` added, cut where the token goes; made at the first native player's request. */
  tokenParts?: string[] | null;
}

/**
 * The rewrites of a playlist the edge serves (public segment URIs for a CDN, `?token=` on every
 * other URI for native players), made once per version of the file held in memory instead of on
 * every reload: a reload is then a lookup, plus joining the viewer's token in for `?token=`. The
 * answer is byte for byte what `withPublicSegments` and `addTokenToPlaylist` make of the file.
 * Keyed by the cached bytes: a changed file is read into a new Buffer, and what was made for the
 * old one goes with it.
 */
export class PlaylistAnswers {
  private readonly byBytes = new WeakMap<Buffer, PreparedPlaylist>();

  /** `publicBase`: SEGMENT_BASE_URL ('' for this edge) when segments are public; null when they are not. */
  constructor(private readonly publicBase: string | null) {}

  /** Whether a playlist answer differs from the file for this request. */
  rewrites(queryToken: string | null): boolean {
    return queryToken !== null || this.publicBase !== null;
  }

  /**
   * The playlist `source` (the file `relativePath` of `eventId`'s folder) as served with
   * `queryToken`, or null when that is the file as it is. `source`: the file's bytes held in
   * memory, whose rewrites are kept for the next reload, or a text that is no file in memory (a
   * held LL-HLS answer, the origin's), rewritten each time.
   */
  answer(eventId: string, relativePath: string, source: Buffer | string, queryToken: string | null): string | null {
    const inMemory = typeof source !== 'string';
    let prepared = inMemory ? this.byBytes.get(source) : undefined;
    if (!prepared) {
      const text = inMemory ? source.toString('utf8') : source;
      const rewritten = this.withPublicSegments(eventId, relativePath, text);
      prepared = { text: rewritten, unchanged: rewritten === text };
      if (inMemory) this.byBytes.set(source, prepared);
    }
    if (queryToken === null) return prepared.unchanged ? null : prepared.text;
    if (!inMemory) return addTokenToPlaylist(prepared.text, queryToken, isPublicSegmentUri);
    if (prepared.tokenParts === undefined) {
      prepared.tokenParts = prepared.text.includes(STAND_IN) ? null : addTokenToPlaylist(prepared.text, STAND_IN, isPublicSegmentUri).split(STAND_IN_PARAM);
    }
    if (prepared.tokenParts === null) return addTokenToPlaylist(prepared.text, queryToken, isPublicSegmentUri);
    return prepared.tokenParts.join(`token=${encodeURIComponent(queryToken)}`);
  }

  private withPublicSegments(eventId: string, relativePath: string, text: string): string {
    if (this.publicBase === null) return text;
    const slash = relativePath.lastIndexOf('/');
    return withPublicSegments(text, eventId, slash < 0 ? '' : relativePath.slice(0, slash), this.publicBase);
  }
}
