import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import type { IngestState, StreamHealthTable } from '../db/schema.js';
import { toIso } from '../duration.js';
import { healthWarnings, type HealthWarning } from './stream-health-warnings.js';

/**
 * What the ingest measured of one publisher's stream. Every figure is null until known: from the
 * publisher's FLV (metadata and packets) or from FFmpeg's `-progress` output.
 */
export interface StreamFigures {
  /** From the FLV metadata (`onMetaData`) the encoder announced. */
  width: number | null;
  height: number | null;
  /** Frames per second the publisher sends, counted from its video packets. */
  frameRate: number | null;
  videoCodec: string | null;
  audioCodec: string | null;
  /** What arrives from the publisher, measured over the last few seconds. */
  bitrateInKbps: number | null;
  /** What FFmpeg wrote into segments, over the last few segments. */
  bitrateOutKbps: number | null;
  /** Seconds between the publisher's keyframes (the longest over the last few). */
  keyframeIntervalSeconds: number | null;
  /** Media seconds FFmpeg packaged per second of wall time, over the last ~10 s. */
  speed: number | null;
  /** Media seconds the publisher sent per second of wall time: below 1, its uplink cannot keep up. */
  inputSpeed: number | null;
  /** FFmpeg's counters for this publish: frames dropped, and duplicated to fill gaps. */
  droppedFrames: number | null;
  duplicatedFrames: number | null;
  /** The encoder, as the metadata names it (OBS, FFmpeg's Lavf…). */
  encoder: string | null;
}

export const NO_FIGURES: StreamFigures = {
  width: null, height: null, frameRate: null, videoCodec: null, audioCodec: null, bitrateInKbps: null, bitrateOutKbps: null,
  keyframeIntervalSeconds: null, speed: null, inputSpeed: null, droppedFrames: null, duplicatedFrames: null, encoder: null,
};

/** One event's health as the ingest reports it (written by the ingest, any host). */
export interface HealthReport {
  eventId: string;
  publisherIp: string | null;
  connectedAt: number | null;
  leftAt: number | null;
  reconnects: number;
  segmentSeconds: number;
  figures: StreamFigures;
}

/** Every write replaces the event's one row: storage stays one row per event, whatever the hours live. */
export async function writeStreamHealth(db: Db, nowMs: number, report: HealthReport): Promise<void> {
  const row: StreamHealthTable = {
    event_id: report.eventId,
    updated_at: nowMs,
    publisher_ip: report.publisherIp,
    connected_at: report.connectedAt,
    left_at: report.leftAt,
    reconnects: report.reconnects,
    segment_seconds: report.segmentSeconds,
    figures: JSON.stringify(report.figures),
  };
  const { event_id: _key, ...changes } = row;
  await writeTransaction(db, (trx) => trx.insertInto('stream_health').values(row).onConflict((oc) => oc.column('event_id').doUpdateSet(changes)).execute());
}

/** The health of an event as the API, the CLI, the console and /metrics show it. */
export interface StreamHealthView {
  eventId: string;
  /** `publishing` (a publisher is on and the ingest reports), `stale` (it stopped reporting), `idle`. */
  state: 'publishing' | 'stale' | 'idle';
  ingest: { state: IngestState; reason: string | null };
  /** Publishing before the event's start: viewers are refused, the operator can preview. */
  rehearsal: boolean;
  publisher: { address: string | null; connectedAt: string | null; connectedSeconds: number | null; leftAt: string | null; reconnects: number } | null;
  segmentSeconds: number | null;
  figures: StreamFigures;
  warnings: HealthWarning[];
  updatedAt: string | null;
}

/** The ingest writes every HEALTH_WRITE_MS; a row this much older means it has stopped reporting. */
export const HEALTH_WRITE_MS = 5_000;
const STALE_AFTER_MS = 3 * HEALTH_WRITE_MS;

type EventForHealth = { id: string; status: string; starts_at: number | null; ingest_state: IngestState; ingest_reason: string | null };

export async function streamHealth(db: Db, nowMs: number, event: EventForHealth): Promise<StreamHealthView> {
  const row = await db.selectFrom('stream_health').selectAll().where('event_id', '=', event.id).executeTakeFirst();
  return toHealthView(event, row ?? null, nowMs);
}

/** Every event's health at once (`/metrics`): one query. */
export async function allStreamHealth(db: Db, nowMs: number): Promise<StreamHealthView[]> {
  const rows = await db
    .selectFrom('events as e')
    .innerJoin('stream_health as h', 'h.event_id', 'e.id')
    .select(['e.id', 'e.status', 'e.starts_at', 'e.ingest_state', 'e.ingest_reason'])
    .selectAll('h')
    .where('e.status', '!=', 'archived')
    .execute();
  return rows.map((row) => toHealthView(row, row, nowMs));
}

export function toHealthView(event: EventForHealth, row: StreamHealthTable | null, nowMs: number): StreamHealthView {
  const publishing = row !== null && row.left_at === null && (event.ingest_state === 'connected' || event.ingest_state === 'writing');
  const state = !publishing ? 'idle' : nowMs - row!.updated_at > STALE_AFTER_MS ? 'stale' : 'publishing';
  const figures: StreamFigures = row ? { ...NO_FIGURES, ...(JSON.parse(row.figures) as Partial<StreamFigures>) } : { ...NO_FIGURES };
  const rehearsal = publishing && event.status === 'scheduled' && event.starts_at !== null && event.starts_at > nowMs;
  return {
    eventId: event.id,
    state,
    ingest: { state: event.ingest_state, reason: event.ingest_reason },
    rehearsal,
    publisher: row
      ? {
          address: row.publisher_ip,
          connectedAt: toIso(row.connected_at),
          connectedSeconds: row.connected_at !== null && row.left_at === null ? Math.max(0, Math.round((nowMs - row.connected_at) / 1000)) : null,
          leftAt: toIso(row.left_at),
          reconnects: row.reconnects,
        }
      : null,
    segmentSeconds: row?.segment_seconds ?? null,
    figures,
    warnings: publishing ? healthWarnings(figures, row!.segment_seconds, state === 'stale', rehearsal) : [],
    updatedAt: toIso(row?.updated_at),
  };
}
