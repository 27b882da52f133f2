import path from 'node:path';
import express, { type Router } from 'express';
import { getEvent } from '../../../core/events/event-service.js';
import { goLive } from '../../../core/events/event-go-live.js';
import { issuePreviewToken } from '../../../core/events/event-preview.js';
import { resetRecording } from '../../../core/events/recording-reset.js';
import { streamHealth } from '../../../core/events/stream-health.js';
import { toEventView } from '../../../core/events/event-view.js';
import type { PlatformDeps } from '../../deps.js';
import { mutationDeps, principalOf, requireEventAccess } from '../admin-auth.js';

/**
 * A live event from the operator's seat: its stream's health, a preview token to watch it through
 * the edge, and the rehearsal controls (go live now, clear the recording before the show).
 */
export function streamHealthRoutes(deps: PlatformDeps): Router {
  const router = express.Router();

  router.get('/api/admin/events/:id/health', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    res.json(await streamHealth(deps.db, deps.clock(), await getEvent(deps.db, req.params.id)));
  });

  router.post('/api/admin/events/:id/preview', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    const { latency } = await getEvent(deps.db, req.params.id);
    const { token, expiresAt } = await issuePreviewToken(
      { ...mutationDeps(deps, req, res), signingKey: deps.keyring.current, maxTtlSeconds: deps.config.tokenMaxTtlSeconds },
      req.params.id,
    );
    // Same-origin when the edge is mounted here (`serve all`), as the portal's player does.
    const base = req.app.locals.streamsMounted ? '' : deps.config.edgePublicUrl.replace(/\/$/, '');
    // The latency tells the preview to play as a viewer's player does (hls.js low-latency mode).
    res.json({ token, expiresAt: new Date(expiresAt).toISOString(), playbackUrl: `${base}/streams/${req.params.id}/index.m3u8`, latency });
  });

  router.post('/api/admin/events/:id/go-live', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    res.json(toEventView(await goLive(mutationDeps(deps, req, res), req.params.id), deps.config, deps.keyring));
  });

  router.post('/api/admin/events/:id/reset-recording', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    res.json(await resetRecording(mutationDeps(deps, req, res), req.params.id, path.join(deps.config.dataDir, 'hls')));
  });
  return router;
}
