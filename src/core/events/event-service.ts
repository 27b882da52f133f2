import { cliActor, recordAudit, type AuditEntry, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import type { EventRow } from '../db/schema.js';
import { AppError, invalidInput } from '../errors.js';
import { newStreamKey } from '../ids.js';
import { appendRevocations } from '../revocation-feed.js';
import { raiseEventStatus } from '../webhooks/webhook-raisers.js';
import { formatLadder, parseLadder } from './ladder.js';
import { hasBrandingChange, writeBranding, type BrandingInput } from './event-branding.js';
import { checkEndsInFuture, checkEventId, checkRewatchHours, checkTitle, checkWindow, slugify } from './event-input.js';
import { openStreamKey, sealStreamKey, type StreamKeyring } from './stream-key-seal.js';
import { checkDevicePolicy } from '../sessions/device-seats.js';
import { applyPublicChange } from './event-public.js';

export interface EventDeps {
  db: Db;
  clock: Clock;
  actor?: AuditActor;
  ip?: string | null;
}

/** For the functions that write a stream key, which they seal (stream-key-seal.ts). */
export interface SealingEventDeps extends EventDeps {
  keyring: StreamKeyring;
}

export interface CreateEventInput {
  title: string;
  id?: string;
  startsAt?: number | null;
  endsAt?: number | null;
  rewatchHours: number;
  /** "copy" (default) or an ABR ladder such as "720p,480p,360p". */
  ladder?: string;
  /** The watch page's description, images, accent and language (event-branding.ts). */
  branding?: BrandingInput;
  /** A device beyond a code's seats: `block` (default) or `takeover` (sessions/device-seats.ts). */
  devicePolicy?: string;
  /** Plays without a code (event-public.ts). */
  public?: boolean;
}

export interface UpdateEventInput {
  title?: string;
  startsAt?: number | null;
  endsAt?: number | null;
  rewatchHours?: number;
  ladder?: string;
  branding?: BrandingInput;
  devicePolicy?: string;
  /** true: plays without a code from now on; false: a code is needed and anonymous viewers stop. */
  public?: boolean;
}

function audit(deps: EventDeps, action: string, target: string, details?: Record<string, unknown>): AuditEntry {
  return { actor: deps.actor ?? cliActor(), action, target, ip: deps.ip ?? null, details };
}

/** Returns the row as stored: its `stream_key` is sealed (see toEventView). */
export async function createEvent(deps: SealingEventDeps, input: CreateEventInput): Promise<EventRow> {
  const title = checkTitle(input.title);
  const id = checkEventId(input.id ?? slugify(title), input.id ? '--id' : '--title (as id; pass --id)');
  const startsAt = input.startsAt ?? null;
  const endsAt = input.endsAt ?? null;
  checkWindow(startsAt, endsAt);
  const now = deps.clock();
  checkEndsInFuture(endsAt, now);
  const rewatchHours = checkRewatchHours(input.rewatchHours);
  const ladder = formatLadder(parseLadder(input.ladder ?? 'copy'));
  const devicePolicy = checkDevicePolicy(input.devicePolicy ?? 'block');
  return writeTransaction(deps.db, async (trx) => {
    const existing = await trx.selectFrom('events').select('id').where('id', '=', id).executeTakeFirst();
    if (existing) throw new AppError(409, 'event_exists', `event "${id}" already exists (pass another --id)`);
    const row: EventRow = {
      id,
      title,
      status: 'scheduled',
      starts_at: startsAt,
      ends_at: endsAt,
      rewatch_hours: rewatchHours,
      stream_key: sealStreamKey(deps.keyring, newStreamKey()),
      ladder,
      ingest_state: 'idle',
      ingest_reason: null,
      device_policy: devicePolicy,
      public_since: input.public ? now : null,
      created_at: now,
      updated_at: now,
    };
    await trx.insertInto('events').values(row).execute();
    if (hasBrandingChange(input.branding)) await writeBranding(trx, id, input.branding!, now);
    await recordAudit(trx, now, audit(deps, 'event.create', id, { title, startsAt, endsAt, rewatchHours, ladder, devicePolicy, public: input.public === true, ...input.branding }));
    return row;
  });
}

export async function listEvents(db: Db): Promise<EventRow[]> {
  return db.selectFrom('events').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
}

export async function findEvent(db: Db, id: string): Promise<EventRow | undefined> {
  return db.selectFrom('events').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The event, or a usage error naming it (exit 2 in the CLI, 404 over HTTP). */
/** The answer for an unknown event; also for one a caller may not see, which must read the same. */
export function eventNotFound(id: string): AppError {
  return new AppError(404, 'event_not_found', `event "${id}" does not exist (see "streamgate events list")`);
}

export async function getEvent(db: Db, id: string): Promise<EventRow> {
  const row = await findEvent(db, id);
  if (!row) throw eventNotFound(id);
  return row;
}

export async function updateEvent(deps: EventDeps, id: string, input: UpdateEventInput): Promise<EventRow> {
  const { branding, ...fields } = input;
  if (Object.values(fields).every((v) => v === undefined) && !hasBrandingChange(branding)) {
    throw invalidInput('nothing to update: pass --title, --starts-at, --ends-at, --rewatch, --ladder, --device-policy, --public/--no-public or a branding flag (--description, --organiser, --poster, --logo, --accent, --language)');
  }
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx) => {
    const current = await getEvent(trx, id);
    if (current.status === 'archived') throw new AppError(409, 'event_archived', `event "${id}" is archived`);
    const next: EventRow = {
      ...current,
      title: input.title !== undefined ? checkTitle(input.title) : current.title,
      starts_at: input.startsAt !== undefined ? input.startsAt : current.starts_at,
      ends_at: input.endsAt !== undefined ? input.endsAt : current.ends_at,
      rewatch_hours: input.rewatchHours !== undefined ? checkRewatchHours(input.rewatchHours) : current.rewatch_hours,
      ladder: input.ladder !== undefined ? formatLadder(parseLadder(input.ladder)) : current.ladder,
      device_policy: input.devicePolicy !== undefined ? checkDevicePolicy(input.devicePolicy) : current.device_policy,
      updated_at: now,
    };
    checkWindow(next.starts_at, next.ends_at);
    next.public_since = await applyPublicChange(trx, current, input.public, now);
    if (next.ladder !== current.ladder && (current.status === 'live' || current.status === 'ended')) {
      // Its recording is in one layout (one playlist, or a master and renditions); a publisher
      // continuing it in the other would hide what was recorded.
      throw new AppError(409, 'ladder_locked', `event "${id}" has a recording made as ${current.ladder}: its live output cannot change now; create a new event for ${next.ladder}`);
    }
    await trx
      .updateTable('events')
      .set({ title: next.title, starts_at: next.starts_at, ends_at: next.ends_at, rewatch_hours: next.rewatch_hours, ladder: next.ladder, device_policy: next.device_policy, public_since: next.public_since, updated_at: now })
      .where('id', '=', id)
      .execute();
    if (hasBrandingChange(branding)) await writeBranding(trx, id, branding!, now);
    await recordAudit(trx, now, audit(deps, 'event.update', id, { ...fields, ...branding }));
    return next;
  });
}

