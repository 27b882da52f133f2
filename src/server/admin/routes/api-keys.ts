import express, { type Router } from 'express';
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../../core/admin/api-keys.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { mutationDeps, principalOf, requireGlobal } from '../admin-auth.js';

const CreateKey = z.object({
  name: z.string().min(1).max(100),
  scope: z.enum(['global', 'event']).default('global'),
  eventId: z.string().max(63).optional(),
  allowIps: z.array(z.string().max(64)).max(100).optional(),
});

/** API keys, for console users and global keys only. */
export function apiKeyRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.get('/api/admin/apikeys', async (_req, res) => {
    requireGlobal(principalOf(res));
    res.json(await listApiKeys(deps.db));
  });

  router.post('/api/admin/apikeys', async (req, res) => {
    requireGlobal(principalOf(res));
    const body = parseBody(CreateKey, req.body);
    const { view, key } = await createApiKey(mutationDeps(deps, req, res), body);
    res.status(201).json({ ...view, key }); // shown this once
  });

  router.delete('/api/admin/apikeys/:id', async (req, res) => {
    requireGlobal(principalOf(res));
    res.json(await revokeApiKey(mutationDeps(deps, req, res), req.params.id));
  });
  return router;
}
