import path from 'node:path';
import type { Clock } from '../core/clock.js';
import type { Db } from '../core/db/database.js';
import type { StreamKeyring } from '../core/events/stream-key-seal.js';
import { parseLadder } from '../core/events/ladder.js';
import { listIngestTargets, listLiveEventIds, markEventEnded, markEventLive } from '../core/events/event-service.js';
import { withFields, type Log } from '../core/log.js';
import { resetIngestStates, setIngestState, WHILE_PUBLISHING } from '../core/events/ingest-state.js';
import { readTracks } from './flv-tracks.js';
import { finalisePlaylists, livePlaylists } from './hls-output.js';
import { HlsWriter } from './hls-writer.js';
import { StreamHealthReporter } from './stream-health-reporter.js';
import { decidePackaging } from './live-packaging.js';
import type { Publisher, RtmpHandlers } from './rtmp-server.js';
import type { HlsKeyStore } from '../core/hls-keys/hls-key-store.js';
import type { EventEncryption } from '../core/db/schema.js';

export interface LiveIngestOptions {
  db: Db;
  /** Unseals the stream keys (data/secret's pepper). */
  keyring: StreamKeyring;
  clock: Clock;
  log: Log;
  ffmpegPath: string;
  hlsRoot: string;
  segmentSeconds: number;
  /** How long an event stays live after its publisher left, waiting for it to come back. */
  reconnectGraceMs: number;
  /** A publisher that sends nothing for this long is cut off (and may reconnect). */
  idleTimeoutMs: number;
  /** Where encrypted events' keys are made (key-rotator.ts); without it every event is written in clear. */
  keys?: { store: HlsKeyStore; workRoot: string; rotationSeconds: number };
}

interface Target {
  eventId: string;
  ladder: string;
  encryption: EventEncryption;
  latency: 'low' | 'normal';
  startsAt: number | null;
  windowSeconds: number | null;
}

interface LiveEvent {
  eventId: string;
  publisher: Publisher | null;
  writer: HlsWriter | null;
  graceTimer: NodeJS.Timeout | null;
  health: StreamHealthReporter;
  /** Playable, but before the event's start: the event turns live when the start comes. */
  rehearsing: boolean;
  /** Start, stop and finalise run one after the other, per event. */
  queue: Promise<void>;
}

const KEY_REFRESH_MS = 1_000;
const ACTOR = 'ingest';

/**
 * The live side of an event: admits publishers by stream key, runs an HlsWriter while one is on,
 * and turns the event live → ended. The keys are held in memory (refreshed every second) because
 * the admission check must answer synchronously.
 */
export class LiveIngest implements RtmpHandlers {
  private targets = new Map<string, Target>();
  private readonly live = new Map<string, LiveEvent>();
  private refreshTimer: NodeJS.Timeout | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private readonly lastBytes = new Map<Publisher, { bytes: number; since: number }>();
  private stopped = false;

  constructor(private readonly options: LiveIngestOptions) {}

  async start(): Promise<void> {
    await this.refreshKeys();
    this.refreshTimer = setInterval(() => void this.refreshKeys().catch((error) => this.options.log.error('cannot read stream keys', { error: String(error) })), KEY_REFRESH_MS);
    this.idleTimer = setInterval(() => this.cutOffSilentPublishers(), Math.min(1_000, this.options.idleTimeoutMs));
  }

  /** Ends every live event now: the process is going away, so no reconnect can continue it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearInterval(this.refreshTimer);
    if (this.idleTimer) clearInterval(this.idleTimer);
    await Promise.all([...this.live.values()].map((event) => {
      const publisher = event.publisher;
      event.publisher = null; // closed() ignores it now: the process is stopping
      publisher?.disconnect();
      return this.enqueue(event, () => this.finish(event, 'ingest stopped'));
    }));
  }

  /**
   * Ends events a previous ingest left live (it crashed, or the power went): their streams are
   * over. Call once this process holds the RTMP port, i.e. is the only ingest.
   */
  async endEventsLeftLive(): Promise<void> {
    await resetIngestStates(this.options.db);
    for (const eventId of await listLiveEventIds(this.options.db)) {
      finalisePlaylists(this.hlsDir(eventId));
      await markEventEnded(this.eventDeps(), eventId, { reason: 'ingest restarted' });
      this.options.log.warn('ended an event a previous ingest left live', { eventId: eventId });
    }
  }

