import { compileOnce } from '../db/compile-once.js';
import { databaseKind, type Db } from '../db/database.js';
import type { SessionRow } from '../db/schema.js';
import type { Subscriber } from '../webhooks/webhook-outbox.js';

// A validation's writes, compiled once (compile-once.ts): they run on every code entered.

export type NewSession = Omit<SessionRow, 'ended_at' | 'end_reason'>;
export type CodeUse = { first_used_at: number; last_used_at: number };

const SESSION_COLUMNS = ['id', 'code_id', 'event_id', 'device_id', 'client_ip', 'user_agent', 'started_at', 'last_seen_at', 'seat'] as const;

const insertSession = compileOnce<NewSession>(SESSION_COLUMNS, (db, session) => db.insertInto('sessions').values({ ...session, ended_at: null, end_reason: null }));

const updateCodeUse = compileOnce<CodeUse & { code_id: string }>(['code_id', 'first_used_at', 'last_used_at'], (db, { code_id, first_used_at, last_used_at }) =>
  db.updateTable('access_codes').set({ first_used_at, last_used_at }).where('id', '=', code_id),
);

/**
 * PostgreSQL only (SQLite has no INSERT in a WITH): an opening's writes, and the read of the
 * webhooks it raises events for (webhook-raisers.ts), in one round trip. The read sees what any
 * statement of this transaction would: the webhooks committed before it.
 */
const insertSessionWithCodeUse = compileOnce<NewSession & CodeUse, Subscriber>([...SESSION_COLUMNS, 'first_used_at', 'last_used_at'], (db, { first_used_at, last_used_at, ...session }) =>
  db
    .with('opened', (db) => db.insertInto('sessions').values({ ...session, ended_at: null, end_reason: null }))
    .with('used', (db) => db.updateTable('access_codes').set({ first_used_at, last_used_at }).where('id', '=', session.code_id))
    .selectFrom('webhooks')
    .select(['id', 'events']),
);

/** As `insertSessionWithCodeUse`, for an opening that leaves the code's use times as they are. */
const insertSessionReadingWebhooks = compileOnce<NewSession, Subscriber>(SESSION_COLUMNS, (db, session) =>
  db
    .with('opened', (db) => db.insertInto('sessions').values({ ...session, ended_at: null, end_reason: null }))
    .selectFrom('webhooks')
    .select(['id', 'events']),
);

const updateSessionSeen = compileOnce<Pick<SessionRow, 'id' | 'last_seen_at' | 'client_ip'>>(['id', 'last_seen_at', 'client_ip'], (db, { id, last_seen_at, client_ip }) =>
  db.updateTable('sessions').set({ last_seen_at, client_ip }).where('id', '=', id),
);

/**
 * Inserts a new session and, if given, records the code's use: one statement where the database
 * allows, which then also reads the webhooks (for `raiseSessionStarted`); undefined where it does not.
 */
export async function writeOpenedSession(trx: Db, session: NewSession, use: CodeUse | null): Promise<Subscriber[] | undefined> {
  if (databaseKind(trx) === 'postgres') {
    const { rows } = use ? await insertSessionWithCodeUse(trx, { ...session, ...use }) : await insertSessionReadingWebhooks(trx, session);
    return rows;
  }
  await insertSession(trx, session);
  if (use && session.code_id !== null) await writeCodeUse(trx, session.code_id, use);
  return undefined;
}

export type SessionSeen = Pick<SessionRow, 'id' | 'last_seen_at' | 'client_ip'>;
export type CodeUseOf = CodeUse & { code_id: string };

/** PostgreSQL only: both writes of a resume in one round trip. */
const updateSessionSeenWithCodeUse = compileOnce<SessionSeen & CodeUseOf>(
  ['id', 'last_seen_at', 'client_ip', 'code_id', 'first_used_at', 'last_used_at'],
  (db, { id, last_seen_at, client_ip, code_id, first_used_at, last_used_at }) =>
    db
      .with('seen', (db) => db.updateTable('sessions').set({ last_seen_at, client_ip }).where('id', '=', id))
      .updateTable('access_codes')
      .set({ first_used_at, last_used_at })
      .where('id', '=', code_id),
);

async function writeCodeUse(trx: Db, codeId: string, use: CodeUse): Promise<void> {
  await updateCodeUse(trx, { code_id: codeId, ...use });
}

/** A resumed session's heartbeat time and address, and its code's use: whichever is given, one statement where the database allows. */
export async function writeResume(trx: Db, seen: SessionSeen | null, use: CodeUseOf | null): Promise<void> {
  if (seen && use && databaseKind(trx) === 'postgres') {
    await updateSessionSeenWithCodeUse(trx, { ...seen, ...use });
    return;
  }
  if (seen) await updateSessionSeen(trx, seen);
  if (use) await writeCodeUse(trx, use.code_id, use);
}
