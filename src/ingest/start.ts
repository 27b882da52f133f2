import path from 'node:path';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { openDatabase, type Db } from '../core/db/database.js';
import { listLiveEventIds, markEventEnded } from '../core/events/event-service.js';
import { createLog, type Log } from '../core/log.js';
import { finalisePlaylists } from './hls-output.js';
import { LiveIngest } from './live-ingest.js';
import { startRtmpServer } from './rtmp-server.js';

export interface RunningIngest {
  url: string;
  ingest: LiveIngest;
  stop(): Promise<void>;
}

/** RTMP on RTMP_PORT; publishers' streams become HLS under data/hls/<eventId>/. */
export async function startIngest(config: Config, log: Log = createLog('ingest'), db?: Db): Promise<RunningIngest> {
  const ownDb = db === undefined;
  const database = db ?? (await openDatabase(config));
  const hlsRoot = path.join(config.dataDir, 'hls');
  const ingest = new LiveIngest({
    db: database,
    clock: systemClock,
    log,
    ffmpegPath: config.ffmpegPath,
    hlsRoot,
    segmentSeconds: config.hlsSegmentSeconds,
    reconnectGraceMs: config.ingestReconnectGraceSeconds * 1000,
    idleTimeoutMs: config.ingestIdleTimeoutSeconds * 1000,
  });
  let rtmp;
  try {
    await ingest.start();
    rtmp = await startRtmpServer({ host: config.host, port: config.rtmpPort, log, handlers: ingest });
    // Holding the port makes this the only ingest: events it finds live were left so by one that
    // died. Their streams are over; end them as the publisher leaving would have.
    for (const eventId of await listLiveEventIds(database)) {
      finalisePlaylists(path.join(hlsRoot, eventId));
      await markEventEnded({ db: database, clock: systemClock, actor: 'ingest' }, eventId, { reason: 'ingest restarted' });
      log.warn('ended an event a previous ingest left live', { event: eventId });
    }
  } catch (error) {
    await ingest.stop();
    await rtmp?.stop();
    if (ownDb) await database.destroy();
    throw error;
  }
  log.info('ingest listening', { url: rtmp.url });
  const server = rtmp;
  return {
    url: rtmp.url,
    ingest,
    async stop() {
      await ingest.stop();
      await server.stop();
      if (ownDb) await database.destroy();
    },
  };
}