  admit(streamKey: string): boolean {
    if (this.stopped) return false;
    const target = this.targets.get(streamKey);
    if (!target) return false;
    return !this.live.get(target.eventId)?.publisher; // one publisher per event
  }

  published(publisher: Publisher): void {
    const target = this.targets.get(publisher.streamKey);
    if (!target) return publisher.disconnect();
    let event = this.live.get(target.eventId);
    if (!event) {
      const health = new StreamHealthReporter({
        db: this.options.db,
        clock: this.options.clock,
        log: this.options.log,
        eventId: target.eventId,
        dir: this.hlsDir(target.eventId),
        segmentSeconds: this.options.segmentSeconds,
      });
      event = { eventId: target.eventId, publisher: null, writer: null, graceTimer: null, health, rehearsing: false, queue: Promise.resolve() };
      this.live.set(target.eventId, event);
    }
    const reconnected = event.graceTimer !== null;
    if (event.graceTimer) clearTimeout(event.graceTimer);
    event.graceTimer = null;
    event.publisher = publisher;
    event.health.attach(publisher, reconnected);
    this.lastBytes.set(publisher, { bytes: publisher.bytesIn(), since: this.options.clock() });
    this.options.log.info(reconnected ? 'publisher reconnected' : 'publisher started', { eventId: event.eventId, ladder: target.ladder });
    const live = event;
    void this.enqueue(live, async () => {
      if (live.publisher !== publisher) return;
      await live.writer?.stop(); // a publisher that replaced another within the grace
      live.writer = null;
      await setIngestState(this.options.db, live.eventId, 'connected', 'publisher connected, no output yet');
      await this.startWriter(live, publisher, target);
    });
  }

  /**
   * Starts FFmpeg for what the publisher actually sends, or refuses a stream that cannot be
   * packaged: one log line, the reason in the event's ingest state, the publisher cut off. The
   * event turns live only when the first segment is written, i.e. when it can be played.
   */
  private async startWriter(live: LiveEvent, publisher: Publisher, { ladder, latency, windowSeconds, encryption }: Target): Promise<void> {
    const rungs = parseLadder(ladder);
    const decision = decidePackaging(await readTracks(publisher), rungs.length > 0);
    if (live.publisher !== publisher) return; // gone while we looked
    if (!decision.ok) {
      this.options.log.warn(`publish refused: ${decision.reason}`, { eventId: live.eventId });
      await setIngestState(this.options.db, live.eventId, 'refused', decision.reason);
      publisher.disconnect();
      return;
    }
    live.health.writingTo(livePlaylists(rungs, decision.packaging));
    const writer: HlsWriter = new HlsWriter({
      ffmpegPath: this.options.ffmpegPath,
      dir: this.hlsDir(live.eventId),
      rungs,
      segmentSeconds: this.options.segmentSeconds,
      packaging: decision.packaging,
      windowSeconds,
      encryption: encryption === 'aes-128' ? this.encryptionFor(live.eventId) : null,
      latency,
      publisher,
      // FFmpeg's and the playlists' lines name the event they are about.
      log: withFields(this.options.log, { eventId: live.eventId }),
      onFirstSegment: () => void this.enqueue(live, async () => {
        if (live.writer !== writer) return;
        live.rehearsing = !(await markEventLive(this.eventDeps(), live.eventId));
        if (live.rehearsing) {
          await setIngestState(this.options.db, live.eventId, 'writing', 'rehearsal: segments are being written; viewers wait for the start');
          this.options.log.info('first segment written; a rehearsal until the event starts', { eventId: live.eventId });
          return;
        }
        await setIngestState(this.options.db, live.eventId, 'writing', 'segments are being written');
        this.options.log.info('first segment written; the event is live', { eventId: live.eventId });
      }),
      onProgress: (chunk) => live.health.ffmpegProgress(chunk),
      onGaveUp: (reason) => void this.enqueue(live, async () => {
        await setIngestState(this.options.db, live.eventId, 'failed', reason);
        publisher.disconnect();
      }),
    });
    live.writer = writer;
    writer.start();
    this.options.log.info('writing HLS', { eventId: live.eventId, ladder, latency, encryption, ...decision.packaging });
  }

