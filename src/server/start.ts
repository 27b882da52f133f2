import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { openDatabase } from '../core/db/database.js';
import { pruneFailureBudgets } from '../core/failure-budget.js';
import { createLog, type Log } from '../core/log.js';
import { ViewerSampler } from '../core/analytics/viewer-sampler.js';
import { LiveKeyring } from '../core/live-keyring.js';
import { sharedKeyState } from '../core/signing-keys.js';
import { endTimedOutSessions } from '../core/sessions/session-service.js';
import { createPlatformApp, type PlatformOptions } from './app.js';

export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

/** Listens, sweeps timed-out sessions and full-again failure budgets every 10 s, samples viewers, and stops cleanly (the caller wires signals). */
export async function startPlatform(config: Config, log: Log = createLog('platform'), options: PlatformOptions = {}): Promise<RunningService> {
  const db = await openDatabase(config);
  const keyring = LiveKeyring.forPlatform(config, log, () => sharedKeyState(db));
  await keyring.sync();
  const deps = { config, db, keyring, clock: systemClock, log };
  const platform = createPlatformApp(deps, options);
  const server = http.createServer(platform.app);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.platformPort, config.host, resolve);
  });
  const sweeper = setInterval(() => {
    endTimedOutSessions(deps).catch((error) => log.warn('session sweep failed', { error: (error as Error).message }));
    pruneFailureBudgets(db, systemClock()).catch((error) => log.warn('failure budget sweep failed', { error: (error as Error).message }));
  }, 10_000);
  const sampler = new ViewerSampler({ db, clock: systemClock, log, intervalMs: config.analyticsSampleSeconds * 1000 }).start();
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  log.info('platform listening', { url });
  return {
    url,
    async stop() {
      clearInterval(sweeper);
      await sampler.stop();
      keyring.stop();
      await platform.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-lived feed streams would hold close() open forever.
        setTimeout(() => server.closeAllConnections(), 2_000).unref();
      });
      await db.destroy();
    },
  };
}
