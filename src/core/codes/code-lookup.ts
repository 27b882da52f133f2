import type { KeyObject } from 'node:crypto';
import { codeKey, hashesEqual, normaliseCode } from '../access-code.js';
import type { Db } from '../db/database.js';
import { toIso } from '../duration.js';
import { AppError } from '../errors.js';
import { SESSION_TIMEOUT_MS } from '../sessions/session-service.js';
import { describeUserAgent } from '../user-agent.js';
import { toCodeView, type CodeView } from './code-listing.js';

/** A session of a looked-up code, ended ones included: which device, which browser, from where. */
export interface CodeSessionView {
  id: string;
  deviceId: string;
  /** "Firefox 131 on Windows", from the user agent; null when it says nothing useful. */
  browser: string | null;
  userAgent: string | null;
  clientIp: string | null;
  startedAt: string;
  lastSeenAt: string;
  endedAt: string | null;
  endReason: string | null;
  /** Playing now: not ended, and a heartbeat within the timeout. */
  active: boolean;
}

export interface CodeLookup {
  code: CodeView;
  /** Seats: how many devices may play the code at once. */
  devices: number;
  eventTitle: string;
  sessions: CodeSessionView[];
}

/** The newest sessions a lookup shows; a code has one at a time, so this is weeks of history. */
const SESSIONS_SHOWN = 50;

/**
 * Finds a code as a viewer would type or paste it (any case, spaces and dashes, O for 0) and
 * returns what an operator needs to help that viewer: its state and its sessions. The code itself
 * is never returned nor put in an error; an unknown code, or one of another event than
 * `onlyEventIds`, is one and the same 404.
 */
export async function lookupCode(db: Db, pepper: KeyObject, nowMs: number, given: string, onlyEventIds?: readonly string[] | null): Promise<CodeLookup> {
  const notFound = new AppError(404, 'code_not_found', 'No such code: check it with the viewer (it is 12 characters).');
  const normalised = normaliseCode(given);
  if (!normalised) throw notFound;
  const { id, hash } = codeKey(pepper, normalised);
  const row = await db
    .selectFrom('codes as c')
    .innerJoin('events as e', 'e.id', 'c.event_id')
    .selectAll('c')
    .select('e.title as event_title')
    .where('c.id', '=', id)
    .executeTakeFirst();
  if (!row || !hashesEqual(row.code_hash, hash) || (onlyEventIds && !onlyEventIds.includes(row.event_id))) throw notFound;
  const sessions = await db
    .selectFrom('sessions')
    .selectAll()
    .where('code_id', '=', id)
    .orderBy('started_at', 'desc')
    .limit(SESSIONS_SHOWN)
    .execute();
  return {
    code: toCodeView(row, nowMs),
    devices: row.devices,
    eventTitle: row.event_title,
    sessions: sessions.map((s) => ({
      id: s.id,
      deviceId: s.device_id,
      browser: describeUserAgent(s.user_agent),
      userAgent: s.user_agent,
      clientIp: s.client_ip,
      startedAt: toIso(s.started_at)!,
      lastSeenAt: toIso(s.last_seen_at)!,
      endedAt: toIso(s.ended_at),
      endReason: s.end_reason,
      active: s.ended_at === null && s.last_seen_at >= nowMs - SESSION_TIMEOUT_MS,
    })),
  };
}
