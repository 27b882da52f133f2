import type { Config } from '../config.js';
import { toIso } from '../duration.js';
import type { DevicePolicy, EventRow, EventStatus, IngestState } from '../db/schema.js';
import { openStreamKey, type StreamKeyring } from './stream-key-seal.js';

/** An event as the CLI and the API show it (SPEC §2). */
export interface EventView {
  id: string;
  title: string;
  status: EventStatus;
  startsAt: string | null;
  endsAt: string | null;
  rewatchHours: number;
  streamKey: string;
  rtmpUrl: string;
  ladder: string;
  /** What the ingest does with the publisher, and why: why an event with a publisher is not live. */
  ingest: { state: IngestState; reason: string | null };
  /** A device beyond a code's seats: refused, or it takes over the least recently seen one. */
  devicePolicy: DevicePolicy;
  /** Plays without a code (`--public`): anyone with the watch page's link can watch. */
  public: boolean;
  createdAt: string;
}

/**
 * The RTMP server URL for OBS ("Server"); the stream key goes in OBS's own "Stream Key" field,
 * so this URL can be shared or shown on screen without giving the stream away.
 */
export function rtmpServerUrl(config: Config): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? new URL(config.platformUrl).hostname : config.host;
  return `rtmp://${host.includes(':') ? `[${host}]` : host}:${config.rtmpPort}/live`;
}

/** The keyring unseals the stored stream key: only holders of data/secret can show it. */
export function toEventView(row: EventRow, config: Config, keyring: StreamKeyring): EventView {
  return {
    id: row.id,
    title: row.title,
    status: row.status,
    startsAt: toIso(row.starts_at),
    endsAt: toIso(row.ends_at),
    rewatchHours: row.rewatch_hours,
    streamKey: openStreamKey(keyring, row.stream_key, row.id),
    rtmpUrl: rtmpServerUrl(config),
    ladder: row.ladder,
    ingest: { state: row.ingest_state, reason: row.ingest_reason },
    devicePolicy: row.device_policy,
    public: row.public_since !== null,
    createdAt: toIso(row.created_at)!,
  };
}
