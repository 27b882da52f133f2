import { spawn, type ChildProcessWithoutNullStreams, type StdioOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Log } from '../core/log.js';
import type { Rung } from '../core/events/ladder.js';
import { liveHlsArgs, livePlaylists, reopenPlaylists, segmentCount } from './hls-output.js';
import { PROGRESS_ARGS } from './ffmpeg-progress.js';
import { PlaylistKeeper } from './playlist-keeper.js';
import { KeyRotator } from './key-rotator.js';
import type { HlsKeyStore } from '../core/hls-keys/hls-key-store.js';
import type { LivePackaging } from './live-packaging.js';
import type { Publisher } from './rtmp-server.js';
import { llHlsArgs } from './ll-hls/ll-hls-args.js';
import { LlRun } from './ll-hls/ll-run.js';

export interface HlsWriterOptions {
  ffmpegPath: string;
  dir: string;
  rungs: readonly Rung[];
  segmentSeconds: number;
  /** The publisher's tracks and what to do with each (live-packaging.ts). */
  packaging: LivePackaging;
  publisher: Publisher;
  log: Log;
  /** The first segment of this publish is in the playlist: the stream is playable now. */
  onFirstSegment(): void;
  /** FFmpeg failed too often in a row; the writer has stopped for good. */
  onGaveUp(reason: string): void;
  /** Keep only the last this many seconds (a rolling playlist); null keeps the whole recording. */
  windowSeconds?: number | null;
  /** FFmpeg's `-progress` output, every 2 s, for the stream's health (ffmpeg-progress.ts). */
  onProgress?(chunk: Buffer): void;
  /** AES-128: segments encrypted under keys from `store`, a new one every `rotationSeconds`. */
  encryption?: { store: HlsKeyStore; eventId: string; workRoot: string; rotationSeconds: number } | null;
  /** `low`: LL-HLS, FFmpeg's fragmented MP4 segmented here (ll-hls/); `normal` (default): FFmpeg's HLS. */
  latency?: 'low' | 'normal';
}

/** FFmpeg writes so much slower than the publisher sends that it is stuck: start it again. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Restart delays after FFmpeg died; the last one repeats. */
const BACKOFF_MS = [250, 1_000, 2_000, 5_000, 10_000];
/** A run this long resets the backoff. */
const HEALTHY_RUN_MS = 30_000;
/**
 * Runs shorter than HEALTHY_RUN_MS, one after the other, before the writer gives up: FFmpeg that
 * fails this often fails for a reason a restart does not fix (~18 s of trying with the backoff).
 */
export const MAX_FAST_FAILURES = 5;
/** After stdin closes FFmpeg writes its last segment and exits; past this it is made to. */
const STOP_TIMEOUT_MS = 10_000;
const FLV_HAS_AUDIO = 0x04;
const FLV_HAS_VIDEO = 0x01;

/**
 * Supervises the FFmpeg that turns one publisher's stream into HLS. The stream reaches FFmpeg as
 * FLV on its stdin (never as an rtmp:// URL, whose stream key would sit in FFmpeg's argv where any
 * local user can read it), so the publisher leaving is an end of file and FFmpeg ends cleanly. If
 * FFmpeg dies while the publisher is still on, a new one appends to the same playlist after a
 * discontinuity, starting at the last keyframe node-media-server cached; after MAX_FAST_FAILURES
 * short runs in a row it gives up and says why.
 */
export class HlsWriter {
  private child: ChildProcessWithoutNullStreams | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private playable = false;
  private exited: Promise<void> = Promise.resolve();
  private readonly keeper: PlaylistKeeper;
  /** Segments the first playlist listed before this publish: one more means it is playable. */
  private segmentsBefore = 0;
  private readonly keys: KeyRotator | null;
  private rotateTimer: NodeJS.Timeout | null = null;

  constructor(private readonly options: HlsWriterOptions) {
    const { ffmpegPath, dir, rungs, segmentSeconds, packaging, log, encryption } = options;
    this.keys = encryption ? new KeyRotator(encryption.store, encryption.eventId, encryption.workRoot) : null;
    this.keeper = new PlaylistKeeper({
      encryptedFor: encryption ? encryption.eventId : null,
      ffmpegPath,
      dir,
      playlists: livePlaylists(rungs, packaging),
      master: rungs.length > 0,
      segmentSeconds,
      log,
      onSegments: (count) => this.listed(count),
    });
  }

  start(): void {
    const { dir, rungs, packaging } = this.options;
    fs.mkdirSync(dir, { recursive: true });
    if (this.lowLatency) return this.spawnFfmpeg(); // the segmenter keeps its own playlists
    reopenPlaylists(dir);
    this.segmentsBefore = segmentCount(path.join(dir, livePlaylists(rungs, packaging)[0]!));
    this.keeper.start();
    if (this.keys) {
      this.keys.start();
      const rotationMs = this.options.encryption!.rotationSeconds * 1000;
      this.rotateTimer = setInterval(() => this.rotateKey(), rotationMs);
    }
    this.spawnFfmpeg();
  }

