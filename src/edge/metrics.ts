import { Counter, Gauge, Registry } from 'prom-client';

export function createEdgeMetrics() {
  const registry = new Registry();
  return {
    registry,
    requests: new Counter({ name: 'streamgate_edge_requests_total', help: 'HLS requests by status', labelNames: ['status'], registers: [registry] }),
    keyRequests: new Counter({ name: 'streamgate_edge_key_requests_total', help: 'AES-128 key requests by status (/keys/…)', labelNames: ['status'], registers: [registry] }),
    publicSegmentRequests: new Counter({ name: 'streamgate_edge_public_segment_requests_total', help: 'Requests for public segments (/segments/…, EDGE_SEGMENT_ACCESS=public)', registers: [registry] }),
    verifyCache: new Counter({ name: 'streamgate_edge_verify_cache_total', help: 'Token checks by cache result', labelNames: ['result'], registers: [registry] }),
    revocations: new Gauge({ name: 'streamgate_edge_revocation_set_size', help: 'Entries in the revocation list', registers: [registry] }),
    upstreamFetches: new Counter({ name: 'streamgate_edge_upstream_fetches_total', help: 'Fetches from the origin (proxy and hybrid modes)', registers: [registry] }),
    cacheBytes: new Gauge({ name: 'streamgate_edge_cache_bytes', help: 'Bytes of segments and playlists held in memory (EDGE_CACHE_MB)', registers: [registry] }),
    heldRequests: new Gauge({ name: 'streamgate_edge_held_requests', help: 'LL-HLS blocking reloads and preload-hint requests waiting now', registers: [registry] }),
    syncLag: new Gauge({ name: 'streamgate_edge_sync_lag_seconds', help: 'Seconds since the platform was last heard from', registers: [registry] }),
  };
}

export type EdgeMetrics = ReturnType<typeof createEdgeMetrics>;
