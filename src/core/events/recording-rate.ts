import type { Db } from '../db/database.js';
import { parseLadder } from './ladder.js';
import type { StreamFigures } from './stream-health.js';

/** The AAC each ladder rendition carries (hls-output.ts). */
const LADDER_AUDIO_KBPS = 128;

export interface RecordingRate {
  eventId: string;
  /** What the event's recording grows by, all renditions together. */
  kbps: number;
  /** `measured` (the ingest's bitrate out), `ladder` (the renditions' nominal bitrates) or `input` (the publisher's). */
  source: 'measured' | 'ladder' | 'input';
}

/**
 * How fast each live event's recording grows on disk: the ingest's measured output when it has
 * one, else the ladder's nominal bitrates, else (a copied stream not measured yet) what the
 * publisher sends. Events with nothing known yet are left out.
 */
export async function liveRecordingRates(db: Db): Promise<RecordingRate[]> {
  const rows = await db
    .selectFrom('events')
    .leftJoin('stream_health', 'stream_health.event_id', 'events.id')
    .select(['events.id', 'events.ladder', 'stream_health.figures'])
    .where('events.status', '=', 'live')
    .execute();
  const rates: RecordingRate[] = [];
  for (const row of rows) {
    const figures = parseFigures(row.figures);
    if (figures?.bitrateOutKbps) {
      rates.push({ eventId: row.id, kbps: figures.bitrateOutKbps, source: 'measured' });
      continue;
    }
    const rungs = safeLadder(row.ladder);
    if (rungs.length > 0) rates.push({ eventId: row.id, kbps: rungs.reduce((sum, r) => sum + r.videoKbps + LADDER_AUDIO_KBPS, 0), source: 'ladder' });
    else if (figures?.bitrateInKbps) rates.push({ eventId: row.id, kbps: figures.bitrateInKbps, source: 'input' });
  }
  return rates.sort((a, b) => b.kbps - a.kbps);
}

/** Bytes one hour of recording at `kbps` takes. */
export function bytesPerHour(kbps: number): number {
  return (kbps * 1000 * 3600) / 8;
}

function parseFigures(text: string | null): StreamFigures | null {
  if (!text) return null;
  try {
    return JSON.parse(text) as StreamFigures;
  } catch {
    return null;
  }
}

function safeLadder(spec: string): ReturnType<typeof parseLadder> {
  try {
    return parseLadder(spec);
  } catch {
    return [];
  }
}
