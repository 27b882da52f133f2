import { Gauge, type Registry } from 'prom-client';
import { allStreamHealth, type StreamFigures, type StreamHealthView } from '../core/events/stream-health.js';
import type { PlatformDeps } from './deps.js';

/** The per-event figures /metrics shows, by metric name. */
const FIGURES: [name: string, help: string, figure: keyof StreamFigures][] = [
  ['streamgate_stream_bitrate_in_kbps', 'Bitrate arriving from the publisher (kbit/s)', 'bitrateInKbps'],
  ['streamgate_stream_bitrate_out_kbps', 'Bitrate FFmpeg writes into segments, all renditions (kbit/s)', 'bitrateOutKbps'],
  ['streamgate_stream_frame_rate', 'Frames per second the publisher sends', 'frameRate'],
  ['streamgate_stream_keyframe_interval_seconds', "Seconds between the publisher's keyframes", 'keyframeIntervalSeconds'],
  ['streamgate_stream_ffmpeg_speed', 'Media seconds FFmpeg packages per second (below 1: falling behind)', 'speed'],
  ['streamgate_stream_input_speed', 'Media seconds arriving per second (below 1: the uplink cannot keep up)', 'inputSpeed'],
  ['streamgate_stream_dropped_frames', 'Frames FFmpeg dropped in this publish', 'droppedFrames'],
  ['streamgate_stream_duplicated_frames', 'Frames FFmpeg duplicated in this publish', 'duplicatedFrames'],
  ['streamgate_stream_width', 'Video width the publisher announced (pixels)', 'width'],
  ['streamgate_stream_height', 'Video height the publisher announced (pixels)', 'height'],
];

/** Scrapes within this long share one read of the database. */
const CACHE_MS = 1_000;

/**
 * Stream health per event (label `event`), for events with a publisher on. Every gauge reads the
 * same snapshot: one query per scrape, whatever the number of gauges.
 */
export function registerStreamHealthMetrics(registry: Registry, deps: Pick<PlatformDeps, 'db' | 'clock'>): void {
  let cache: { at: number; views: Promise<StreamHealthView[]> } | null = null;
  const publishing = async () => {
    const now = Date.now();
    if (!cache || now - cache.at > CACHE_MS) cache = { at: now, views: allStreamHealth(deps.db, deps.clock()).then((all) => all.filter((v) => v.state !== 'idle')) };
    return cache.views;
  };
  const gauge = (name: string, help: string, value: (view: StreamHealthView) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['event'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const view of await publishing()) {
          const v = value(view);
          if (v !== null) this.set({ event: view.eventId }, v);
        }
      },
    });
  gauge('streamgate_stream_publishing', '1 while a publisher streams to the event (0: the ingest stopped reporting)', (v) => (v.state === 'publishing' ? 1 : 0));
  gauge('streamgate_stream_connected_seconds', 'Seconds since the publisher connected', (v) => v.publisher?.connectedSeconds ?? null);
  gauge('streamgate_stream_reconnects', 'Times the publisher reconnected since the event went on air', (v) => v.publisher?.reconnects ?? null);
  gauge('streamgate_stream_warnings', 'Health warnings (keyframe interval, speed, dropped frames…)', (v) => v.warnings.length);
  for (const [name, help, figure] of FIGURES) gauge(name, help, (v) => (typeof v.figures[figure] === 'number' ? (v.figures[figure] as number) : null));
}