/**
 * Archiving ends the event for good: its sessions end and the edges learn (one feed entry for
 * the whole event) to refuse every token for it, even ones that have not expired yet.
 */
export async function archiveEvent(deps: EventDeps, id: string): Promise<EventRow> {
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx) => {
    const current = await getEvent(trx, id);
    if (current.status === 'archived') return current;
    await trx.updateTable('events').set({ status: 'archived', updated_at: now }).where('id', '=', id).execute();
    await trx
      .updateTable('sessions')
      .set({ ended_at: now, end_reason: 'event_archived' })
      .where('event_id', '=', id)
      .where('ended_at', 'is', null)
      .execute();
    await appendRevocations(trx, now, [{ kind: 'event_archived', eventId: id }]);
    await recordAudit(trx, now, audit(deps, 'event.archive', id));
    return { ...current, status: 'archived', updated_at: now };
  });
}

/** A new stream key; the old one stops working for the next publish. Returns the row as stored. */
export async function rotateStreamKey(deps: SealingEventDeps, id: string): Promise<EventRow> {
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx) => {
    const current = await getEvent(trx, id);
    if (current.status === 'archived') throw new AppError(409, 'event_archived', `event "${id}" is archived`);
    const streamKey = sealStreamKey(deps.keyring, newStreamKey());
    await trx.updateTable('events').set({ stream_key: streamKey, updated_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, now, audit(deps, 'event.rotate_key', id));
    return { ...current, stream_key: streamKey, updated_at: now };
  });
}

