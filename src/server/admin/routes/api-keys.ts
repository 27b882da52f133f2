import express, { type Router } from 'express';
import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey } from '../../../core/admin/api-keys.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { actorOf, principalOf, requireGlobal } from '../admin-auth.js';

const CreateKey = z.object({
  name: z.string().min(1).max(100),
  scope: z.enum(['global', 'event']).default('global'),
  eventId: z.string().max(63).optional(),
  allowIps: z.array(z.string().max(64)).max(100).optional(),
});

/** API keys, for console users and global keys only. */
export function apiKeyRoutes(deps: PlatformDeps): Router {
  const router = express.Router();
  const keyDeps = (actor: string, ip: string | undefined) => ({ db: deps.db, clock: deps.clock, actor, ip: ip ?? null });

  router.get('/api/admin/apikeys', async (_req, res) => {
    requireGlobal(principalOf(res));
    res.json(await listApiKeys(deps.db));
  });

  router.post('/api/admin/apikeys', async (req, res) => {
    const principal = principalOf(res);
    requireGlobal(principal);
    const body = parseBody(CreateKey, req.body);
    const { view, key } = await createApiKey(keyDeps(actorOf(principal), req.ip), body);
    res.status(201).json({ ...view, key }); // shown this once
  });

  router.delete('/api/admin/apikeys/:id', async (req, res) => {
    const principal = principalOf(res);
    requireGlobal(principal);
    res.json(await revokeApiKey(keyDeps(actorOf(principal), req.ip), req.params.id));
  });
  return router;
}
