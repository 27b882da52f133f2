import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EdgeDeps } from './deps.js';
import { HSTS_VALUE, isHttpsRequest } from '../http/hsts.js';
import { createCors } from './cors.js';
import { MEDIA_HEADERS, type HeaderList } from './header-list.js';
import { createEdgeMetrics } from './metrics.js';
import { sendJson } from './hls-response.js';
import { createStreamsHandler, type StreamsHandler } from './streams-handler.js';
import { createKeyHandler } from './key-handler.js';
import { createClaimsVerifier } from './claims-verifier.js';
import { streamgateVersion } from '../core/version.js';

/** A platform not heard from for this long makes the edge report itself degraded (it still serves). */
const STALE_SYNC_MS = 30_000;
const PUBLIC_HEADERS: HeaderList = [...MEDIA_HEADERS, 'Access-Control-Allow-Origin', '*'];

export interface EdgeApp {
  (req: IncomingMessage, res: ServerResponse): void;
  streams: StreamsHandler;
  close(): void;
}

/**
 * The stand-alone edge as a node:http request listener, not listening: `/streams/…`, `/keys/…`, `/healthz`
 * and `/metrics`, no framework on the way. It never touches the database.
 */
export function createEdgeApp(deps: EdgeDeps): EdgeApp {
  const metrics = createEdgeMetrics();
  // One verified-token cache for playlists, segments and keys: a viewer's token is verified once.
  const verify = createClaimsVerifier(deps, metrics);
  const streams = createStreamsHandler(deps, metrics, { verify });
  const keys = createKeyHandler(deps, metrics, { verify });
  // Two sets of lists made once: answers over HTTPS (own TLS, or a trusted proxy's word) carry HSTS.
  const plainCors = createCors(deps.config.edgeAllowedOrigins, MEDIA_HEADERS);
  const secureCors = createCors(deps.config.edgeAllowedOrigins, [...MEDIA_HEADERS, 'Strict-Transport-Security', HSTS_VALUE]);
  const hops = deps.config.trustProxyHops;

  const health = (res: ServerResponse, base: HeaderList) => {
    const lagMs = deps.syncLagMs();
    const body = {
      status: lagMs <= STALE_SYNC_MS ? 'ok' : 'degraded',
      revocationSyncLagSeconds: Number.isFinite(lagMs) ? Math.round(lagMs / 1000) : null,
      revocations: deps.revocations.size,
      ...(deps.worker !== undefined && { worker: deps.worker }),
      version: streamgateVersion(),
    };
    sendJson(res, 200, body, base);
  };

  const metricsText = async (res: ServerResponse, base: HeaderList) => {
    metrics.revocations.set(deps.revocations.size);
    const lagMs = deps.syncLagMs();
    metrics.syncLag.set(Number.isFinite(lagMs) ? lagMs / 1000 : -1);
    metrics.cacheBytes.set(streams.cache.bytes);
    const text = await metrics.registry.metrics();
    res.writeHead(200, [...base, 'Content-Type', metrics.registry.contentType, 'Content-Length', String(Buffer.byteLength(text))]).end(text);
  };

  const app = (req: IncomingMessage, res: ServerResponse) => {
    const cors = isHttpsRequest(req, hops) ? secureCors : plainCors;
    if (req.method === 'OPTIONS') return cors.preflight(req, res);
    const base = cors.headersFor(req);
    const url = req.url ?? '/';
    const get = req.method === 'GET' || req.method === 'HEAD';
    if (get && url.startsWith('/streams/')) return void streams(req, res, url.slice('/streams'.length), base);
    if (get && url.startsWith('/keys/')) return void keys(req, res, url.slice('/keys'.length), base);
    // Anyone may fetch public segments, so any page may read them: one answer a CDN can cache for all.
    if (get && url.startsWith('/segments/')) return void streams.publicSegment(req, res, url.slice('/segments'.length), PUBLIC_HEADERS);
    const pathname = url.split('?')[0];
    if (get && pathname === '/healthz') return health(res, base);
    if (get && pathname === '/metrics') return void metricsText(res, base).catch(() => sendJson(res, 500, { error: { code: 'internal', message: 'Something went wrong on our side.' } }, base));
    // The platform's JSON 404 (no database behind it): never an HTML page.
    sendJson(res, 404, { error: { code: 'not_found', message: 'No such resource.' } }, base);
  };
  return Object.assign(app, { streams, close: () => streams.close() });
}
