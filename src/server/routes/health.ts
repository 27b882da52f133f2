import express, { type Router } from 'express';
import { sql } from 'kysely';
import { whereSessionActive } from '../../core/sessions/session-service.js';
import { streamgateVersion } from '../../core/version.js';
import type { PlatformDeps } from '../deps.js';
import type { PlatformMetrics } from '../metrics.js';

export function healthRoutes(deps: PlatformDeps, metrics: PlatformMetrics): Router {
  const router = express.Router();
  router.get('/healthz', async (_req, res) => {
    try {
      await sql`select 1`.execute(deps.db);
      // Still serving (it signs with a key every host knows), but the operator must act: 200, not 503.
      const problem = deps.keyring.problem;
      const version = streamgateVersion();
      res.setHeader('Cache-Control', 'no-store').json(problem ? { status: 'degraded', problems: [problem], version } : { status: 'ok', version });
    } catch {
      res.status(503).json({ status: 'unavailable', reason: 'database', version: streamgateVersion() });
    }
  });
  router.get('/metrics', async (_req, res) => {
    const row = await deps.db
      .selectFrom('sessions')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where(whereSessionActive(deps.clock()))
      .executeTakeFirst();
    metrics.activeSessions.set(Number(row?.n ?? 0));
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  return router;
}
