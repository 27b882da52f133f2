import express, { type Request, type Router } from 'express';
import { IMAGE_LIMITS, storeBrandingImage, type BrandingImageKind } from '../../../core/events/branding-image.js';
import { findBranding, toBrandingView } from '../../../core/events/event-branding.js';
import { updateEvent } from '../../../core/events/event-service.js';
import { AppError } from '../../../core/errors.js';
import type { PlatformDeps } from '../../deps.js';
import { mutationDeps, principalOf, requireEventAccess } from '../admin-auth.js';

const UPLOAD_PATH = /^\/api\/admin\/events\/[^/]+\/(poster|logo)$/;

/** An image upload's body is the image itself, not JSON: app.ts leaves it to this route. */
export function isBrandingImageUpload(req: Request): boolean {
  return req.method === 'PUT' && UPLOAD_PATH.test(req.path);
}

/**
 * The poster and the logo: `PUT /api/admin/events/:id/poster` (or `/logo`) with the image as the
 * body (its real type is read from its bytes, whatever Content-Type says), `DELETE` to remove it.
 * Both answer the event's branding. The rest of the branding goes through PATCH /api/admin/events/:id.
 */
export function eventBrandingRoutes(deps: PlatformDeps): Router {
  const router = express.Router();
  // Read after authentication (adminAuth runs first), and never more than the bigger limit.
  const raw = express.raw({ type: () => true, limit: IMAGE_LIMITS.poster, inflate: false });
  const readImage = (kind: BrandingImageKind): express.RequestHandler => (req, res, next) =>
    raw(req, res, (error?: unknown) => {
      if ((error as { type?: string } | undefined)?.type !== 'entity.too.large') return next(error);
      next(new AppError(413, 'image_too_large', `${kind}: too big; a ${kind} is at most ${IMAGE_LIMITS[kind] / 1024} KiB`));
    });

  for (const kind of ['poster', 'logo'] as const) {
    router.put(`/api/admin/events/:id/${kind}`, readImage(kind), async (req, res) => {
      requireEventAccess(principalOf(res), req.params.id as string);
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const name = storeBrandingImage(deps.config.dataDir, kind, bytes, kind);
      await updateEvent(mutationDeps(deps, req, res), req.params.id as string, { branding: { [kind]: name } });
      res.json(toBrandingView(await findBranding(deps.db, req.params.id as string)));
    });

    router.delete(`/api/admin/events/:id/${kind}`, async (req, res) => {
      requireEventAccess(principalOf(res), req.params.id as string);
      await updateEvent(mutationDeps(deps, req, res), req.params.id as string, { branding: { [kind]: null } });
      res.json(toBrandingView(await findBranding(deps.db, req.params.id as string)));
    });
  }
  return router;
}
