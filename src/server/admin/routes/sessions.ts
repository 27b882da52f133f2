import express, { type Router } from 'express';
import { z } from 'zod';
import { endSessionByOperator, listActiveSessions } from '../../../core/sessions/session-admin.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { eventScopeOf, mutationDeps, principalOf, requireEventAccess } from '../admin-auth.js';

const ListSessions = z.object({ eventId: z.string().max(63).optional(), limit: z.coerce.number().int().min(1).max(5_000).default(1_000) });

export function sessionAdminRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.get('/api/admin/sessions', async (req, res) => {
    const principal = principalOf(res);
    const query = parseBody(ListSessions, req.query);
    if (query.eventId) requireEventAccess(principal, query.eventId);
    res.json(await listActiveSessions(deps.db, deps.clock(), { eventId: query.eventId, onlyEventIds: eventScopeOf(principal), limit: query.limit }));
  });

  router.delete('/api/admin/sessions/:id', async (req, res) => {
    const principal = principalOf(res);
    const ended = await endSessionByOperator(
      { ...mutationDeps(deps, req, res), onlyEventIds: eventScopeOf(principal) },
      req.params.id,
    );
    res.json(ended);
  });
  return router;
}
