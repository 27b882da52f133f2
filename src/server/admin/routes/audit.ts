import express, { type Router } from 'express';
import { z } from 'zod';
import { listAudit } from '../../../core/audit-log.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { principalOf, requireGlobal } from '../admin-auth.js';

const AuditQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
  before: z.coerce.number().int().min(1).optional(),
  action: z.string().max(64).optional(),
});

export function auditRoutes(deps: PlatformDeps): Router {
  const router = express.Router();
  router.get('/api/admin/audit', async (req, res) => {
    requireGlobal(principalOf(res));
    const query = parseBody(AuditQuery, req.query);
    const entries = await listAudit(deps.db, query);
    res.json({ entries, next: entries.length === query.limit ? entries.at(-1)!.id : null });
  });
  return router;
}
