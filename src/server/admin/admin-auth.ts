import type { Request, RequestHandler, Response } from 'express';
import { sameSecret } from '../../core/admin/admin-credentials.js';
import { findAdminAccess, type AdminAccess } from '../../core/admin/admin-accounts.js';
import { authenticateApiKey, type ApiKeyPrincipal } from '../../core/admin/api-keys.js';
import { verifyAdminSession, type AdminSession } from '../../core/admin/admin-sessions.js';
import type { AuditActor } from '../../core/audit-log.js';
import { AppError } from '../../core/errors.js';
import { bearerToken } from '../../core/playback-token.js';
import { eventNotFound } from '../../core/events/event-service.js';
import type { PlatformDeps } from '../deps.js';

export const ADMIN_COOKIE = 'sg_admin';
export const CSRF_HEADER = 'x-csrf-token';

/** Who is calling the admin API: an API key, or a console login (cookie) with its role. */
export type Principal = ({ kind: 'apikey' } & ApiKeyPrincipal) | ({ kind: 'admin'; session: AdminSession } & AdminAccess);

export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

/** The audit log's "who", with the role of a console user. */
export function actorOf(principal: Principal): AuditActor {
  return principal.kind === 'apikey' ? `apikey:${principal.id}` : { name: `admin:${principal.session.username}`, role: principal.role };
}

/** What every core mutation takes from a request: database, clock, and who from where (audit). */
export function mutationDeps(deps: PlatformDeps, req: Request, res: Response) {
  return { db: deps.db, clock: deps.clock, actor: actorOf(principalOf(res)), ip: req.ip ?? null };
}

/** The events a caller is confined to, or null for global keys and unlimited console users. */
export function eventScopeOf(principal: Principal): string[] | null {
  if (principal.kind === 'apikey') return principal.scope === 'event' && principal.eventId ? [principal.eventId] : null;
  return principal.events;
}

/**
 * An event-scoped key on another event: 403, as it always was. A console user limited to some
 * events: 404 with the words of an unknown event, so that others' events are not even confirmed.
 */
export function requireEventAccess(principal: Principal, eventId: string | undefined | null): void {
  const scope = eventScopeOf(principal);
  if (scope === null || (eventId && scope.includes(eventId))) return;
  if (principal.kind === 'apikey') throw new AppError(403, 'forbidden', `This API key is limited to event "${scope[0]}".`);
  if (!eventId) throw new AppError(403, 'forbidden', 'You are limited to some events: name one.');
  throw eventNotFound(eventId);
}

/** 403 for a caller limited to some events: the route is about every event. */
export function requireGlobal(principal: Principal): void {
  if (eventScopeOf(principal) === null) return;
  throw new AppError(403, 'forbidden', principal.kind === 'apikey' ? 'This API key is limited to one event.' : 'You are limited to some events; this is about every event.');
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
      const key = bearerToken(header);
      if (!key?.startsWith('sk_')) throw new AppError(401, 'unauthorized', 'Use an API key (Authorization: Bearer sk_…) or log in.');
      res.locals.principal = { kind: 'apikey', ...(await authenticateApiKey(deps.db, deps.clock, key, req.ip)) } satisfies Principal;
      return next();
    }
    const cookie = (req.cookies as Record<string, string> | undefined)?.[ADMIN_COOKIE];
    if (!cookie) throw new AppError(401, 'unauthorized', 'Use an API key (Authorization: Bearer sk_…) or log in.');
    const session = await verifyAdminSession(deps, cookie);
    // Read on every request: a changed role or a removed user applies at once.
    // A break-glass session lasts only while ADMIN_USER still names it.
    const breakGlass = session.breakGlass && deps.config.adminUser === session.username && Boolean(deps.config.adminPass);
    const access: AdminAccess | null = breakGlass ? { role: 'owner', events: null } : session.breakGlass ? null : await findAdminAccess(deps.db, session.username);
    if (!access) throw new AppError(401, 'unauthorized', 'Please log in.');
    if (!SAFE_METHODS.has(req.method) && !sameSecret(req.get(CSRF_HEADER) ?? '', session.csrfToken)) {
      throw new AppError(403, 'csrf_failed', 'Missing or wrong X-CSRF-Token; reload the console.');
    }
    res.locals.principal = { kind: 'admin', session, ...access } satisfies Principal;
    next();
  };
}
