import type { Request, RequestHandler, Response } from 'express';
import { sameSecret } from '../../core/admin/admin-credentials.js';
import { authenticateApiKey, type ApiKeyPrincipal } from '../../core/admin/api-keys.js';
import { verifyAdminSession, type AdminSession } from '../../core/admin/admin-sessions.js';
import { AppError } from '../../core/errors.js';
import type { PlatformDeps } from '../deps.js';

export const ADMIN_COOKIE = 'sg_admin';
export const CSRF_HEADER = 'x-csrf-token';

/** Who is calling the admin API: an API key, or a console login (cookie). */
export type Principal = ({ kind: 'apikey' } & ApiKeyPrincipal) | { kind: 'admin'; session: AdminSession };

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** The audit log's "who". */
export function actorOf(principal: Principal): string {
  return principal.kind === 'apikey' ? `apikey:${principal.id}` : `admin:${principal.session.username}`;
}

/** What every core mutation takes from a request: database, clock, and who from where (audit). */
export function mutationDeps(deps: PlatformDeps, req: Request, res: Response) {
  return { db: deps.db, clock: deps.clock, actor: actorOf(principalOf(res)), ip: req.ip ?? null };
}

/** The event a caller is confined to, or null for global keys and console users. */
export function eventScopeOf(principal: Principal): string | null {
  return principal.kind === 'apikey' && principal.scope === 'event' ? principal.eventId : null;
}

/** 403 for an event-scoped key on anything but its event. */
export function requireEventAccess(principal: Principal, eventId: string | undefined | null): void {
  const scope = eventScopeOf(principal);
  if (scope !== null && scope !== eventId) throw new AppError(403, 'forbidden', `This API key is limited to event "${scope}".`);
}

/** 403 for an event-scoped key: the route is about more than one event. */
export function requireGlobal(principal: Principal): void {
  if (eventScopeOf(principal) !== null) throw new AppError(403, 'forbidden', 'This API key is limited to one event.');
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * `Authorization: Bearer sk_…` (scripts), or the console's session cookie. Anything else in the
 * Authorization header, a playback JWT included, is 401. Cookie-authenticated mutations must
 * carry the session's CSRF token in X-CSRF-Token (the cookie is also SameSite=Strict).
 */
export function adminAuth(deps: PlatformDeps): RequestHandler {
  return async (req: Request, res: Response, next) => {
    const header = req.get('authorization');
    if (header !== undefined) {
      const key = /^Bearer (sk_[A-Za-z0-9_-]+)$/.exec(header)?.[1];
      if (!key) throw new AppError(401, 'unauthorized', 'Use an API key (Authorization: Bearer sk_…) or log in.');
      res.locals.principal = { kind: 'apikey', ...(await authenticateApiKey(deps.db, deps.clock, key, req.ip)) } satisfies Principal;
      return next();
    }
    const cookie = (req.cookies as Record<string, string> | undefined)?.[ADMIN_COOKIE];
    if (!cookie) throw new AppError(401, 'unauthorized', 'Use an API key (Authorization: Bearer sk_…) or log in.');
    const session = await verifyAdminSession(deps, cookie);
    if (!SAFE_METHODS.has(req.method) && !sameSecret(req.get(CSRF_HEADER) ?? '', session.csrfToken)) {
      throw new AppError(403, 'csrf_failed', 'Missing or wrong X-CSRF-Token; reload the console.');
    }
    res.locals.principal = { kind: 'admin', session } satisfies Principal;
    next();
  };
}
