import fs from 'node:fs';
import path from 'node:path';
import { parseLlPlaylist } from '../../core/ll-hls/ll-playlist-parse.js';
import { renderLlPlaylist, type LlPart, type LlPlaylist, type LlSegment } from '../../core/ll-hls/ll-playlist.js';
import type { Fragment, InitSegment } from './fmp4-splitter.js';
import { publishFile } from './published-file.js';

export const LL_PLAYLIST = 'index.m3u8';

export interface LlSegmenterOptions {
  dir: string;
  /** A segment closes at the first keyframe after this long. */
  segmentSeconds: number;
  /** PART-TARGET: FFmpeg's fragments (-frag_duration) must not exceed it, nor fall under 85 % of it. */
  partTarget: number;
  /** Wall clock, for EXT-X-PROGRAM-DATE-TIME. */
  clock: () => number;
  /** After every playlist write, with what it now lists. */
  onPlaylist?(playlist: LlPlaylist): void;
}

interface PendingPart extends LlPart {
  bytes: Buffer;
}

/** Every part but a segment's last must last this share of PART-TARGET at least (RFC 8216bis 4.4.4.9). */
export const MIN_PART_SHARE = 0.85;
/** Complete segments whose part files are kept, counted back from the live edge, beyond those listed. */
const PART_FILE_MARGIN_SEGMENTS = 3;

/**
 * Turns one run of FFmpeg's fragments into LL-HLS files in `dir`: each fragment a part
 * (part_<run>_<n>.m4s, named by a counter so the preload hint can name the next one before it is
 * known where it falls), parts grouped into segments that start on keyframes (seg_<msn>.m4s, the
 * parts' bytes end to end), and index.m3u8 rewritten after each. A run that follows an earlier one
 * (a publisher who came back) continues its playlist after a discontinuity, with its own init
 * segment. `finish` turns the playlist into a VOD of whole segments and removes the part files.
 */
export class LlSegmenter {
  private readonly playlist: LlPlaylist;
  private readonly run: number;
  private partCounter = 0;
  private pendingParts: PendingPart[] = [];
  private initUri: string | null = null;
  private clockAnchor: { media: number; wall: number } | null = null;
  private readonly partFiles = new Map<number, string[]>();

  constructor(private readonly options: LlSegmenterOptions) {
    fs.mkdirSync(options.dir, { recursive: true });
    const previous = readPlaylist(path.join(options.dir, LL_PLAYLIST));
    // The earlier run's part files are gone (finish removed them): its segments are listed whole.
    const segments = (previous?.segments ?? []).map((segment) => ({ ...segment, parts: [] }));
    const msn = previous?.pending.msn ?? 0;
    this.run = msn;
    this.playlist = {
      targetDuration: Math.max(previous?.targetDuration ?? 0, Math.ceil(options.segmentSeconds)),
      partTarget: options.partTarget,
      segments,
      pending: { msn, parts: [], initUri: '', discontinuity: segments.length > 0, programDateTime: null },
      preloadHint: null,
      ended: false,
    };
  }

  /** FFmpeg's init segment: written before the first part that needs it. */
  init(init: InitSegment): void {
    this.initUri = `init_${this.run}.mp4`;
    publishFile(path.join(this.options.dir, this.initUri), init.bytes);
    this.playlist.pending.initUri = this.initUri;
  }

  fragment(fragment: Fragment): void {
    if (!this.initUri) throw new Error('a fragment before the init segment');
    if (fragment.independent && this.segmentEndsBefore()) this.closeSegment();
    if (this.pendingParts.length === 0) this.startSegment(fragment);
    const uri = this.partUri(this.partCounter);
    this.partCounter += 1;
    publishFile(path.join(this.options.dir, uri), fragment.bytes);
    this.pendingParts.push({ uri, duration: fragment.durationSeconds, independent: fragment.independent, bytes: fragment.bytes });
    this.playlist.pending.parts = this.pendingParts.map(({ uri, duration, independent }) => ({ uri, duration, independent }));
    // FFmpeg cuts a fragment short of 200 ms only because a keyframe comes next (frag_keyframe,
    // off the 200 ms grid). Only a segment's last part may be under 85 % of PART-TARGET
    // (RFC 8216bis 4.4.4.9), so the segment ends here, before the keyframe, rather than list a
    // short part mid-segment; it is whole one part sooner too.
    if (fragment.durationSeconds < MIN_PART_SHARE * this.options.partTarget) this.closeSegment();
    this.playlist.preloadHint = this.partUri(this.partCounter);
    this.write();
  }

