import express, { type Router } from 'express';
import { z } from 'zod';
import { listDeliveries } from '../../../core/webhooks/webhook-deliveries.js';
import { addWebhook, listWebhooks, removeWebhook } from '../../../core/webhooks/webhook-registry.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { mutationDeps, principalOf, requireGlobal } from '../admin-auth.js';

const AddWebhook = z.object({
  url: z.string().min(1).max(2_000),
  events: z.array(z.string().max(40)).min(1).max(20),
});

const DeliveryQuery = z.object({
  webhookId: z.string().max(40).optional(),
  status: z.string().max(20).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).optional(),
});

/** Webhooks and their delivery log: they cover every event, so global keys and console users only. */
export function webhookRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.get('/api/admin/webhooks', async (_req, res) => {
    requireGlobal(principalOf(res));
    res.json(await listWebhooks(deps.db));
  });

  router.post('/api/admin/webhooks', async (req, res) => {
    requireGlobal(principalOf(res));
    const body = parseBody(AddWebhook, req.body);
    const { view, secret } = await addWebhook({ ...mutationDeps(deps, req, res), keyring: deps.keyring }, body);
    res.status(201).json({ ...view, secret }); // shown this once
  });

  router.delete('/api/admin/webhooks/:id', async (req, res) => {
    requireGlobal(principalOf(res));
    res.json(await removeWebhook(mutationDeps(deps, req, res), req.params.id));
  });

  router.get('/api/admin/webhook-deliveries', async (req, res) => {
    requireGlobal(principalOf(res));
    res.json(await listDeliveries(deps.db, parseBody(DeliveryQuery, req.query)));
  });
  return router;
}
