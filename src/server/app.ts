import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import helmet from 'helmet';
import { postgresUrl } from '../core/db/database.js';
import { FEED_SAFETY_POLL_MS, FEED_UNLISTENED_POLL_MS, FeedNotificationListener } from '../core/db/feed-notifications.js';
import { feedWindowMs } from '../core/revocation-retention.js';
import type { PlatformDeps } from './deps.js';
import { FeedHub } from './feed-hub.js';
import { errorHandler, notFoundHandler } from '../http/error-handler.js';
import { headersSetBy } from '../http/headers-set-by.js';
import { HSTS_VALUE, isHttpsRequest } from '../http/hsts.js';
import { jsonBody } from '../http/json-body.js';
import { plainJsonRoute } from './http/plain-json-route.js';
import { requestLog } from './http/request-log.js';
import { createPlatformMetrics } from './metrics.js';
import { registerStreamHealthMetrics } from './stream-health-metrics.js';
import { adminApiRouter } from './admin/admin-router.js';
import { isBrandingImageUpload } from './admin/routes/event-branding.js';
import { consoleRoutes } from './routes/console.js';
import { healthRoutes } from './routes/health.js';
import { portalRoutes } from './routes/portal.js';
import { eventPageRoutes } from './routes/event-page.js';
import { edgeSessionRoutes } from './routes/edge-sessions.js';
import { revocationRoutes } from './routes/revocations.js';
import { sessionRoutes } from './routes/sessions.js';
import { VALIDATE_PATH, validateAnswer, validateRoutes } from './routes/validate.js';
import { publicPlayRoutes } from './routes/public-play.js';
import { WebhookDeliverer } from './webhook-deliverer.js';

export interface PlatformApp {
  /** The request listener: /streams first when the edge is mounted, then code validation, then the Express app. */
  app: (req: IncomingMessage, res: ServerResponse) => void;
  feed: FeedHub;
  /** On PostgreSQL: the connection that hears of new feed entries from every replica and the CLI. */
  feedListener: FeedNotificationListener | null;
  /** Sends the webhook outbox (every replica runs one; leases keep them apart). */
  webhooks: WebhookDeliverer;
  /** Stops background work (the feed poll and listener, the deliverer); the caller closes the HTTP server and the database. */
  close(): Promise<void>;
}

/** The platform as an Express app, not listening: tests drive it on an ephemeral port. */
export interface PlatformOptions {
  /**
   * The edge's /streams handler (serve all), so playback is same-origin. It sees every request
   * before Express does and answers its own (true): one log line, a dozen page-security headers
   * and Express's routing per segment would cost more than serving it. It sets the two headers
   * that matter for media itself and logs its refusals like the stand-alone edge.
   */
  streams?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export function createPlatformApp(deps: PlatformDeps, options: PlatformOptions = {}): PlatformApp {
  // SQLite has no notifications: the hub polls every 100 ms. PostgreSQL tells every replica.
  const databaseUrl = postgresUrl(deps.db);
  const feedListener = databaseUrl ? new FeedNotificationListener({ databaseUrl, log: deps.log, onSignal: () => feed.wake() }) : null;
  // The hub is made below; the gauge reads it only when /metrics is scraped.
  const metrics = createPlatformMetrics(feedListener, () => feed.size);
  registerStreamHealthMetrics(metrics.registry, deps);
  const pollMs = feedListener ? () => (feedListener.connected ? FEED_SAFETY_POLL_MS : FEED_UNLISTENED_POLL_MS) : () => 100;
  const feed = new FeedHub({ db: deps.db, clock: deps.clock, log: deps.log, windowMs: feedWindowMs(deps.config), pollMs }, (cursor, ageMs) => {
    metrics.feedCursor.set(cursor);
    metrics.feedLagSeconds.set(ageMs / 1000);
  });
  feedListener?.start();
  const webhooks = new WebhookDeliverer({ db: deps.db, keyring: deps.keyring, clock: deps.clock, log: deps.log });
  webhooks.start();
  const validate = validateAnswer(deps, metrics, Boolean(options.streams));
  const app = express();
  app.disable('x-powered-by');
  // A hop count, never `true`: with `true` any client could claim any address in X-Forwarded-For.
  app.set('trust proxy', deps.config.trustProxyHops);
  app.locals.streamsMounted = Boolean(options.streams); // where the console's preview plays from
  const edgeOrigin = new URL(deps.config.edgePublicUrl).origin;
  const pageSecurity = helmet({
    // Sent below only over HTTPS: over plain HTTP it means nothing to a browser, and on a LAN
    // appliance it would only mislead.
    strictTransportSecurity: false,
    referrerPolicy: { policy: 'no-referrer' },
    contentSecurityPolicy: {
      directives: {
        'default-src': ["'self'"],
        'connect-src': ["'self'", edgeOrigin],
        'media-src': ["'self'", 'blob:'],
        'worker-src': ["'self'", 'blob:'],
        'img-src': ["'self'", 'data:'],
        // An appliance is often served over plain HTTP on a LAN; upgrading its requests would break it.
        'upgrade-insecure-requests': null,
      },
    },
  });
  app.use(pageSecurity);
  // Our own TLS listener, or a trusted proxy's X-Forwarded-Proto (STREAMGATE_TRUST_PROXY_HOPS): as
  // the edge and the routes answered before Express read it.
  app.use(function strictTransportSecurity(req, res, next) {
    if (isHttpsRequest(req, deps.config.trustProxyHops)) res.setHeader('Strict-Transport-Security', HSTS_VALUE);
    next();
  });
  app.use(requestLog(deps.log));
  // sendBeacon posts text/plain; it is still our JSON.
  const readBody = jsonBody({ limit: '16kb', types: ['application/json', 'text/plain'], ownBody: isBrandingImageUpload });
  app.use(readBody);
  app.use(healthRoutes(deps, metrics));
  app.use(validateRoutes(validate));
  app.use(publicPlayRoutes(deps, Boolean(options.streams)));
  app.use(sessionRoutes(deps, Boolean(options.streams), feed));
  app.use(edgeSessionRoutes(deps));
  app.use(revocationRoutes(deps, feed));
  app.use(adminApiRouter(deps));
  app.use(consoleRoutes());
  app.use(eventPageRoutes(deps));
  app.use(portalRoutes(deps.config));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  const streams = options.streams;
  // Every viewer's code, all at once when a show starts: answered before Express (plain-json-route.ts).
  const validateBeforeExpress = plainJsonRoute({
    method: 'POST',
    path: VALIDATE_PATH,
    answer: validate,
    readBody,
    pageHeaders: headersSetBy(pageSecurity),
    trustedHops: deps.config.trustProxyHops,
    log: deps.log,
  });
  return {
    app: (req, res) => void (streams?.(req, res) || validateBeforeExpress(req, res) || app(req, res)),
    feed,
    feedListener,
    webhooks,
    async close() {
      feed.stop();
      await webhooks.stop();
      await feedListener?.stop();
    },
  };
}