  /**
   * FFmpeg has stopped (the publisher left, and may come back): the last segment closes and the
   * playlist lists whole segments only, no parts and no hint, until a new run continues it.
   */
  stop(): void {
    if (this.pendingParts.length > 0) this.closeSegment();
    for (const segment of this.playlist.segments) segment.parts = [];
    this.playlist.preloadHint = null;
    this.write();
    for (const files of this.partFiles.values()) for (const file of files) fs.rmSync(path.join(this.options.dir, file), { force: true });
    this.partFiles.clear();
  }

  /** The event is over: stop, and the playlist becomes an ordinary VOD of whole segments. */
  finish(): void {
    this.playlist.ended = true;
    this.stop();
  }

  /** Segments listed so far (whole ones). */
  get segmentCount(): number {
    return this.playlist.segments.length;
  }

  /** A keyframe ends the segment being built once it is long enough. */
  private segmentEndsBefore(): boolean {
    const pendingSeconds = this.pendingParts.reduce((sum, p) => sum + p.duration, 0);
    return this.pendingParts.length > 0 && pendingSeconds >= this.options.segmentSeconds - 0.001;
  }

  private startSegment(fragment: Fragment): void {
    if (!this.clockAnchor) this.clockAnchor = { media: fragment.startSeconds, wall: this.options.clock() };
    const wall = this.clockAnchor.wall + (fragment.startSeconds - this.clockAnchor.media) * 1000;
    this.playlist.pending.programDateTime = new Date(wall).toISOString();
  }

  private closeSegment(): void {
    const { pending } = this.playlist;
    const uri = `seg_${String(pending.msn).padStart(5, '0')}.m4s`;
    publishFile(path.join(this.options.dir, uri), Buffer.concat(this.pendingParts.map((p) => p.bytes)));
    const parts = pending.parts;
    const duration = Number(parts.reduce((sum, p) => sum + p.duration, 0).toFixed(5));
    const segment: LlSegment = { msn: pending.msn, uri, duration, parts, initUri: pending.initUri, discontinuity: pending.discontinuity, programDateTime: pending.programDateTime };
    this.playlist.segments.push(segment);
    this.playlist.targetDuration = Math.max(this.playlist.targetDuration, Math.round(duration));
    this.partFiles.set(pending.msn, parts.map((p) => p.uri));
    this.playlist.pending = { msn: pending.msn + 1, parts: [], initUri: pending.initUri, discontinuity: false, programDateTime: null };
    this.pendingParts = [];
    this.removeOldParts();
  }

  /** Part files of segments long out of the playlist's part listing: a player reads the segment now. */
  private removeOldParts(): void {
    const keep = Math.ceil((3 * this.playlist.targetDuration) / this.options.segmentSeconds) + PART_FILE_MARGIN_SEGMENTS;
    const oldest = this.playlist.pending.msn - keep;
    for (const [msn, files] of this.partFiles) {
      if (msn >= oldest) continue;
      for (const file of files) fs.rmSync(path.join(this.options.dir, file), { force: true });
      this.partFiles.delete(msn);
    }
  }

  private partUri(n: number): string {
    return `part_${this.run}_${n}.m4s`;
  }

  private write(): void {
    publishFile(path.join(this.options.dir, LL_PLAYLIST), renderLlPlaylist(this.playlist));
    this.options.onPlaylist?.(this.playlist);
  }
}

function readPlaylist(file: string): LlPlaylist | null {
  try {
    return parseLlPlaylist(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}
