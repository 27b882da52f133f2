import express, { type Router } from 'express';
import { z } from 'zod';
import { restoreCodes, revokeCodes } from '../../../core/codes/code-revocation.js';
import { invalidInput } from '../../../core/errors.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { eventScopeOf, mutationDeps, principalOf, requireEventAccess } from '../admin-auth.js';

const id = z.string().min(1).max(64);

const RevokeBody = z.object({
  codes: z.array(z.string().max(64)).max(1_000).optional(),
  ids: z.array(id).max(1_000).optional(),
  eventId: z.string().max(63).optional(),
  label: z.string().max(64).optional(),
  reason: z.string().max(200).optional(),
});

const RestoreBody = z.object({ ids: z.array(id).min(1).max(1_000) });

export function codeRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.post('/api/admin/tokens/revoke', async (req, res) => {
    const principal = principalOf(res);
    const body = parseBody(RevokeBody, req.body);
    if (!body.codes?.length && !body.ids?.length && !body.eventId && !body.label) {
      throw invalidInput('give codes, ids, eventId or label: what to revoke');
    }
    if (body.eventId) requireEventAccess(principal, body.eventId);
    // A caller limited to some events only ever reaches their codes; others come back as not found.
    const result = await revokeCodes(
      { ...mutationDeps(deps, req, res), pepper: deps.keyring.pepper },
      { codes: body.codes, ids: body.ids, eventId: body.eventId, label: body.label, onlyEventIds: eventScopeOf(principal) },
      body.reason ?? null,
    );
    res.json(result);
  });

  router.post('/api/admin/tokens/restore', async (req, res) => {
    const principal = principalOf(res);
    const body = parseBody(RestoreBody, req.body);
    const result = await restoreCodes(mutationDeps(deps, req, res), body.ids, eventScopeOf(principal));
    res.json(result);
  });
  return router;
}
