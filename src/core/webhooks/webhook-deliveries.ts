import { writeTransaction, type Db } from '../db/database.js';
import type { WebhookDeliveryStatus } from '../db/schema.js';
import { toIso } from '../duration.js';
import { invalidInput } from '../errors.js';
import { RETRY_WINDOW_MS, retryDelayMs } from './webhook-backoff.js';

/** A delivery claimed for sending: what goes on the wire. */
export interface ClaimedDelivery {
  id: string;
  webhookId: string;
  type: string;
  data: string;
  createdAt: number;
  attempts: number;
}

/**
 * Claims up to `limit` due deliveries for `leaseMs`: no other deliverer (another replica, or this
 * one after a restart) takes them until the lease runs out. Write transactions take turns across
 * every process and replica (database.ts), so two deliverers never claim the same row; one that
 * dies mid-send leaves its rows to be claimed again when the lease ends: sent at least once.
 * Looks on the reading connection first, so an idle deliverer never takes the write lock.
 */
export async function claimDueDeliveries(db: Db, now: number, limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
  const due = (q: Db) =>
    q
      .selectFrom('webhook_deliveries')
      .select(['id', 'webhook_id', 'type', 'data', 'created_at', 'attempts'])
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', now)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
      .orderBy('next_attempt_at')
      .limit(limit);
  const seen = await due(db).limit(1).execute();
  if (seen.length === 0) return [];
  return writeTransaction(db, async (trx) => {
    const rows = await due(trx).execute();
    if (rows.length > 0) await trx.updateTable('webhook_deliveries').set({ lease_until: now + leaseMs }).where('id', 'in', rows.map((r) => r.id)).execute();
    return rows.map((r) => ({ id: r.id, webhookId: r.webhook_id, type: r.type, data: r.data, createdAt: r.created_at, attempts: r.attempts }));
  });
}

/** How one attempt went: a 2xx is `ok`; anything else (status or error) is retried. */
export interface AttemptResult {
  id: string;
  createdAt: number;
  attempts: number;
  ok: boolean;
  responseStatus: number | null;
  error: string | null;
}

/**
 * Records attempts in one transaction: delivered; or retried after a growing, jittered wait; or,
 * past 24 h after the event, failed for good.
 */
export async function recordAttempts(db: Db, now: number, results: readonly AttemptResult[], random: () => number = Math.random): Promise<void> {
  if (results.length === 0) return;
  await writeTransaction(db, async (trx) => {
    for (const r of results) {
      const attempts = r.attempts + 1;
      const common = { attempts, lease_until: null, last_attempt_at: now, response_status: r.responseStatus };
      if (r.ok) {
        await trx.updateTable('webhook_deliveries').set({ ...common, status: 'delivered', delivered_at: now, last_error: null }).where('id', '=', r.id).execute();
        continue;
      }
      const next = now + retryDelayMs(attempts, random);
      const status: WebhookDeliveryStatus = next > r.createdAt + RETRY_WINDOW_MS ? 'failed' : 'pending';
      await trx
        .updateTable('webhook_deliveries')
        .set({ ...common, status, next_attempt_at: next, last_error: r.error?.slice(0, 300) ?? null })
        .where('id', '=', r.id)
        .execute();
    }
  });
}

/** A delivery as the log shows it. */
export interface DeliveryView {
  id: string;
  webhookId: string;
  type: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  responseStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
}

const STATUSES: readonly WebhookDeliveryStatus[] = ['pending', 'delivered', 'failed'];

/** Newest first, optionally of one webhook and in one status. */
export async function listDeliveries(db: Db, filter: { webhookId?: string; status?: string; limit?: number } = {}): Promise<DeliveryView[]> {
  const limit = filter.limit ?? 100;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw invalidInput('limit: a whole number from 1 to 1000');
  if (filter.status !== undefined && !STATUSES.includes(filter.status as WebhookDeliveryStatus)) throw invalidInput(`status: one of ${STATUSES.join(', ')}`);
  let query = db.selectFrom('webhook_deliveries').selectAll();
  if (filter.webhookId) query = query.where('webhook_id', '=', filter.webhookId);
  if (filter.status) query = query.where('status', '=', filter.status as WebhookDeliveryStatus);
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
  return rows.map((r) => ({
    id: r.id,
    webhookId: r.webhook_id,
    type: r.type,
    status: r.status,
    attempts: r.attempts,
    createdAt: toIso(r.created_at)!,
    lastAttemptAt: toIso(r.last_attempt_at),
    nextAttemptAt: r.status === 'pending' ? toIso(r.next_attempt_at) : null,
    responseStatus: r.response_status,
    lastError: r.last_error,
    deliveredAt: toIso(r.delivered_at),
  }));
}

/** Finished deliveries are kept this long, and at most this many per webhook (the newest). */
export const DELIVERY_LOG_RETENTION_MS = 7 * 86_400_000;
export const DELIVERY_LOG_MAX_PER_WEBHOOK = 10_000;
const PRUNE_CHUNK = 2_000;

/**
 * Keeps the delivery log bounded: finished rows older than a week, and beyond the newest 10,000
 * finished per webhook, are deleted, in chunks that hold the write lock briefly. Pending rows stay.
 */
export async function pruneDeliveries(db: Db, now: number, maxPerWebhook = DELIVERY_LOG_MAX_PER_WEBHOOK): Promise<number> {
  let deleted = 0;
  const finished = ['delivered', 'failed'] as const;
  const cutoffs: { webhookId: string | null; before: number; beforeId: string }[] = [{ webhookId: null, before: now - DELIVERY_LOG_RETENTION_MS, beforeId: '' }];
  for (const { id } of await db.selectFrom('webhooks').select('id').execute()) {
    const edge = await db
      .selectFrom('webhook_deliveries')
      .select(['created_at', 'id'])
      .where('webhook_id', '=', id)
      .where('status', 'in', finished)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .offset(maxPerWebhook)
      .limit(1)
      .executeTakeFirst();
    if (edge) cutoffs.push({ webhookId: id, before: edge.created_at, beforeId: edge.id });
  }
  for (const cutoff of cutoffs) {
    for (;;) {
      let query = db.selectFrom('webhook_deliveries').select('id').where('status', 'in', finished);
      if (cutoff.webhookId === null) query = query.where('created_at', '<', cutoff.before);
      else {
        query = query
          .where('webhook_id', '=', cutoff.webhookId)
          .where((eb) => eb.or([eb('created_at', '<', cutoff.before), eb.and([eb('created_at', '=', cutoff.before), eb('id', '<=', cutoff.beforeId)])]));
      }
      const ids = (await query.limit(PRUNE_CHUNK).execute()).map((r) => r.id);
      if (ids.length === 0) break;
      await writeTransaction(db, (trx) => trx.deleteFrom('webhook_deliveries').where('id', 'in', ids).execute());
      deleted += ids.length;
    }
  }
  return deleted;
}
