import type { RequestHandler } from 'express';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Log } from '../core/log.js';
import { revocationRetentionMs } from '../core/revocation-retention.js';
import { LiveKeyring } from '../core/live-keyring.js';
import { createEdgeMetrics } from './metrics.js';
import { createNativePlayers } from './native-players.js';
import { RevocationList } from './revocation-list.js';
import { RevocationSync } from './revocation-sync.js';
import { createStreamsHandler } from './streams-handler.js';

/**
 * The edge's `/streams` handler (the same one the stand-alone edge runs) for mounting inside the platform (`serve all`): the player then
 * fetches playlists and segments from its own origin, and the browser sends no CORS preflight
 * for each new segment URL. It syncs revocations from the platform like any other edge.
 */
export function createMountedEdge(config: Config, log: Log): { router: RequestHandler; start(platformUrl: string): void; stop(): void } {
  const keyring = LiveKeyring.forEdge(config, log);
  const revocations = new RevocationList(revocationRetentionMs(config));
  let sync: RevocationSync | null = null;
  let platform: string | null = null;
  const native = createNativePlayers({ config, keyring, revocations, platformUrl: () => platform, clock: systemClock, log });
  const streams = createStreamsHandler({ config, keyring, revocations, clock: systemClock, log, syncLagMs: () => sync?.lagMs() ?? Infinity, native }, createEdgeMetrics());
  // Under app.use('/streams'), Express has taken the prefix off req.url; other methods go on to the platform's 404.
  const router: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    void streams(req, res, req.url);
  };
  const pruner = setInterval(() => revocations.prune(systemClock()), 30_000);
  pruner.unref();
  return {
    router,
    start(platformUrl) {
      platform = platformUrl;
      native.reporter.start();
      sync = new RevocationSync({ platformUrl, signingKey: () => keyring.current, list: revocations, clock: systemClock, log });
      sync.start();
    },
    stop() {
      clearInterval(pruner);
      streams.close();
      keyring.stop();
      sync?.stop();
      native.reporter.stop();
    },
  };
}