  private rotateKey(): void {
    try {
      this.keys?.rotate();
    } catch (error) {
      // The current key stays in use: segments stay encrypted, only for longer under one key.
      this.options.log.error('cannot rotate the encryption key; keeping the current one', { error: String(error) });
    }
  }

  /** Ends FFmpeg's input and waits until it has written the last segment and exited. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.detach();
    const child = this.child;
    if (child) {
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      await this.exited;
      clearTimeout(killer);
    }
    if (this.rotateTimer) clearInterval(this.rotateTimer);
    this.keys?.stop();
    if (!this.lowLatency) await this.keeper.stop();
  }

  /** Playable means a segment listed in the playlist; until then the event must not say live. */
  private listed(count: number): void {
    if (count > this.segmentsBefore) this.becamePlayable();
  }

  private becamePlayable(): void {
    if (this.playable || this.stopping) return;
    this.playable = true;
    this.options.onFirstSegment();
  }

  private get lowLatency(): boolean {
    return this.options.latency === 'low';
  }

  private spawnFfmpeg(): void {
    const { ffmpegPath, dir, rungs, segmentSeconds, packaging, publisher, log } = this.options;
    const startedAt = Date.now();
    const lowLatency = this.lowLatency ? llHlsArgs(dir, rungs, segmentSeconds, packaging) : null;
    const args = lowLatency ? lowLatency.args : liveHlsArgs(dir, rungs, segmentSeconds, packaging, this.options.windowSeconds ?? null, this.keys?.keyInfoFile ?? null);
    // Low latency: one more pipe per rendition, FFmpeg's fragmented MP4.
    const stdio: StdioOptions = ['pipe', 'pipe', 'pipe', ...(lowLatency?.outputs.map(() => 'pipe' as const) ?? [])];
    // Its own process group: a Ctrl-C in the terminal reaches only us, and we end FFmpeg's input in
    // order. If we die, the pipe closes and FFmpeg ends on its own.
    const child = spawn(ffmpegPath, [...PROGRESS_ARGS, ...args], { stdio, detached: true }) as unknown as ChildProcessWithoutNullStreams;
    this.child = child;
    const run = lowLatency
      ? new LlRun({ dir, outputs: lowLatency.outputs, segmentSeconds, clock: Date.now, log, onFirstSegment: () => this.becamePlayable() })
      : null;
    run?.attach(child);
    child.stdout.on('data', (chunk: Buffer) => this.options.onProgress?.(chunk));
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-1_000)));
    child.stdin.on('error', () => undefined); // EPIPE when FFmpeg dies: its exit is handled below
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        stderr = `cannot run ${ffmpegPath}: ${error.message}`;
        log.error('cannot run ffmpeg', { ffmpeg: ffmpegPath, error: error.message });
      });
      child.on('close', (code, signal) => {
        this.child = null;
        this.detach();
        run?.stop();
        resolve();
        if (this.stopping) return;
        const lastLine = stderr.trim().split('\n').at(-1) ?? '';
        this.failures = Date.now() - startedAt >= HEALTHY_RUN_MS ? 1 : this.failures + 1;
        if (this.failures >= MAX_FAST_FAILURES) {
          this.stopping = true;
                log.error('ffmpeg failed too often in a row; giving up on this publish', { failures: this.failures, code, signal, stderr: lastLine });
          this.options.onGaveUp(`FFmpeg failed ${this.failures} times in a row (last: ${lastLine || `exit ${code ?? signal}`})`);
          return;
        }
        const delay = BACKOFF_MS[Math.min(this.failures - 1, BACKOFF_MS.length - 1)]!;
        log.warn('ffmpeg stopped while the publisher is on; restarting', { code, signal, inMs: delay, stderr: lastLine });
        this.restartTimer = setTimeout(() => this.spawnFfmpeg(), delay);
      });
    });
    const flags = (packaging.audio ? FLV_HAS_AUDIO : 0) | (packaging.video ? FLV_HAS_VIDEO : 0);
    try {
      this.unsubscribe = publisher.subscribe((chunk) => {
        if (child.stdin.writableLength > MAX_BUFFERED_BYTES) {
          log.error('ffmpeg cannot keep up with the publisher; restarting it');
          child.kill('SIGKILL');
          return;
        }
        if (!child.stdin.destroyed) child.stdin.write(isFlvHeader(chunk) ? withTrackFlags(chunk, flags) : chunk);
      });
    } catch (error) {
      // The publisher is already gone; its departure stops this writer.
      log.warn('cannot read the publisher', { error: String(error) });
      child.stdin.end();
    }
  }

  private detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }
}

function isFlvHeader(chunk: Buffer): boolean {
  return chunk.length >= 9 && chunk.toString('latin1', 0, 3) === 'FLV';
}

/**
 * node-media-server's FLV header always announces audio and video, and FFmpeg waits for a track it
 * was promised: the header FFmpeg reads announces the tracks that were actually seen.
 */
function withTrackFlags(header: Buffer, flags: number): Buffer {
  const copy = Buffer.from(header);
  copy[4] = flags;
  return copy;
}
