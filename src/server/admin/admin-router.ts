import cookieParser from 'cookie-parser';
import express, { type Router } from 'express';
import type { PlatformDeps } from '../deps.js';
import { adminAuth } from './admin-auth.js';
import { authorizeAdminRoute } from './admin-permissions.js';
import { adminUserRoutes } from './routes/admin-users.js';
import { inviteAcceptanceRoutes } from './routes/invite-acceptance.js';
import { apiKeyRoutes } from './routes/api-keys.js';
import { auditRoutes } from './routes/audit.js';
import { codeLookupRoutes } from './routes/code-lookup.js';
import { codeRoutes } from './routes/codes.js';
import { eventRoutes } from './routes/events.js';
import { eventBrandingRoutes } from './routes/event-branding.js';
import { loginRoutes } from './routes/login.js';
import { sessionAdminRoutes } from './routes/sessions.js';
import { viewerStatsRoutes } from './routes/viewer-stats.js';
import { streamHealthRoutes } from './routes/stream-health.js';
import { webhookRoutes } from './routes/webhooks.js';

/**
 * SPEC §3 "Admin API": login and invites first, then everything behind adminAuth and the one
 * permission check (admin-permissions.ts), whose table names every route below.
 */
export function adminApiRouter(deps: PlatformDeps): Router {
  const router = express.Router();
  router.use('/api/admin', cookieParser(), (_req, res, next) => {
    res.setHeader('Cache-Control', 'no-store'); // stream keys, new codes and API keys: never cached
    next();
  });
  router.use(loginRoutes(deps));
  router.use(inviteAcceptanceRoutes(deps));
  router.use('/api/admin', adminAuth(deps), authorizeAdminRoute());
  router.use(eventRoutes(deps));
  router.use(eventBrandingRoutes(deps));
  router.use(codeRoutes(deps));
  router.use(codeLookupRoutes(deps));
  router.use(sessionAdminRoutes(deps));
  router.use(apiKeyRoutes(deps));
  router.use(auditRoutes(deps));
  router.use(viewerStatsRoutes(deps));
  router.use(streamHealthRoutes(deps));
  router.use(webhookRoutes(deps));
  router.use(adminUserRoutes(deps));
  return router;
}
