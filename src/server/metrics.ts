import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** The platform's Prometheus metrics, one registry per app (tests build many apps). */
export function createPlatformMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    validations: new Counter({ name: 'streamgate_validations_total', help: 'Code validations by result', labelNames: ['result'], registers: [registry] }),
    activeSessions: new Gauge({ name: 'streamgate_active_sessions', help: 'Sessions with a heartbeat in the last 90 s', registers: [registry] }),
    feedCursor: new Gauge({ name: 'streamgate_revocation_feed_cursor', help: 'Newest revocation feed cursor', registers: [registry] }),
    feedLagSeconds: new Gauge({ name: 'streamgate_revocation_feed_lag_seconds', help: 'Age of the newest feed entry when it was noticed', registers: [registry] }),
    feedSubscribers: new Gauge({ name: 'streamgate_revocation_feed_subscribers', help: 'Edges connected to the push feed', registers: [registry] }),
  };
}

export type PlatformMetrics = ReturnType<typeof createPlatformMetrics>;