/**
 * After a recording was imported: a scheduled event becomes `ended`, i.e. rewatchable as VOD until
 * its codes expire. A live event must stop first; an archived one stays archived.
 */
export async function checkEventAcceptsVod(db: Db, id: string): Promise<EventRow> {
  const event = await getEvent(db, id);
  if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${id}" is archived`);
  if (event.status === 'live') throw new AppError(409, 'event_live', `event "${id}" is live; import after the stream ends`);
  return event;
}

export async function markEventRecorded(deps: EventDeps, id: string, details: Record<string, unknown>): Promise<EventRow> {
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx) => {
    const event = await checkEventAcceptsVod(trx, id);
    // An imported recording is one rendition, so the event's layout is now `copy`: a publisher who
    // goes on to continue it appends to that playlist instead of hiding it under a ladder's master.
    await trx.updateTable('events').set({ status: 'ended', ladder: 'copy', updated_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, now, audit(deps, 'event.vod_import', id, details));
    return { ...event, status: 'ended', ladder: 'copy', updated_at: now };
  });
}

/**
 * What the ingest needs to admit a publisher synchronously: every usable event's current key,
 * unsealed, for its in-memory map.
 */
export async function listIngestTargets(db: Db, keyring: StreamKeyring) {
  const rows = await db
    .selectFrom('events as e')
    .leftJoin('recording_windows as w', 'w.event_id', 'e.id')
    .select(['e.id', 'e.stream_key', 'e.ladder', 'e.starts_at', 'w.seconds as window_seconds'])
    .where('e.status', '!=', 'archived')
    .execute();
  return rows.map((row) => ({ ...row, stream_key: openStreamKey(keyring, row.stream_key, row.id) }));
}

/**
 * A publisher's stream is playable: the event is live (also when it had ended and goes on air
 * again), and true is returned. Before the event's start it is a rehearsal: the event stays as it
 * is, so viewers are still refused (only the operator's preview plays), and false is returned;
 * the ingest calls again once the start has come (or `events update --go-live` brought it forward).
 */
export async function markEventLive(deps: EventDeps, id: string): Promise<boolean> {
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx) => {
    const event = await getEvent(trx, id);
    if (event.status === 'archived') return false;
    if (event.status === 'live') return true;
    if (event.starts_at !== null && event.starts_at > now) return false;
    await trx.updateTable('events').set({ status: 'live', updated_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, now, audit(deps, 'event.live', id));
    await raiseEventStatus(trx, now, 'event.live', event);
    return true;
  });
}

/** The publisher is gone for good and the playlists are finalised: the event is a VOD now. */
export async function markEventEnded(deps: EventDeps, id: string, details?: Record<string, unknown>): Promise<void> {
  const now = deps.clock();
  await writeTransaction(deps.db, async (trx) => {
    const event = await getEvent(trx, id);
    if (event.status !== 'live') return;
    await trx.updateTable('events').set({ status: 'ended', updated_at: now }).where('id', '=', id).execute();
    await recordAudit(trx, now, audit(deps, 'event.ended', id, details));
    await raiseEventStatus(trx, now, 'event.ended', event);
  });
}

/** Events left `live` by an ingest that did not stop cleanly (a crash, a power cut). */
export async function listLiveEventIds(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('events').select('id').where('status', '=', 'live').execute();
  return rows.map((r) => r.id);
}
