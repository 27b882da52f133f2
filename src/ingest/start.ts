import path from 'node:path';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { openDatabase } from '../core/db/database.js';
import { createLog, type Log } from '../core/log.js';
import { loadKeyring } from '../core/secret-store.js';
import { LiveIngest } from './live-ingest.js';
import { HlsKeyStore } from '../core/hls-keys/hls-key-store.js';
import { keyWorkRoot, removeStaleKeyWork } from './key-rotator.js';
import { startRtmpServer } from './rtmp-server.js';

export interface RunningIngest {
  url: string;
  /** STREAMGATE_RTMPS_PORT's listener, when there is one. */
  rtmpsUrl: string | null;
  stop(): Promise<void>;
}

/** RTMP on RTMP_PORT; publishers' streams become HLS under data/hls/<eventId>/. */
export async function startIngest(config: Config, log: Log = createLog('ingest')): Promise<RunningIngest> {
  const keyring = loadKeyring(config);
  const database = await openDatabase(config);
  const hlsRoot = path.join(config.dataDir, 'hls');
  const ingest = new LiveIngest({
    db: database,
    keyring,
    clock: systemClock,
    log,
    ffmpegPath: config.ffmpegPath,
    hlsRoot,
    segmentSeconds: config.hlsSegmentSeconds,
    reconnectGraceMs: config.ingestReconnectGraceSeconds * 1000,
    idleTimeoutMs: config.ingestIdleTimeoutSeconds * 1000,
    keys: { store: new HlsKeyStore(config.dataDir, keyring), workRoot: keyWorkRoot(config.dataDir), rotationSeconds: config.hlsKeyRotationSeconds },
  });
  let rtmp;
  try {
    await ingest.start();
    const rtmps = config.rtmpsPort !== null && config.tlsCert && config.tlsKey ? { port: config.rtmpsPort, files: { cert: config.tlsCert, key: config.tlsKey } } : undefined;
    rtmp = await startRtmpServer({ host: config.host, port: config.rtmpPort, log, handlers: ingest, rtmps });
    await ingest.endEventsLeftLive(); // holding the port, this is the only ingest
    // Plain keys a killed FFmpeg run left behind (their writer is gone): none may outlive it.
    if (removeStaleKeyWork(keyWorkRoot(config.dataDir)) > 0) log.warn('removed plain encryption keys a stopped process left behind');
  } catch (error) {
    await ingest.stop();
    await rtmp?.stop();
    await database.destroy();
    throw error;
  }
  log.info('ingest listening', { url: rtmp.url, ...(rtmp.rtmpsUrl && { rtmpsUrl: rtmp.rtmpsUrl }) });
  const server = rtmp;
  return {
    url: rtmp.url,
    rtmpsUrl: rtmp.rtmpsUrl,
    async stop() {
      await ingest.stop();
      await server.stop();
      await database.destroy();
    },
  };
}
