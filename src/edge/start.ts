import type { AddressInfo } from 'node:net';
import { createServiceServer } from '../http/service-server.js';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { createLog, type Log } from '../core/log.js';
import { revocationRetentionMs } from '../core/revocation-retention.js';
import { LiveKeyring } from '../core/live-keyring.js';
import { createEdgeApp } from './app.js';
import { startEdgeCluster } from './edge-cluster.js';
import { createNativePlayers } from './native-players.js';
import { RevocationList } from './revocation-list.js';
import { RevocationSync } from './revocation-sync.js';

export interface RunningEdge {
  url: string;
  stop(): Promise<void>;
}

/**
 * Listens on EDGE_PORT and keeps the revocation list in sync with PLATFORM_URL; as EDGE_WORKERS
 * processes sharing the port when that is more than 1. `worker`: this is one of them.
 */
export async function startEdge(config: Config, log: Log = createLog('edge'), options: { worker?: number } = {}): Promise<RunningEdge> {
  if (config.edgeWorkers > 1) return startEdgeCluster(config, log);
  const keyring = LiveKeyring.forEdge(config, log);
  const revocations = new RevocationList(revocationRetentionMs(config));
  const sync = new RevocationSync({ platformUrl: config.platformUrl.replace(/\/$/, ''), signingKey: () => keyring.current, list: revocations, clock: systemClock, log });
  const native = createNativePlayers({ config, keyring, revocations, platformUrl: () => config.platformUrl, clock: systemClock, log });
  const app = createEdgeApp({ config, keyring, revocations, clock: systemClock, log, syncLagMs: () => sync.lagMs(), native, worker: options.worker });
  const { server, scheme, stopReloading } = createServiceServer(app, config, log);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.edgePort, config.host, resolve);
  }).catch((error) => {
    stopReloading();
    throw error;
  });
  sync.start();
  native.reporter.start();
  const pruner = setInterval(() => revocations.prune(systemClock()), 30_000);
  const { port } = server.address() as AddressInfo;
  const url = `${scheme}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (options.worker) log.info('edge worker listening', { worker: options.worker, pid: process.pid });
  else log.info('edge listening', { url, mode: config.edgeMode });
  return {
    url,
    async stop() {
      clearInterval(pruner);
      stopReloading();
      app.close();
      keyring.stop();
      sync.stop();
      native.reporter.stop();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
