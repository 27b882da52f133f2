import express, { type Router } from 'express';
import { z } from 'zod';
import { addAdminUser, listAdminUsers, removeAdminUser, setAdminRole } from '../../../core/admin/admin-accounts.js';
import { createInvite, inviteUrl, listPendingInvites } from '../../../core/admin/admin-invites.js';
import { ROLES } from '../../../core/admin/admin-roles.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { mutationDeps, principalOf, requireGlobal } from '../admin-auth.js';

const eventIds = z.array(z.string().min(1).max(63)).max(100).nullable().optional();
const username = z.string().min(1).max(64);

const AddUser = z.object({ username, password: z.string().min(1).max(1024), role: z.enum(ROLES), events: eventIds });
const SetRole = z.object({ role: z.enum(ROLES), events: eventIds });
const Invite = z.object({ username, role: z.enum(ROLES), events: eventIds });

/** Console users and invites: owners (and global API keys) only, by the permission table. */
export function adminUserRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.get('/api/admin/users', async (_req, res) => {
    requireGlobal(principalOf(res));
    res.json(await listAdminUsers(deps.db));
  });

  router.post('/api/admin/users', async (req, res) => {
    requireGlobal(principalOf(res));
    const body = parseBody(AddUser, req.body);
    res.status(201).json(await addAdminUser(mutationDeps(deps, req, res), body, body.password));
  });

  router.patch('/api/admin/users/:username', async (req, res) => {
    requireGlobal(principalOf(res));
    const body = parseBody(SetRole, req.body);
    res.json(await setAdminRole(mutationDeps(deps, req, res), req.params.username as string, body.role, body.events));
  });

  router.delete('/api/admin/users/:username', async (req, res) => {
    requireGlobal(principalOf(res));
    res.json(await removeAdminUser(mutationDeps(deps, req, res), req.params.username as string));
  });

  router.get('/api/admin/invites', async (_req, res) => {
    requireGlobal(principalOf(res));
    res.json(await listPendingInvites(deps.db, deps.clock()));
  });

  router.post('/api/admin/invites', async (req, res) => {
    requireGlobal(principalOf(res));
    const { token, ...invite } = await createInvite(mutationDeps(deps, req, res), parseBody(Invite, req.body));
    // Shown this once. `path` is for the console, which prefixes the address it is reached at.
    const path = inviteUrl('', token);
    res.status(201).json({ ...invite, url: inviteUrl(deps.config.platformUrl, token), path });
  });
  return router;
}
