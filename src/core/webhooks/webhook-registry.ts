import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { recordAudit, type AuditActor } from '../audit-log.js';
import { webhookSecretSealKey } from '../admin/derived-keys.js';
import { seal, unseal } from '../admin/sealed-secret.js';
import type { Clock } from '../clock.js';
import { writeTransaction, type Db } from '../db/database.js';
import type { WebhookTable } from '../db/schema.js';
import { toIso } from '../duration.js';
import { AppError } from '../errors.js';
import { timeOrderedId } from '../ids.js';
import type { Keyring } from '../secret-store.js';
import { eventTypesOf, parseEventTypes, storedEventTypes, type WebhookEventType } from './webhook-events.js';
import { checkWebhookUrl } from './webhook-url.js';

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  keyring: Pick<Keyring, 'pepper'>;
  actor: AuditActor;
  ip?: string | null;
}

/** A webhook as `webhooks list --json` and the admin API show it (never the secret). */
export interface WebhookView {
  id: string;
  url: string;
  events: WebhookEventType[];
  createdAt: string;
}

const MAX_WEBHOOKS = 100;

function toView(row: Selectable<WebhookTable>): WebhookView {
  return { id: row.id, url: row.url, events: eventTypesOf(row.events), createdAt: toIso(row.created_at)! };
}

/**
 * A new webhook with a generated secret (`whsec_` + 32 random bytes), returned this once; the
 * database keeps it sealed, so a copy of the database cannot forge deliveries.
 */
export async function addWebhook(deps: WebhookDeps, input: { url: string; events: string | readonly string[] }): Promise<{ view: WebhookView; secret: string }> {
  const url = checkWebhookUrl(input.url);
  const events = parseEventTypes(input.events);
  const secret = `whsec_${randomBytes(32).toString('base64url')}`;
  const now = deps.clock();
  const row = { id: timeOrderedId(now), url, events: storedEventTypes(events), secret: seal(webhookSecretSealKey(deps.keyring), secret), created_at: now };
  await writeTransaction(deps.db, async (trx) => {
    const count = await trx.selectFrom('webhooks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    if (Number(count.n) >= MAX_WEBHOOKS) throw new AppError(409, 'too_many_webhooks', `at most ${MAX_WEBHOOKS} webhooks; remove one first`);
    await trx.insertInto('webhooks').values(row).execute();
    await recordAudit(trx, now, { actor: deps.actor, action: 'webhook.add', target: row.id, ip: deps.ip ?? null, details: { url, events } });
  });
  return { view: toView(row), secret };
}

export async function listWebhooks(db: Db): Promise<WebhookView[]> {
  const rows = await db.selectFrom('webhooks').selectAll().orderBy('id').execute();
  return rows.map(toView);
}

/** Removes a webhook, its pending deliveries and its delivery log. */
export async function removeWebhook(deps: Omit<WebhookDeps, 'keyring'>, id: string): Promise<WebhookView> {
  return writeTransaction(deps.db, async (trx) => {
    const row = await trx.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) throw new AppError(404, 'webhook_not_found', `webhook "${id}" does not exist (see "streamgate webhooks list")`);
    await trx.deleteFrom('webhook_deliveries').where('webhook_id', '=', id).execute();
    await trx.deleteFrom('webhooks').where('id', '=', id).execute();
    await recordAudit(trx, deps.clock(), { actor: deps.actor, action: 'webhook.remove', target: id, ip: deps.ip ?? null, details: { url: row.url } });
    return toView(row);
  });
}

/** The webhooks' URLs and secrets, for the deliverer (the platform holds the pepper). */
export async function webhookTargets(db: Db, keyring: Pick<Keyring, 'pepper'>, ids: readonly string[]): Promise<Map<string, { url: string; secret: string }>> {
  if (ids.length === 0) return new Map();
  const rows = await db.selectFrom('webhooks').select(['id', 'url', 'secret']).where('id', 'in', [...new Set(ids)]).execute();
  const key = webhookSecretSealKey(keyring);
  return new Map(rows.map((r) => [r.id, { url: r.url, secret: unseal(key, r.secret) }]));
}
