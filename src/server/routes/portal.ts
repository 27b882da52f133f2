import path from 'node:path';
import express, { type Router } from 'express';
import { installRoot } from '../../core/config.js';

/** The viewer portal: the page, its script (hls.js bundled in, no CDN) and styles, built into dist/player. */
export function portalRoutes(): Router {
  const router = express.Router();
  const root = path.join(installRoot(), 'dist', 'player');
  router.use(express.static(root, { index: 'index.html', maxAge: 0, etag: true, fallthrough: true }));
  router.get('/watch/:eventId', (_req, res) => res.sendFile(path.join(root, 'index.html')));
  return router;
}
