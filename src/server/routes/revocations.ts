import express, { type RequestHandler, type Router } from 'express';
import { AppError } from '../../core/errors.js';
import { bearerToken, EDGE_AUDIENCE, TokenError, verifyToken } from '../../core/playback-token.js';
import { readFeed } from '../../core/revocation-feed.js';
import { feedWindowMs } from '../../core/revocation-retention.js';
import type { PlatformDeps } from '../deps.js';
import type { FeedHub } from '../feed-hub.js';

/** Edge tokens are short-lived: an edge signs a fresh one for each connection. */
const EDGE_TOKEN_MAX_TTL_SECONDS = 300;
const KEEPALIVE_MS = 15_000;

/** The feed is for edges only: they prove they hold the signing secret. A playback token is refused. */
export function edgeAuth(deps: PlatformDeps): RequestHandler {
  return function requireEdge(req, _res, next) {
    const token = bearerToken(req.get('authorization'));
    try {
      if (!token) throw new TokenError('no bearer token');
      verifyToken(token, deps.keyring, { audience: EDGE_AUDIENCE, nowMs: deps.clock(), maxTtlSeconds: EDGE_TOKEN_MAX_TTL_SECONDS, acceptRetired: true });
      next();
    } catch (error) {
      if (!(error instanceof TokenError)) throw error;
      deps.log.info('edge token refused', { reason: error.message, ip: req.ip });
      throw new AppError(401, 'unauthorized', 'An edge token is required.');
    }
  };
}

function parseCursor(value: unknown): number {
  if (value === undefined || value === '') return 0;
  const text = String(value);
  if (!/^\d{1,15}$/.test(text)) throw new AppError(400, 'invalid_request', 'since: must be a feed cursor (a whole number)');
  return Number(text);
}

export function revocationRoutes(deps: PlatformDeps, hub: FeedHub): Router {
  const router = express.Router();
  const windowMs = feedWindowMs(deps.config);

  router.get('/api/revocations', edgeAuth(deps), async (req, res) => {
    const since = parseCursor(req.query.since);
    const entries = await readFeed(deps.db, since, deps.clock(), windowMs);
    const cursor = entries.at(-1)?.cursor ?? since;
    res.setHeader('Cache-Control', 'no-store');
    res.json({ cursor, entries });
  });

  router.get('/api/revocations/stream', edgeAuth(deps), async (req, res) => {
    let cursor = parseCursor(req.get('last-event-id') ?? req.query.since);
    // Watched before any await: an edge that goes away while the backlog is read (a stopping
    // edge, a slow database) must not leave a subscription and a keepalive timer behind for ever.
    let closed = false;
    let cleanUp = () => undefined as void;
    res.on('close', () => {
      closed = true;
      cleanUp();
    });
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write('retry: 1000\n\n');
    const send = (entries: { cursor: number }[]) => {
      for (const entry of entries) res.write(`id: ${entry.cursor}\nevent: revocation\ndata: ${JSON.stringify(entry)}\n\n`);
    };
    // Backlog first, then push. Subscribing at the backlog's end misses nothing: the hub reads
    // everything after that cursor on its next poll.
    for (;;) {
      const backlog = await readFeed(deps.db, cursor, deps.clock(), windowMs);
      send(backlog);
      cursor = backlog.at(-1)?.cursor ?? cursor;
      if (backlog.length < 1_000) break;
    }
    if (closed) return;
    const unsubscribe = hub.subscribe(cursor, send);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    cleanUp = () => {
      clearInterval(keepalive);
      unsubscribe();
    };
  });
  return router;
}