  closed(publisher: Publisher): void {
    this.lastBytes.delete(publisher);
    const event = [...this.live.values()].find((e) => e.publisher === publisher);
    if (!event || this.stopped) return;
    event.publisher = null;
    event.rehearsing = false;
    void event.health.detach();
    this.options.log.info('publisher left', { eventId: event.eventId, graceSeconds: this.options.reconnectGraceMs / 1000 });
    void this.enqueue(event, async () => {
      await event.writer?.stop();
      event.writer = null;
      await setIngestState(this.options.db, event.eventId, 'idle', 'publisher left', WHILE_PUBLISHING);
    });
    event.graceTimer = setTimeout(() => {
      event.graceTimer = null;
      void this.enqueue(event, () => this.finish(event, 'publisher left'));
    }, this.options.reconnectGraceMs);
  }

  private async finish(event: LiveEvent, reason: string): Promise<void> {
    if (event.publisher) return; // came back meanwhile
    if (event.graceTimer) clearTimeout(event.graceTimer);
    await event.writer?.stop();
    event.writer = null;
    finalisePlaylists(this.hlsDir(event.eventId));
    await markEventEnded(this.eventDeps(), event.eventId, { reason });
    await setIngestState(this.options.db, event.eventId, 'idle', reason, WHILE_PUBLISHING);
    if (!event.publisher) await event.health.stop();
    this.options.log.info('event ended', { eventId: event.eventId, reason });
    // A publisher that came back during the lines above has its start queued behind this step:
    // the event stays known, goes live again, and FFmpeg's append_list drops the ENDLIST.
    if (!event.publisher) this.live.delete(event.eventId);
  }

  private enqueue(event: LiveEvent, step: () => Promise<void>): Promise<void> {
    event.queue = event.queue.then(step).catch((error) => this.options.log.error('ingest step failed', { eventId: event.eventId, error: String(error) }));
    return event.queue;
  }

  private async refreshKeys(): Promise<void> {
    const rows = await listIngestTargets(this.options.db, this.options.keyring);
    this.targets = new Map(rows.map((r) => [r.stream_key, { eventId: r.id, ladder: r.ladder, latency: r.latency, encryption: r.encryption, startsAt: r.starts_at, windowSeconds: r.window_seconds }]));
    // An event archived while live loses its publisher at once.
    const usable = new Map(rows.map((r) => [r.id, r]));
    const now = this.options.clock();
    for (const event of this.live.values()) {
      const row = usable.get(event.eventId);
      if (!row) event.publisher?.disconnect();
      else if (event.rehearsing && (row.starts_at === null || row.starts_at <= now)) this.startShow(event);
    }
  }

  /** A rehearsal's start has come (or was brought forward): the same stream is the show now. */
  private startShow(event: LiveEvent): void {
    event.rehearsing = false;
    void this.enqueue(event, async () => {
      if (!event.publisher || !event.writer) return;
      event.rehearsing = !(await markEventLive(this.eventDeps(), event.eventId));
      if (event.rehearsing) return;
      await setIngestState(this.options.db, event.eventId, 'writing', 'segments are being written');
      this.options.log.info('the event has started; the rehearsal stream is live', { eventId: event.eventId });
    });
  }

  private cutOffSilentPublishers(): void {
    const now = this.options.clock();
    for (const [publisher, seen] of this.lastBytes) {
      const bytes = publisher.bytesIn();
      if (bytes !== seen.bytes) this.lastBytes.set(publisher, { bytes, since: now });
      else if (now - seen.since >= this.options.idleTimeoutMs) {
        this.options.log.warn('publisher silent; disconnecting it', { silentMs: now - seen.since });
        this.lastBytes.delete(publisher);
        publisher.disconnect();
      }
    }
  }

  private encryptionFor(eventId: string) {
    const keys = this.options.keys;
    if (!keys) throw new Error('an encrypted event needs the key store (LiveIngestOptions.keys)');
    return { ...keys, eventId };
  }

  private hlsDir(eventId: string): string {
    return path.join(this.options.hlsRoot, eventId);
  }

  private eventDeps() {
    return { db: this.options.db, clock: this.options.clock, actor: ACTOR };
  }
}
