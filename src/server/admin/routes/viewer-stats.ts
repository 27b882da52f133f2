import express, { type Router } from 'express';
import { z } from 'zod';
import { viewerSeriesCsv, viewerStats } from '../../../core/analytics/viewer-stats.js';
import { getEvent } from '../../../core/events/event-service.js';
import { parseTime } from '../../../core/local-time.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { principalOf, requireEventAccess } from '../admin-auth.js';

const isoTime = (field: string) => z.string().max(64).transform((v) => parseTime(v, field, { requireOffset: true }));

const StatsQuery = z.object({
  from: isoTime('from').optional(),
  to: isoTime('to').optional(),
  resolution: z.enum(['minute', 'hour']).optional(),
  format: z.enum(['json', 'csv']).optional(),
});

/** `GET /api/admin/events/:id/stats`: viewers now, peak, sessions, watch time, bytes, and the series (JSON, or CSV). */
export function viewerStatsRoutes(deps: PlatformDeps): Router {
  const router = express.Router();
  router.get('/api/admin/events/:id/stats', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    const query = parseBody(StatsQuery, req.query);
    const event = await getEvent(deps.db, req.params.id);
    const stats = await viewerStats(deps.db, deps.clock(), event, query);
    const csv = query.format === 'csv' || (query.format === undefined && req.accepts(['application/json', 'text/csv']) === 'text/csv');
    if (csv) return void res.attachment(`viewers-${event.id}.csv`).type('text/csv').send(viewerSeriesCsv(stats));
    res.json(stats);
  });
  return router;
}
