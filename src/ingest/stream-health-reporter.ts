import type { Clock } from '../core/clock.js';
import type { Db } from '../core/db/database.js';
import { HEALTH_WRITE_MS, writeStreamHealth, type StreamFigures } from '../core/events/stream-health.js';
import type { Log } from '../core/log.js';
import { ProgressMeter, ProgressParser } from './ffmpeg-progress.js';
import { outputBitrateKbps } from './output-bitrate.js';
import type { Publisher } from './rtmp-server.js';
import { StreamMeter } from './stream-meter.js';

export interface HealthReporterOptions {
  db: Db;
  clock: Clock;
  log: Log;
  eventId: string;
  /** The event's folder and its media playlists (relative), for the bitrate out. */
  dir: string;
  segmentSeconds: number;
  intervalMs?: number;
}

/**
 * One live event's health, measured here and written to the database every HEALTH_WRITE_MS (one
 * row per event, replaced), so the platform, on this host or another, can show it. Lives from the
 * first publish to the event's end, across reconnects, which it counts.
 */
export class StreamHealthReporter {
  private publisher: Publisher | null = null;
  private unsubscribe: (() => void) | null = null;
  private meter: StreamMeter;
  private progress: ProgressMeter;
  private parser: ProgressParser;
  private playlists: readonly string[] = [];
  private address: string | null = null;
  private connectedAt: number | null = null;
  private leftAt: number | null = null;
  private reconnects = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly options: HealthReporterOptions) {
    this.meter = new StreamMeter(options.clock);
    this.progress = new ProgressMeter(options.clock);
    this.parser = new ProgressParser((block) => this.progress.block(block));
  }

  /** A publisher is on (again): measure its stream from now. */
  attach(publisher: Publisher, reconnected: boolean): void {
    this.detachStream();
    this.publisher = publisher;
    this.address = publisher.address;
    if (reconnected) this.reconnects += 1;
    this.connectedAt = this.options.clock();
    this.leftAt = null;
    this.meter = new StreamMeter(this.options.clock);
    this.progress = new ProgressMeter(this.options.clock);
    this.parser = new ProgressParser((block) => this.progress.block(block));
    // The broadcast replays its cached GOP inside subscribe(): codecs and metadata count, but
    // bytes and timestamps that arrived earlier would inflate the rates.
    let replaying = true;
    const meter = this.meter;
    try {
      this.unsubscribe = publisher.subscribe((chunk) => meter.feed(chunk, !replaying));
      replaying = false;
    } catch {
      this.unsubscribe = null; // already gone; its departure is reported by detach()
    }
    this.timer ??= setInterval(() => void this.write(), this.options.intervalMs ?? HEALTH_WRITE_MS);
    this.timer.unref?.();
    void this.write();
  }

  /** FFmpeg's playlists for this publish (they depend on its tracks and ladder). */
  writingTo(playlists: readonly string[]): void {
    this.playlists = playlists;
  }

  /** FFmpeg's `-progress` bytes. */
  ffmpegProgress(chunk: Buffer): void {
    this.parser.feed(chunk);
  }

  /** The publisher left: its last figures stay, marked with when it left. */
  async detach(): Promise<void> {
    if (!this.publisher) return;
    this.detachStream();
    this.publisher = null;
    this.leftAt = this.options.clock();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.write();
  }

  /** The event ended, or the ingest stops. */
  async stop(): Promise<void> {
    await this.detach();
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.writing;
  }

  figures(): StreamFigures {
    return { ...this.meter.figures(), ...this.progress.figures(), bitrateOutKbps: this.publisher ? outputBitrateKbps(this.options.dir, this.playlists) : null };
  }

  private detachStream(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** One write at a time; a failed one is logged and the next interval tries again. */
  private write(): Promise<void> {
    this.writing = this.writing.then(async () => {
      try {
        await writeStreamHealth(this.options.db, this.options.clock(), {
          eventId: this.options.eventId,
          publisherIp: this.address,
          connectedAt: this.connectedAt,
          leftAt: this.leftAt,
          reconnects: this.reconnects,
          segmentSeconds: this.options.segmentSeconds,
          figures: this.figures(),
        });
      } catch (error) {
        this.options.log.warn('cannot record stream health', { eventId: this.options.eventId, error: String(error) });
      }
    });
    return this.writing;
  }
}
