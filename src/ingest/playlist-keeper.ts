import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../core/atomic-file.js';
import type { Log } from '../core/log.js';
import { FFMPEG_SUFFIX, keepMediaPlaylist, targetDurationOf, wholeSegmentDurations } from './media-playlist.js';
import { keepMasterPlaylist, MASTER, probeFrameRate } from './master-playlist.js';
import { cutSegment, readPieces } from './segment-splitter.js';
import { withServedKeyUris } from '../core/hls-keys/served-key-uri.js';

export interface PlaylistKeeperOptions {
  ffmpegPath: string;
  /** The event's folder. */
  dir: string;
  /** Its media playlists, relative to `dir`: `index.m3u8`, or one per rendition of a ladder. */
  playlists: readonly string[];
  /** A ladder: its master playlist (`index.m3u8`) is written once every rendition has a segment. */
  master: boolean;
  segmentSeconds: number;
  log: Log;
  /** Called with the number of segments the first media playlist lists, after each change. */
  onSegments?: (count: number) => void;
  /**
   * The event's id when its segments are encrypted: key URIs are rewritten to the edge's
   * (served-key-uri.ts), and a long segment is listed as it is, since ciphertext cannot be cut.
   */
  encryptedFor?: string | null;
}

/**
 * Keeps the playlists viewers read in step with the ones FFmpeg writes (media-playlist.ts says
 * why they differ). It follows FFmpeg's files with inotify, so a new segment is listed within
 * milliseconds; each write is atomic, and is made only when the text changes.
 */
export class PlaylistKeeper {
  private watchers: fs.FSWatcher[] = [];
  private scheduled = false;
  private closed = false;
  private readonly cutting = new Map<string, Promise<unknown>>();
  /** Segments whose cut failed (a full disk): left out, and not tried again by this run. */
  private readonly uncuttable = new Set<string>();
  /** A ladder's frame rate, probed once from its first segment: undefined until asked. */
  private frameRate: Promise<number | null> | undefined;
  private toldKeyframes = false;

  constructor(private readonly options: PlaylistKeeperOptions) {}

  start(): void {
    const dirs = new Set(this.options.playlists.map((p) => path.dirname(path.join(this.options.dir, p))));
    for (const dir of dirs) {
      fs.mkdirSync(dir, { recursive: true });
      this.watchers.push(fs.watch(dir, () => this.schedule()));
    }
    this.syncInBackground();
  }

  /** Lists what FFmpeg wrote last, cutting what needs it first, and stops following it. */
  async stop(): Promise<void> {
    this.closed = true;
    for (const watcher of this.watchers) watcher.close();
    this.watchers = [];
    for (;;) {
      await this.sync();
      if (this.cutting.size === 0) break;
      await Promise.all(this.cutting.values());
    }
  }

  /** Brings every served playlist up to date with FFmpeg's now. */
  async sync(): Promise<void> {
    const counts = this.options.playlists.map((playlist) => this.syncMedia(playlist));
    this.options.onSegments?.(counts[0] ?? 0);
    if (this.options.master && counts.every((count) => count > 0)) await this.syncMaster();
  }

  private schedule(): void {
    if (this.scheduled || this.closed) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (!this.closed) this.syncInBackground();
    });
  }

  /** A sync nobody awaits: its failure (a full disk) is logged, and the next change tries again. */
  private syncInBackground(): void {
    this.sync().catch((error) => this.options.log.error('cannot update the served playlists', { error: String(error) }));
  }

  private syncMedia(playlist: string): number {
    const served = path.join(this.options.dir, playlist);
    const ffmpegText = readOrNull(served + FFMPEG_SUFFIX);
    if (ffmpegText === null) return 0;
    const servedText = readOrNull(served);
    this.checkKeyframeInterval(ffmpegText);
    const target = targetDurationOf(servedText, ffmpegText, this.options.segmentSeconds);
    const folder = path.dirname(served);
    const encryptedFor = this.options.encryptedFor ?? null;
    const piecesOf = encryptedFor
      ? (uri: string) => [{ uri, duration: segmentDurationIn(ffmpegText, uri) }]
      : (uri: string) => readPieces(folder, uri) ?? (this.uncuttable.has(path.join(folder, uri)) ? [] : null);
    const kept = keepMediaPlaylist(ffmpegText, target, piecesOf);
    if (kept.uncut) this.cut(folder, kept.uncut, target);
    const text = encryptedFor ? withServedKeyUris(kept.text, encryptedFor) : kept.text;
    if (text !== servedText) writeFileAtomic(served, text, 0o644);
    return kept.segmentCount;
  }

  /**
   * FFmpeg cuts a segment at the first keyframe after the segment length: unless the publisher's
   * keyframe interval divides it, segments come out longer and uneven, and latency grows. The
   * operator is told once a run; whole segments (not the last of a publish) say it.
   */
  private checkKeyframeInterval(ffmpegText: string): void {
    if (this.toldKeyframes) return;
    const off = wholeSegmentDurations(ffmpegText).find((seconds) => Math.abs(seconds - this.options.segmentSeconds) > 0.05);
    if (off === undefined) return;
    this.toldKeyframes = true;
    this.options.log.warn('the publisher\'s keyframe interval does not divide the segment length: set it to the segment length (OBS: Settings → Output → Keyframe Interval)', {
      segmentSeconds: this.options.segmentSeconds,
      segmentLasted: off,
    });
  }

  private cut(folder: string, segment: { uri: string; duration: number }, target: number): void {
    const key = path.join(folder, segment.uri);
    if (this.cutting.has(key)) return;
    this.options.log.warn('a segment is longer than its playlist allows: cutting it (the publisher\'s keyframe interval is too long)', {
      segment: path.relative(this.options.dir, key),
      seconds: segment.duration,
      targetDuration: target,
    });
    const cutting = cutSegment(this.options.ffmpegPath, folder, segment.uri, segment.duration, this.options.segmentSeconds)
      .then((pieces) => pieces.length === 0 && this.options.log.error('cannot cut a segment: it is left out of the playlist', { segment: segment.uri }))
      .catch((error) => {
        this.uncuttable.add(key);
        this.options.log.error('cannot cut a segment: it is left out of the playlist', { segment: segment.uri, error: String(error) });
      })
      .finally(() => {
        this.cutting.delete(key);
        this.schedule();
      });
    this.cutting.set(key, cutting);
  }

  private async syncMaster(): Promise<void> {
    this.frameRate ??= this.firstSegment().then((segment) => (segment ? probeFrameRate(this.options.ffmpegPath, segment) : null));
    const text = keepMasterPlaylist(this.options.dir, await this.frameRate);
    const served = path.join(this.options.dir, MASTER);
    if (text !== null && text !== readOrNull(served)) writeFileAtomic(served, text, 0o644);
  }

  private async firstSegment(): Promise<string | null> {
    const playlist = path.join(this.options.dir, this.options.playlists[0]!);
    const uri = (readOrNull(playlist) ?? '').split('\n').find((line) => line.trim() && !line.startsWith('#'));
    return uri ? path.join(path.dirname(playlist), uri.trim()) : null;
  }
}

/** The EXTINF of `uri` in FFmpeg's playlist (0 if not listed). */
function segmentDurationIn(ffmpegText: string, uri: string): number {
  const lines = ffmpegText.split('\n').map((line) => line.trim());
  const at = lines.indexOf(uri);
  for (let i = at - 1; i >= 0; i--) if (lines[i]!.startsWith('#EXTINF:')) return Number.parseFloat(lines[i]!.slice('#EXTINF:'.length));
  return 0;
}

function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
