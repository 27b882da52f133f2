import http from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHttpsRedirectServer, httpsLocation } from '../http/https-redirect.js';
import { createServiceServer } from '../http/service-server.js';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import { openDatabase } from '../core/db/database.js';
import { startWalCheckpointer } from '../core/db/wal-checkpointer.js';
import { pruneFailureBudgets } from '../core/failure-budget.js';
import { createLog, type Log } from '../core/log.js';
import { ViewerSampler } from '../core/analytics/viewer-sampler.js';
import { LiveKeyring } from '../core/live-keyring.js';
import { sharedKeyState } from '../core/signing-keys.js';
import { endTimedOutSessions } from '../core/sessions/session-service.js';
import { createPlatformApp, type PlatformOptions } from './app.js';

export interface RunningService {
  url: string;
  /**
   * Where this process's own mounted edge reaches the platform: the URL itself on plain HTTP; with
   * built-in TLS a loopback-only plain listener, since the certificate names the public host, not
   * 127.0.0.1 (requests there are the same app, and the same authentication, as on the TLS port).
   */
  internalUrl: string;
  /** STREAMGATE_HTTP_REDIRECT_PORT's listener, when there is one. */
  redirectUrl: string | null;
  stop(): Promise<void>;
}

const hostUrl = (scheme: string, host: string, port: number) => `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`;

function listen(server: http.Server | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

/** Listens, sweeps timed-out sessions and full-again failure budgets every 10 s, samples viewers, and stops cleanly (the caller wires signals). */
export async function startPlatform(config: Config, log: Log = createLog('platform'), options: PlatformOptions = {}): Promise<RunningService> {
  const db = await openDatabase(config);
  const checkpointer = startWalCheckpointer(db, log);
  const keyring = LiveKeyring.forPlatform(config, log, () => sharedKeyState(db));
  await keyring.sync();
  const deps = { config, db, keyring, clock: systemClock, log };
  const platform = createPlatformApp(deps, options);
  const { server, scheme, stopReloading } = createServiceServer(platform.app, config, log);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  const extra: http.Server[] = [];
  const closeAll = async (servers: (http.Server | HttpsServer)[]) => {
    for (const s of servers) s.closeIdleConnections();
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
      if (!s.listening) return resolve();
      s.close(() => resolve());
      // Long-lived feed streams would hold close() open forever.
      setTimeout(() => s.closeAllConnections(), 2_000).unref();
    })));
  };
  let port: number;
  let internalUrl: string;
  let redirectUrl: string | null = null;
  try {
    port = await listen(server, config.platformPort, config.host);
    internalUrl = hostUrl(scheme, config.host, port);
    if (scheme === 'https' && options.streams) {
      const internal = http.createServer(platform.app);
      extra.push(internal);
      internalUrl = hostUrl('http', '127.0.0.1', await listen(internal, 0, '127.0.0.1'));
    }
    if (config.httpRedirectPort !== null) {
      const redirect = createHttpsRedirectServer((req) => httpsLocation(req, config.platformUrl, port));
      extra.push(redirect);
      redirectUrl = hostUrl('http', config.host, await listen(redirect, config.httpRedirectPort, config.host));
    }
  } catch (error) {
    stopReloading();
    await closeAll([server, ...extra]);
    await platform.close();
    await checkpointer?.stop();
    await db.destroy();
    keyring.stop();
    throw error;
  }
  const sweeper = setInterval(() => {
    endTimedOutSessions(deps).catch((error) => log.warn('session sweep failed', { error: (error as Error).message }));
    pruneFailureBudgets(db, systemClock()).catch((error) => log.warn('failure budget sweep failed', { error: (error as Error).message }));
  }, 10_000);
  const sampler = new ViewerSampler({ db, clock: systemClock, log, intervalMs: config.analyticsSampleSeconds * 1000 }).start();
  const url = hostUrl(scheme, config.host, port);
  log.info('platform listening', { url, ...(redirectUrl && { redirectUrl }) });
  return {
    url,
    internalUrl,
    redirectUrl,
    async stop() {
      clearInterval(sweeper);
      await sampler.stop();
      keyring.stop();
      stopReloading();
      await platform.close();
      await closeAll([server, ...extra]);
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}
