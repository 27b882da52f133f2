import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { Log } from '../core/log.js';
import { revocationRetentionMs } from '../core/revocation-retention.js';
import { LiveKeyring } from '../core/live-keyring.js';
import { MEDIA_HEADERS } from './header-list.js';
import { createEdgeMetrics } from './metrics.js';
import { createNativePlayers } from './native-players.js';
import { RevocationList } from './revocation-list.js';
import { RevocationSync } from './revocation-sync.js';
import { createStreamsHandler } from './streams-handler.js';
import { createKeyHandler } from './key-handler.js';
import { createClaimsVerifier } from './claims-verifier.js';

/**
 * Answers `GET|HEAD /streams/…` itself and returns true; any other request is left to the caller
 * (false). The platform calls it ahead of Express (see createPlatformApp).
 */
export type StreamsDispatch = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * The edge's `/streams` handler (the same one the stand-alone edge runs) for mounting inside the
 * platform (`serve all`): the player then fetches playlists and segments from its own origin, and
 * the browser sends no CORS preflight for each new segment URL. It syncs revocations from the
 * platform like any other edge. Client addresses (for personal links) honour
 * STREAMGATE_TRUST_PROXY_HOPS as the platform's `req.ip` does.
 */
export function createMountedEdge(config: Config, log: Log): { router: StreamsDispatch; start(platformUrl: string): void; stop(): void } {
  const keyring = LiveKeyring.forEdge(config, log);
  const revocations = new RevocationList(revocationRetentionMs(config));
  let sync: RevocationSync | null = null;
  let platform: string | null = null;
  const native = createNativePlayers({ config, keyring, revocations, platformUrl: () => platform, clock: systemClock, log });
  const deps = { config, keyring, revocations, clock: systemClock, log, syncLagMs: () => sync?.lagMs() ?? Infinity, native };
  const metrics = createEdgeMetrics();
  // One verified-token cache for playlists, segments and keys: a viewer's token is verified once.
  const verify = createClaimsVerifier(deps, metrics);
  const streams = createStreamsHandler(deps, metrics, { trustedProxyHops: config.trustProxyHops, verify });
  const keys = createKeyHandler(deps, metrics, { trustedProxyHops: config.trustProxyHops, verify });
  // Other methods go on to the platform (its 404). Same origin as the player: no CORS headers.
  const router: StreamsDispatch = (req, res) => {
    const url = req.url;
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !url) return false;
    if (url.startsWith('/streams/')) void streams(req, res, url.slice('/streams'.length), MEDIA_HEADERS);
    else if (url.startsWith('/keys/')) void keys(req, res, url.slice('/keys'.length), MEDIA_HEADERS);
    else if (url.startsWith('/segments/')) void streams.publicSegment(req, res, url.slice('/segments'.length), MEDIA_HEADERS);
    else return false;
    return true;
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
