import express, { type Router } from 'express';
import { z } from 'zod';
import { lookupCode } from '../../../core/codes/code-lookup.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { eventScopeOf, principalOf } from '../admin-auth.js';

/** A code as pasted: with dashes, spaces or a line break around it, but no essay. */
const LookupBody = z.object({ code: z.string().min(1).max(64) });

/**
 * `POST /api/admin/codes/lookup {code}`: a viewer's code → its state and sessions. A POST with
 * a JSON body because the code is a secret: never in a URL, hence never in a log or a history.
 */
export function codeLookupRoutes(deps: PlatformDeps): Router {
  const router = express.Router();
  router.post('/api/admin/codes/lookup', async (req, res) => {
    const principal = principalOf(res);
    const { code } = parseBody(LookupBody, req.body);
    res.json(await lookupCode(deps.db, deps.keyring.pepper, deps.clock(), code, eventScopeOf(principal)));
  });
  return router;
}
