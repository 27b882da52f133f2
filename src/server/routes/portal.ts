import path from 'node:path';
import express, { type Response, type Router } from 'express';
import { installRoot, type Config } from '../../core/config.js';

/**
 * The viewer portal: the page, its script (hls.js bundled in, no CDN) and styles, built into
 * dist/player. `/` takes any code; `/watch/:eventId` is one event's branded page (the links in
 * ticket emails); `/embed/:eventId` the same page laid out for an iframe on the organiser's site.
 */
export function portalRoutes(config: Config): Router {
  const router = express.Router();
  const root = path.join(installRoot(), 'dist', 'player');
  const page = path.join(root, 'index.html');
  router.use(express.static(root, { index: 'index.html', maxAge: 0, etag: true, fallthrough: true }));
  router.get('/watch/:eventId', (_req, res) => res.sendFile(page));
  router.get('/embed/:eventId', (_req, res) => {
    allowFramingBy(res, config.embedOrigins);
    res.sendFile(page);
  });
  return router;
}

/**
 * Every page refuses framing (helmet: frame-ancestors 'self', X-Frame-Options SAMEORIGIN) except
 * the embed page, which the configured origins may frame. X-Frame-Options cannot name another
 * origin, and browsers that know CSP ignore it when frame-ancestors is present: it goes.
 */
function allowFramingBy(res: Response, origins: readonly string[]): void {
  const policy = String(res.getHeader('Content-Security-Policy') ?? '');
  const ancestors = `frame-ancestors ${["'self'", ...origins].join(' ')}`;
  const directives = policy.split(';').map((d) => d.trim()).filter((d) => d && !d.startsWith('frame-ancestors'));
  res.setHeader('Content-Security-Policy', [...directives, ancestors].join(';'));
  if (origins.length > 0) res.removeHeader('X-Frame-Options');
}
