import express, { type Router } from 'express';
import { z } from 'zod';
import { checkAdminLogin } from '../../../core/admin/admin-users.js';
import { ADMIN_SESSION_SECONDS, createAdminSession, endAdminSession, recordRefusedLogin } from '../../../core/admin/admin-sessions.js';
import { AppError } from '../../../core/errors.js';
import type { PlatformDeps } from '../../deps.js';
import { failureLimiter } from '../../http/failure-limiter.js';
import { parseBody } from '../../http/validate-body.js';
import { ADMIN_COOKIE, adminAuth, principalOf } from '../admin-auth.js';

const LoginBody = z.object({
  username: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  totp: z.string().max(16).optional(),
});

// Failed logins per address: 10 per 15 minutes (a wrong TOTP code counts too).
const LOGIN_FAILURES = { windowMs: 15 * 60_000, limit: 10 };

export function loginRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.post('/api/admin/login', failureLimiter(LOGIN_FAILURES), async (req, res) => {
    const body = parseBody(LoginBody, req.body);
    let username: string;
    try {
      username = await checkAdminLogin(deps, body);
    } catch (error) {
      // Asking for the second factor is a step of logging in, not a refusal.
      if (error instanceof AppError && error.code !== 'totp_required') {
        deps.log.warn('console login refused', { reason: error.code, ip: req.ip });
        await recordRefusedLogin(deps, body.username, error.code, req.ip ?? null);
      }
      throw error;
    }
    const session = await createAdminSession(deps, username, req.ip ?? null);
    res.cookie(ADMIN_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure, // behind TLS (directly, or a trusted proxy's X-Forwarded-Proto)
      path: '/',
      maxAge: ADMIN_SESSION_SECONDS * 1000,
    });
    res.json({ username, csrfToken: session.csrfToken, expiresAt: new Date(session.expiresAt).toISOString() });
  });

  router.get('/api/admin/session', adminAuth(deps), (_req, res) => {
    const principal = principalOf(res);
    if (principal.kind === 'admin') res.json({ kind: 'admin', username: principal.session.username, csrfToken: principal.session.csrfToken });
    else res.json({ kind: 'apikey', id: principal.id, scope: principal.scope, eventId: principal.eventId });
  });

  router.post('/api/admin/logout', adminAuth(deps), async (req, res) => {
    const principal = principalOf(res);
    if (principal.kind !== 'admin') throw new AppError(400, 'invalid_request', 'Only a console login can log out.');
    await endAdminSession(deps, principal.session, req.ip ?? null);
    res.clearCookie(ADMIN_COOKIE, { path: '/' });
    res.status(204).end();
  });
  return router;
}
