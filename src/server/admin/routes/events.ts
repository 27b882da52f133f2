import express, { type Router } from 'express';
import { z } from 'zod';
import { issueCodes, memoryCodeSink } from '../../../core/codes/code-issue.js';
import { codesToCsv } from '../../../core/codes/code-csv.js';
import { listCodes } from '../../../core/codes/code-listing.js';
import { CODE_STATUSES } from '../../../core/codes/code-status.js';
import { parseDuration } from '../../../core/duration.js';
import { parseTime } from '../../../core/local-time.js';
import { eventStats } from '../../../core/events/event-stats.js';
import { archiveEvent, createEvent, getEvent, listEvents, rotateStreamKey, updateEvent } from '../../../core/events/event-service.js';
import { toEventView } from '../../../core/events/event-view.js';
import { findBranding, toBrandingView } from '../../../core/events/event-branding.js';
import type { EventRow } from '../../../core/db/schema.js';
import { DEVICE_POLICIES, MAX_DEVICES } from '../../../core/sessions/device-seats.js';
import type { PlatformDeps } from '../../deps.js';
import { parseBody } from '../../http/validate-body.js';
import { roleAllows } from '../../../core/admin/admin-roles.js';
import { eventScopeOf, mutationDeps, type Principal, principalOf, requireEventAccess, requireGlobal } from '../admin-auth.js';

const isoTime = (field: string) => z.string().max(64).transform((v) => parseTime(v, field, { requireOffset: true }));
const nullableTime = (field: string) => z.union([isoTime(field), z.null()]).optional();

const CreateEvent = z.object({
  title: z.string().min(1).max(200),
  id: z.string().max(63).optional(),
  startsAt: nullableTime('startsAt'),
  endsAt: nullableTime('endsAt'),
  rewatchHours: z.number().int().min(0).max(87_600).optional(),
  ladder: z.string().max(64).optional(),
  // The watch page's branding (images: PUT /api/admin/events/:id/poster|logo); null clears.
  description: z.string().max(4000).nullable().optional(),
  organiser: z.string().max(400).nullable().optional(),
  accent: z.string().max(16).nullable().optional(),
  language: z.string().max(8).optional(),
  devicePolicy: z.enum(DEVICE_POLICIES).optional(),
  /** Plays without a code (core/events/event-public.ts). */
  public: z.boolean().optional(),
});

/** The event's fields and its branding's, apart. */
function splitBranding<T extends { description?: string | null; organiser?: string | null; accent?: string | null; language?: string }>(body: T) {
  const { description, organiser, accent, language, ...event } = body;
  return { ...event, branding: { description, organiser, accent, language } };
}

const UpdateEvent = CreateEvent.omit({ id: true }).partial();

/** Over HTTP the whole batch is held in memory once; the CLI streams larger ones to a file. */
export const MAX_CODES_PER_REQUEST = 100_000;

const CreateCodes = z.object({
  count: z.number().int().min(1).max(MAX_CODES_PER_REQUEST),
  label: z.string().max(64).optional(),
  expiresAt: isoTime('expiresAt').optional(),
  expiresIn: z.string().max(16).transform((v) => parseDuration(v, 'expiresIn')).optional(),
  devices: z.number().int().min(1).max(MAX_DEVICES).optional(),
});

const ListCodes = z.object({
  status: z.enum(CODE_STATUSES as [string, ...string[]]).optional(),
  label: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(10_000).default(1_000),
  after: z.string().max(64).optional(),
});

/**
 * The stream key lets whoever has it broadcast into the event: a console user who may not change
 * events (support) reads events without it.
 */
function streamKeyFor(principal: Principal, streamKey: string): string | null {
  return principal.kind === 'admin' && !roleAllows(principal.role, 'events:write') ? null : streamKey;
}

export function eventRoutes(deps: PlatformDeps): Router {
  const router = express.Router();
  const withStats = async (principal: Principal, rows: EventRow[]) => {
    const stats = await eventStats(deps.db, deps.clock(), rows.map((r) => r.id));
    return rows.map((row) => {
      const view = toEventView(row, deps.config, deps.keyring);
      return { ...view, streamKey: streamKeyFor(principal, view.streamKey), stats: stats.get(row.id) };
    });
  };

  const withBranding = async <T extends { id: string }>(view: T) => ({ ...view, branding: toBrandingView(await findBranding(deps.db, view.id)) });

  router.get('/api/admin/events', async (_req, res) => {
    const principal = principalOf(res);
    // An event-scoped key cannot list (as before); a console user limited to some events sees those.
    if (principal.kind === 'apikey') requireGlobal(principal);
    const scope = eventScopeOf(principal);
    const rows = await listEvents(deps.db);
    res.json(await withStats(principal, scope === null ? rows : rows.filter((row) => scope.includes(row.id))));
  });

  router.post('/api/admin/events', async (req, res) => {
    requireGlobal(principalOf(res));
    const body = parseBody(CreateEvent, req.body);
    const input = splitBranding(body);
    const row = await createEvent({ ...mutationDeps(deps, req, res), keyring: deps.keyring }, { ...input, rewatchHours: body.rewatchHours ?? deps.config.defaultRewatchHours });
    res.status(201).json(await withBranding(toEventView(row, deps.config, deps.keyring)));
  });

  router.get('/api/admin/events/:id', async (req, res) => {
    const principal = principalOf(res);
    requireEventAccess(principal, req.params.id);
    const [event] = await withStats(principal, [await getEvent(deps.db, req.params.id)]);
    res.json(await withBranding(event!));
  });

  router.patch('/api/admin/events/:id', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    const row = await updateEvent(mutationDeps(deps, req, res), req.params.id, splitBranding(parseBody(UpdateEvent, req.body)));
    res.json(await withBranding(toEventView(row, deps.config, deps.keyring)));
  });

  router.post('/api/admin/events/:id/rotate-key', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    res.json(toEventView(await rotateStreamKey({ ...mutationDeps(deps, req, res), keyring: deps.keyring }, req.params.id), deps.config, deps.keyring));
  });

  router.post('/api/admin/events/:id/archive', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    res.json(toEventView(await archiveEvent(mutationDeps(deps, req, res), req.params.id), deps.config, deps.keyring));
  });

  router.post('/api/admin/events/:id/tokens', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    const body = parseBody(CreateCodes, req.body);
    const sink = memoryCodeSink();
    const result = await issueCodes(
      { ...mutationDeps(deps, req, res), pepper: deps.keyring.pepper },
      { eventId: req.params.id, count: body.count, label: body.label, expiresAt: body.expiresAt, expiresInMs: body.expiresIn, devices: body.devices },
      sink,
    );
    if (req.accepts(['application/json', 'text/csv']) === 'text/csv') {
      res.attachment(`codes-${result.eventId}.csv`).type('text/csv').status(201).send(codesToCsv(sink.rows, true));
    } else {
      res.status(201).json({ ...result, codes: sink.rows });
    }
  });

  router.get('/api/admin/events/:id/tokens', async (req, res) => {
    requireEventAccess(principalOf(res), req.params.id);
    const query = parseBody(ListCodes, req.query);
    await getEvent(deps.db, req.params.id);
    const codes = await listCodes(deps.db, deps.clock(), {
      eventId: req.params.id,
      status: query.status as (typeof CODE_STATUSES)[number] | undefined,
      label: query.label,
      limit: query.limit,
      afterId: query.after,
    });
    res.json({ codes, next: codes.length === query.limit ? codes.at(-1)!.id : null });
  });
  return router;
}
