import type { Request, RequestHandler, Response } from 'express';
import { roleAllows, type Permission } from '../../core/admin/admin-roles.js';
import { AppError } from '../../core/errors.js';
import type { Log } from '../../core/log.js';
import { principalOf } from './admin-auth.js';

/** `public`: before any login (login, opening an invite); `signed-in`: any console user or key. */
export type RouteAccess = Permission | 'public' | 'signed-in';

/**
 * Every admin API route and what it takes: the one place that says who may do what. A route that
 * is missing here is refused to everyone (see `authorizeAdminRoute`), and a test walks the
 * router to prove that every route has its line. API keys keep their scopes (global, or one event,
 * checked in the handlers); the roles are for console users.
 */
export const ADMIN_ROUTE_PERMISSIONS = {
  'POST /api/admin/login': 'public',
  'POST /api/admin/invites/open': 'public',
  'POST /api/admin/invites/accept': 'public',
  'GET /api/admin/session': 'signed-in',
  'POST /api/admin/logout': 'signed-in',

  'GET /api/admin/events': 'events:read',
  'GET /api/admin/events/:id': 'events:read',
  'GET /api/admin/events/:id/tokens': 'events:read',
  'GET /api/admin/events/:id/stats': 'events:read',
  'GET /api/admin/events/:id/health': 'events:read',
  // Watching the stream through the edge counts as no viewer: a read.
  'POST /api/admin/events/:id/preview': 'events:read',
  'GET /api/admin/sessions': 'events:read',

  'POST /api/admin/events': 'events:write',
  'PATCH /api/admin/events/:id': 'events:write',
  'POST /api/admin/events/:id/rotate-key': 'events:write',
  'POST /api/admin/events/:id/archive': 'events:write',
  'POST /api/admin/events/:id/tokens': 'events:write',
  'PUT /api/admin/events/:id/poster': 'events:write',
  'DELETE /api/admin/events/:id/poster': 'events:write',
  'PUT /api/admin/events/:id/logo': 'events:write',
  'DELETE /api/admin/events/:id/logo': 'events:write',
  'POST /api/admin/events/:id/go-live': 'events:write',
  'POST /api/admin/events/:id/reset-recording': 'events:write',

  'POST /api/admin/codes/lookup': 'codes:support',
  'POST /api/admin/tokens/revoke': 'codes:support',
  'POST /api/admin/tokens/restore': 'codes:support',
  'DELETE /api/admin/sessions/:id': 'codes:support',

  'GET /api/admin/webhooks': 'webhooks:manage',
  'POST /api/admin/webhooks': 'webhooks:manage',
  'DELETE /api/admin/webhooks/:id': 'webhooks:manage',
  'GET /api/admin/webhook-deliveries': 'webhooks:manage',

  'GET /api/admin/apikeys': 'apikeys:manage',
  'POST /api/admin/apikeys': 'apikeys:manage',
  'DELETE /api/admin/apikeys/:id': 'apikeys:manage',

  'GET /api/admin/audit': 'audit:read',

  'GET /api/admin/users': 'users:manage',
  'POST /api/admin/users': 'users:manage',
  'PATCH /api/admin/users/:username': 'users:manage',
  'DELETE /api/admin/users/:username': 'users:manage',
  'GET /api/admin/invites': 'users:manage',
  'POST /api/admin/invites': 'users:manage',
} as const satisfies Record<string, RouteAccess>;

interface CompiledRoute {
  method: string;
  pattern: RegExp;
  access: RouteAccess;
}

/** `GET /api/admin/events/:id` → a matcher as lenient as Express's (any case, a trailing slash). */
function compile(key: string, access: RouteAccess): CompiledRoute {
  const [method, path] = key.split(' ') as [string, string];
  const body = path
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')))
    .join('/');
  return { method, pattern: new RegExp(`^${body}/?$`, 'i'), access };
}

export function compileRouteTable(table: Readonly<Record<string, RouteAccess>>): CompiledRoute[] {
  return Object.entries(table).map(([key, access]) => compile(key, access));
}

/** The access a request needs, or undefined when no line of the table matches it. */
export function routeAccess(routes: readonly CompiledRoute[], method: string, path: string): RouteAccess | undefined {
  const wanted = method === 'HEAD' ? 'GET' : method;
  return routes.find((r) => r.method === wanted && r.pattern.test(path))?.access;
}

/**
 * After adminAuth: a console user's role must grant the route's permission, else 403 with the
 * usual error JSON. A request no line matches is 404, like any unknown path: an admin route added
 * without its line fails closed (its handler never runs) instead of being open to every role.
 */
export function authorizeAdminRoute(table: Readonly<Record<string, RouteAccess>> = ADMIN_ROUTE_PERMISSIONS): RequestHandler {
  const routes = compileRouteTable(table);
  return function authorizeAdminRoute(req: Request, res: Response, next) {
    const path = `${req.baseUrl}${req.path}`;
    const access = routeAccess(routes, req.method, path);
    if (access === undefined) throw new AppError(404, 'not_found', 'No such resource.');
    const principal = principalOf(res);
    if (access === 'public' || access === 'signed-in' || principal.kind === 'apikey') return next();
    if (!roleAllows(principal.role, access)) {
      throw new AppError(403, 'forbidden', `Your role (${principal.role}) may not do this.`);
    }
    next();
  };
}
