import express, { type Router } from 'express';
import { BRANDING_FILE_PATTERN, brandingImagePath, IMAGE_CONTENT_TYPES, type ImageType } from '../../core/events/branding-image.js';
import { EVENT_ID_PATTERN } from '../../core/events/event-input.js';
import { eventPage } from '../../core/events/event-page.js';
import { AppError } from '../../core/errors.js';
import type { PlatformDeps } from '../deps.js';

/**
 * Public, before any code: what the watch page shows of an event (title, branding, schedule) and
 * its images. Images are content-named, so they are cached for a year and never revalidated.
 */
export function eventPageRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.get('/api/events/:id/page', async (req, res) => {
    if (!EVENT_ID_PATTERN.test(req.params.id)) throw new AppError(404, 'event_not_found', 'No such event.');
    const page = await eventPage(deps.db, req.params.id, deps.clock());
    // Short: a title or a poster changed by the organiser shows within a minute.
    res.set('Cache-Control', 'public, max-age=30').json(page);
  });

  router.get('/branding/:file', (req, res, next) => {
    const file = brandingImagePath(deps.config.dataDir, req.params.file);
    if (!file) throw new AppError(404, 'not_found', 'No such image.');
    const type = BRANDING_FILE_PATTERN.exec(req.params.file)![1] as ImageType;
    res.sendFile(
      file,
      { headers: { 'Content-Type': IMAGE_CONTENT_TYPES[type], 'Cache-Control': 'public, max-age=31536000, immutable' }, cacheControl: false, dotfiles: 'deny' },
      (error) => {
        if (!error) return;
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return next(new AppError(404, 'not_found', 'No such image.'));
        next(error);
      },
    );
  });
  return router;
}
