import express from 'express';
import { errorHandler, notFoundHandler } from '../http/error-handler.js';
import type { EdgeDeps } from './deps.js';
import { cors } from './cors.js';
import { createEdgeMetrics } from './metrics.js';
import { streamsRouter } from './streams-router.js';

/** A platform not heard from for this long makes the edge report itself degraded (it still serves). */
const STALE_SYNC_MS = 30_000;

/** The edge as an Express app, not listening. It never touches the database. */
export function createEdgeApp(deps: EdgeDeps): express.Express {
  const metrics = createEdgeMetrics();
  const app = express();
  app.disable('x-powered-by');
  app.use((_req, res, next) => {
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  app.use(cors(deps.config.edgeAllowedOrigins));
  app.use('/streams', streamsRouter(deps, metrics));
  app.get('/healthz', (_req, res) => {
    const lagMs = deps.syncLagMs();
    res.setHeader('Cache-Control', 'no-store').json({
      status: lagMs <= STALE_SYNC_MS ? 'ok' : 'degraded',
      revocationSyncLagSeconds: Number.isFinite(lagMs) ? Math.round(lagMs / 1000) : null,
      revocations: deps.revocations.size,
    });
  });
  app.get('/metrics', async (_req, res) => {
    metrics.revocations.set(deps.revocations.size);
    const lagMs = deps.syncLagMs();
    metrics.syncLag.set(Number.isFinite(lagMs) ? lagMs / 1000 : -1);
    res.setHeader('Content-Type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // The platform's JSON 404 and error answers (no database behind them): never Express's HTML page
  // and stack trace, and a malformed %-escape in a path is the client's 400.
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}

