import type { Db } from '../db/database.js';
import type { EventRow, EventStatus } from '../db/schema.js';
import { toIso } from '../duration.js';
import { AppError } from '../errors.js';
import { findBranding, toBrandingView, type BrandingView } from './event-branding.js';
import { findEvent } from './event-service.js';

/**
 * What the public watch page shows before a code is entered: the branding and the schedule,
 * nothing else (no codes, keys or counts), for anyone who has the link.
 */
export interface EventPageView extends BrandingView {
  id: string;
  title: string;
  status: EventStatus;
  startsAt: string | null;
  /** The recording can no longer be watched: the page says the event is over and asks for no code. */
  over: boolean;
  /** Plays without a code: the page plays at once (`POST /api/events/:id/play`). */
  public: boolean;
}

/**
 * Over: archived, or ended with its rewatch window (end + rewatch hours, the codes' default
 * expiry, core/codes/code-expiry.ts) closed. A live event is never over, whatever its planned end.
 */
export function isEventOver(event: EventRow, nowMs: number): boolean {
  if (event.status === 'archived') return true;
  if (event.status === 'live' || event.ends_at === null) return false;
  return nowMs >= event.ends_at + event.rewatch_hours * 3_600_000;
}

export async function eventPage(db: Db, eventId: string, nowMs: number): Promise<EventPageView> {
  const event = await findEvent(db, eventId);
  if (!event) throw new AppError(404, 'event_not_found', 'No such event.');
  const branding = toBrandingView(await findBranding(db, eventId));
  return {
    id: event.id,
    title: event.title,
    ...branding,
    status: event.status,
    startsAt: toIso(event.starts_at),
    over: isEventOver(event, nowMs),
    public: event.public_since !== null && event.status !== 'archived',
  };
}
