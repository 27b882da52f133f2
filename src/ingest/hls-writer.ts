import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import type { Log } from '../core/log.js';
import { failedForWantOfAudio, liveHlsArgs, PLAYLIST, reopenPlaylists } from './hls-output.js';
import { PlaylistKeeper } from './playlist-keeper.js';
import type { Rung } from '../core/events/ladder.js';
import type { Publisher } from './rtmp-server.js';

export interface HlsWriterOptions {
  ffmpegPath: string;
  dir: string;
  rungs: readonly Rung[];
  segmentSeconds: number;
  publisher: Publisher;
  log: Log;
}

/** FFmpeg writes so much slower than the publisher sends that it is stuck: start it again. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
/** Restart delays after FFmpeg died; the last one repeats. */
const BACKOFF_MS = [250, 1_000, 2_000, 5_000, 10_000];
/** A run this long resets the backoff. */
const HEALTHY_RUN_MS = 30_000;
/** After stdin closes FFmpeg writes its last segment and exits; past this it is made to. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * Supervises the FFmpeg that turns one publisher's stream into HLS. The stream reaches FFmpeg as
 * FLV on its stdin (never as an rtmp:// URL, whose stream key would sit in FFmpeg's argv where any
 * local user can read it), so the publisher leaving is an end of file and FFmpeg ends cleanly. If
 * FFmpeg dies while the publisher is still on, a new one appends to the same playlist after a
 * discontinuity, starting at the last keyframe node-media-server cached.
 */
export class HlsWriter {
  private child: ChildProcessWithoutNullStreams | null = null;
  private unsubscribe: (() => void) | null = null;
  private stopping = false;
  private failures = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Until FFmpeg finds no audio to map: a ladder then runs again without it. */
  private withAudio = true;
  private readonly keeper: PlaylistKeeper;

  constructor(private readonly options: HlsWriterOptions) {
    const { ffmpegPath, dir, rungs, segmentSeconds, log } = options;
    this.keeper = new PlaylistKeeper({
      ffmpegPath,
      dir,
      playlists: rungs.length === 0 ? [PLAYLIST] : rungs.map((rung) => `${rung.name}/${PLAYLIST}`),
      master: rungs.length > 0,
      segmentSeconds,
      log,
    });
  }

  start(): void {
    fs.mkdirSync(this.options.dir, { recursive: true });
    reopenPlaylists(this.options.dir);
    this.keeper.start();
    this.spawnFfmpeg();
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
    await this.keeper.stop();
  }

  private spawnFfmpeg(): void {
    const { ffmpegPath, dir, rungs, segmentSeconds, publisher, log } = this.options;
    const startedAt = Date.now();
    // Its own process group: a Ctrl-C in the terminal reaches only us, and we end FFmpeg's input in
    // order. If we die, the pipe closes and FFmpeg ends on its own.
    const child = spawn(ffmpegPath, liveHlsArgs(dir, rungs, segmentSeconds, this.withAudio), { stdio: ['pipe', 'ignore', 'pipe'], detached: true }) as unknown as ChildProcessWithoutNullStreams;
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr = (stderr + chunk).slice(-1_000)));
    child.stdin.on('error', () => undefined); // EPIPE when FFmpeg dies: its exit is handled below
    this.exited = new Promise((resolve) => {
      child.on('error', (error) => {
        log.error('cannot run ffmpeg', { ffmpeg: ffmpegPath, error: error.message });
      });
      child.on('close', (code, signal) => {
        this.child = null;
        this.detach();
        resolve();
        if (this.stopping) return;
        if (this.withAudio && failedForWantOfAudio(stderr)) {
          this.withAudio = false;
          log.info('the publisher sends no audio: the ladder goes on without it');
          this.spawnFfmpeg();
          return;
        }
        this.failures = Date.now() - startedAt >= HEALTHY_RUN_MS ? 1 : this.failures + 1;
        const delay = BACKOFF_MS[Math.min(this.failures - 1, BACKOFF_MS.length - 1)]!;
        log.warn('ffmpeg stopped while the publisher is on; restarting', { code, signal, inMs: delay, stderr: stderr.trim().split('\n').at(-1) });
        this.restartTimer = setTimeout(() => this.spawnFfmpeg(), delay);
      });
    });
    try {
      this.unsubscribe = publisher.subscribe((chunk) => {
        if (child.stdin.writableLength > MAX_BUFFERED_BYTES) {
          log.error('ffmpeg cannot keep up with the publisher; restarting it');
          child.kill('SIGKILL');
          return;
        }
        if (!child.stdin.destroyed) child.stdin.write(chunk);
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
