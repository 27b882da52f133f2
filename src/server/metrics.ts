import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** What the metrics show of the PostgreSQL feed listener. */
export interface FeedListenerState {
  connected: boolean;
  lastNotificationAt: number;
}

/** The platform's Prometheus metrics, one registry per app (tests build many apps). */
/** `feedSubscribers` counts the live subscriptions to the revocation feed (edges and watching players). */
export function createPlatformMetrics(feedListener: FeedListenerState | null = null, feedSubscribers: () => number = () => 0) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  if (feedListener) {
    new Gauge({
      name: 'streamgate_feed_listener_connected',
      help: '1 while the PostgreSQL LISTEN connection for the revocation feed is up',
      registers: [registry],
      collect() {
        this.set(feedListener.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'streamgate_feed_listener_last_notification_age_seconds',
      help: 'Seconds since the last feed notification arrived (absent before the first)',
      registers: [registry],
      collect() {
        this.reset();
        if (feedListener.lastNotificationAt > 0) this.set((Date.now() - feedListener.lastNotificationAt) / 1000);
      },
    });
  }
  return {
    registry,
    validations: new Counter({ name: 'streamgate_validations_total', help: 'Code validations by result', labelNames: ['result'], registers: [registry] }),
    activeSessions: new Gauge({ name: 'streamgate_active_sessions', help: 'Sessions with a heartbeat in the last 90 s', registers: [registry] }),
    feedCursor: new Gauge({ name: 'streamgate_revocation_feed_cursor', help: 'Newest revocation feed cursor', registers: [registry] }),
    feedLagSeconds: new Gauge({ name: 'streamgate_revocation_feed_lag_seconds', help: 'Age of the newest feed entry when it was noticed', registers: [registry] }),
    feedSubscribers: new Gauge({
      name: 'streamgate_revocation_feed_subscribers',
      help: 'Connections subscribed to the revocation push feed (edges, and players watching their session)',
      registers: [registry],
      collect() {
        this.set(feedSubscribers());
      },
    }),
  };
}

export type PlatformMetrics = ReturnType<typeof createPlatformMetrics>;
