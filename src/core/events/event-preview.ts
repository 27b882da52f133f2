import { cliActor, recordAudit, type AuditActor } from '../audit-log.js';
import type { Clock } from '../clock.js';
import type { Db } from '../db/database.js';
import { writeTransaction } from '../db/database.js';
import { AppError } from '../errors.js';
import { timeOrderedId } from '../ids.js';
import { signPreviewToken } from '../playback-token.js';
import type { SigningKey } from '../secret-store.js';
import { getEvent } from './event-service.js';

/** Short: the console asks for a fresh one before it runs out, and each is audited. */
export const PREVIEW_TTL_SECONDS = 300;

export interface PreviewDeps {
  db: Db;
  clock: Clock;
  signingKey: SigningKey;
  /** The longest token the edges accept (STREAMGATE_TOKEN_MAX_TTL_SECONDS). */
  maxTtlSeconds: number;
  actor?: AuditActor;
  ip?: string | null;
}

/**
 * A playback token for the operator to watch an event through the edge, rehearsals included: no
 * code is consumed, no session is opened (so it counts as no viewer), and every one issued is in
 * the audit log. An archived event has nothing to preview.
 */
export async function issuePreviewToken(deps: PreviewDeps, eventId: string): Promise<{ token: string; expiresAt: number; previewId: string }> {
  const now = deps.clock();
  return writeTransaction(deps.db, async (trx) => {
    const event = await getEvent(trx, eventId);
    if (event.status === 'archived') throw new AppError(409, 'event_archived', `event "${eventId}" is archived`);
    const previewId = `preview_${timeOrderedId(now)}`;
    const { token, expiresAt } = signPreviewToken(deps.signingKey, { eventId, previewId }, now, Math.min(PREVIEW_TTL_SECONDS, deps.maxTtlSeconds));
    await recordAudit(trx, now, { actor: deps.actor ?? cliActor(), action: 'event.preview', target: eventId, ip: deps.ip ?? null, details: { previewId, expiresAt: new Date(expiresAt).toISOString() } });
    return { token, expiresAt, previewId };
  });
}
