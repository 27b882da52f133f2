import express, { type Router } from 'express';
import { z } from 'zod';
import { findAdminAccess, type AdminAccess } from '../../../core/admin/admin-accounts.js';
import { ROLE_PERMISSIONS } from '../../../core/admin/admin-roles.js';
import { checkAdminLogin, type LoginResult } from '../../../core/admin/admin-users.js';
import { ADMIN_SESSION_SECONDS, createAdminSession, endAdminSession, recordRefusedLogin } from '../../../core/admin/admin-sessions.js';
import { AppError } from '../../../core/errors.js';
import type { PlatformDeps } from '../../deps.js';
import { FailureBudget } from '../../../core/failure-budget.js';
import { clientKey, rateLimited } from '../../http/failure-limiter.js';
import { parseBody } from '../../http/validate-body.js';
import { ADMIN_COOKIE, adminAuth, principalOf } from '../admin-auth.js';
import { isHttpsRequest } from '../../../http/hsts.js';

const LoginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  totp: z.string().max(16).optional(),
});

/**
 * Failed logins per address (IPv6 by /64): 10 at once, then one every 90 s (a wrong TOTP code
 * counts too). Unlike access codes, passwords can be guessable, so a spent budget refuses before
 * the password is checked: otherwise the answer itself would tell a guesser when it hit. Kept in
 * the database: every platform replica counts against the same budget.
 */
const LOGIN_FAILURES = { scope: 'login', burst: 10, refillEveryMs: 90_000 };

/** A refused login: not asking for the second factor (a step), never our own 5xx. */
const isFailedLogin = (error: unknown) => error instanceof AppError && error.status >= 400 && error.status < 500 && error.code !== 'totp_required';

export function loginRoutes(deps: PlatformDeps): Router {
  const failedLogins = new FailureBudget(deps.db, { ...LOGIN_FAILURES, clock: deps.clock });
  const router = express.Router();

  router.post('/api/admin/login', async (req, res) => {
    const client = clientKey(req.ip);
    const body = parseBody(LoginBody, req.body);
    // The failure is counted before the password is checked and given back if it was none: a
    // guesser's parallel attempts, on one replica or several, cannot outrun the budget.
    if ((await failedLogins.reserve(client, 0)) === null) throw rateLimited(await failedLogins.waitMs(client));
    let login: LoginResult;
    try {
      login = await checkAdminLogin(deps, body);
    } catch (error) {
      if (!isFailedLogin(error)) await failedLogins.refund(client);
      // Asking for the second factor is a step of logging in, not a refusal.
      if (error instanceof AppError && error.code !== 'totp_required') {
        deps.log.warn('console login refused', { reason: error.code, ip: req.ip });
        await recordRefusedLogin(deps, body.username, error.code, req.ip ?? null);
      }
      throw error;
    }
    await failedLogins.refund(client);
    const { username, breakGlass } = login;
    const session = await createAdminSession(deps, username, req.ip ?? null, breakGlass);
    const access: AdminAccess = breakGlass ? { role: 'owner', events: null } : ((await findAdminAccess(deps.db, username)) ?? { role: 'support', events: [] });
    res.cookie(ADMIN_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: isHttpsRequest(req, deps.config.trustProxyHops), // behind TLS (directly, or a trusted proxy's X-Forwarded-Proto)
      path: '/',
      maxAge: ADMIN_SESSION_SECONDS * 1000,
    });
    // The permissions let the console hide what the role may not do; the server refuses it anyway.
    res.json({ username, role: access.role, events: access.events, permissions: ROLE_PERMISSIONS[access.role], csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() });
  });

  router.get('/api/admin/session', adminAuth(deps), (_req, res) => {
    const principal = principalOf(res);
    if (principal.kind === 'admin') res.json({ kind: 'admin', username: principal.session.username, role: principal.role, events: principal.events, permissions: ROLE_PERMISSIONS[principal.role], csrfToken: principal.session.csrfToken });
    else res.json({ kind: 'apikey', id: principal.id, scope: principal.scope, eventId: principal.eventId });
  });

  router.post('/api/admin/logout', adminAuth(deps), async (req, res) => {
    const principal = principalOf(res);
    if (principal.kind !== 'admin') throw new AppError(400, 'invalid_request', 'Only a console login can log out.');
    await endAdminSession(deps, principal.session, req.ip ?? null);
    res.clearCookie(ADMIN_COOKIE, { path: '/', httpOnly: true, sameSite: 'strict', secure: isHttpsRequest(req, deps.config.trustProxyHops) });
    res.status(204).end();
  });
  return router;
}
