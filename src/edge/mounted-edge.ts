import type { Router } from 'express';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Log } from '../core/log.js';
import { revocationRetentionMs } from '../core/revocation-retention.js';
import { LiveKeyring } from '../core/live-keyring.js';
import { createEdgeMetrics } from './metrics.js';
import { createNativePlayers } from './native-players.js';
import { RevocationList } from './revocation-list.js';
import { RevocationSync } from './revocation-sync.js';
import { streamsRouter } from './streams-router.js';

/**
 * The edge's `/streams` router for mounting inside the platform (`serve all`): the player then
 * fetches playlists and segments from its own origin, and the browser sends no CORS preflight
 * for each new segment URL. It syncs revocations from the platform like any other edge.
 */
export function createMountedEdge(config: Config, log: Log): { router: Router; start(platformUrl: string): void; stop(): void } {
  const keyring = LiveKeyring.forEdge(config, log);
  const revocations = new RevocationList(revocationRetentionMs(config));
  let sync: RevocationSync | null = null;
  let platform: string | null = null;
  const native = createNativePlayers({ config, keyring, revocations, platformUrl: () => platform, clock: systemClock, log });
  const router = streamsRouter({ config, keyring, revocations, clock: systemClock, log, syncLagMs: () => sync?.lagMs() ?? Infinity, native }, createEdgeMetrics());
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
      keyring.stop();
      sync?.stop();
      native.reporter.stop();
    },
  };
}
