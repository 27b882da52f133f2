import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import { databaseKind, sqliteHandle, type DatabaseKind, type Db } from '../db/database.js';
import { preparePostgresStatement } from '../db/postgres-database.js';
import { timeOrderedId } from '../ids.js';
import type { WebhookEvent } from './webhook-events.js';

/** A webhook as raising events needs it: which events it receives (`,type,type,`). */
export type Subscriber = { id: string; events: string };

// The subscribers' query, compiled once per kind of database: it runs in every session's opening.
const compiled = new Map<DatabaseKind, CompiledQuery<Subscriber>>();

// On SQLite, a statement prepared once per connection: through kysely the read cost ~15 µs, the
// better part of what this adds to a validation when nobody subscribes (bench/webhooks).
const prepared = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement<[], Subscriber>>();

async function subscribers(trx: Db): Promise<Subscriber[]> {
  const handle = sqliteHandle(trx);
  if (handle) {
    let statement = prepared.get(handle);
    if (!statement) prepared.set(handle, (statement = handle.prepare<[], Subscriber>('select id, events from webhooks')));
    return statement.all();
  }
  const kind = databaseKind(trx);
  let query = compiled.get(kind);
  if (!query) {
    compiled.set(kind, (query = trx.selectFrom('webhooks').select(['id', 'events']).compile()));
    if (kind === 'postgres') preparePostgresStatement(query.sql);
  }
  return (await trx.executeQuery(query)).rows;
}

const INSERT_CHUNK = 500;

/**
 * Inside the caller's write transaction: one outbox row per event and subscribing webhook, so the
 * deliveries commit with the change that raised them, or not at all: nothing lost, nothing
 * invented. The subscribers are read in the same transaction (a tiny table, one statement), so a
 * webhook added a moment ago gets the next event, and without a subscriber nothing is written.
 * `subscribed`: the subscribers as a statement of the same transaction already read them (one
 * round trip less for a session's opening on PostgreSQL, session-writes.ts).
 */
export async function raiseWebhookEvents(trx: Db, nowMs: number, events: readonly WebhookEvent[], subscribed?: readonly Subscriber[]): Promise<void> {
  if (events.length === 0) return;
  subscribed ??= await subscribers(trx);
  if (subscribed.length === 0) return;
  const rows = events.flatMap((event) =>
    subscribed
      .filter((s) => s.events.includes(`,${event.type},`))
      .map((s) => ({
        id: timeOrderedId(nowMs),
        webhook_id: s.id,
        type: event.type,
        data: JSON.stringify(event.data),
        created_at: nowMs,
        status: 'pending' as const,
        attempts: 0,
        next_attempt_at: nowMs,
      })),
  );
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await trx.insertInto('webhook_deliveries').values(rows.slice(i, i + INSERT_CHUNK)).execute();
}

/** Whether any webhook receives `type`, read in the caller's transaction (to skip gathering data nobody gets). */
export async function hasSubscribers(trx: Db, type: WebhookEvent['type']): Promise<boolean> {
  return (await subscribers(trx)).some((s) => s.events.includes(`,${type},`));
}
