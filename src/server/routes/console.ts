import path from 'node:path';
import express, { type Router } from 'express';
import { installRoot } from '../../core/config.js';

/** The admin console: a static page and its bundled script; all data comes from /api/admin. */
export function consoleRoutes(): Router {
  const router = express.Router();
  const root = path.join(installRoot(), 'dist', 'console');
  router.get('/admin', (_req, res) => res.sendFile(path.join(root, 'index.html')));
  router.use('/admin', express.static(root, { index: false, maxAge: 0, etag: true }));
  return router;
}
