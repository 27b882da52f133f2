import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery, InferResult } from 'kysely';
import { compileOnce } from '../db/compile-once.js';
import { databaseKind, sqliteReadHandle, type DatabaseKind, type Db, type FirstRead } from '../db/database.js';
import type { AccessCodeRow, EventRow, SessionRow } from '../db/schema.js';

/** What the seat rule needs of a code's open session. */
export type OpenSession = Pick<SessionRow, 'id' | 'event_id' | 'device_id' | 'client_ip' | 'last_seen_at' | 'seat'>;

/** A committed code with its seats, its event and its sessions not yet ended (at most one a seat: a unique partial index). */
export interface CodeForSession {
  code: AccessCodeRow;
  /** How many devices may play the code at once (its batch's seats). */
  devices: number;
  event: EventRow;
  /** As stored: the caller applies a deferred heartbeat (deferred-last-seen.ts) if it wants one. */
  open: OpenSession[];
}

const CODE_COLUMNS = [
  'c.id',
  'c.event_id',
  'c.batch_id',
  'c.code_hash',
  'c.label',
  'c.expires_at',
  'c.created_at',
  'c.first_used_at',
  'c.last_used_at',
  'c.revoked_at',
  'c.revoke_reason',
] as const satisfies readonly `c.${keyof AccessCodeRow}`[];

const OTHER_COLUMNS = [
  'c.devices',
  'e.id as e_id',
  'e.title as e_title',
  'e.status as e_status',
  'e.starts_at as e_starts_at',
  'e.ends_at as e_ends_at',
  'e.rewatch_hours as e_rewatch_hours',
  'e.stream_key as e_stream_key',
  'e.ladder as e_ladder',
  'e.ingest_state as e_ingest_state',
  'e.ingest_reason as e_ingest_reason',
  'e.device_policy as e_device_policy',
  'e.encryption as e_encryption',
  'e.public_since as e_public_since',
  'e.latency as e_latency',
  'e.created_at as e_created_at',
  'e.updated_at as e_updated_at',
  's.id as s_id',
  's.event_id as s_event_id',
  's.device_id as s_device_id',
  's.client_ip as s_client_ip',
  's.last_seen_at as s_last_seen_at',
  's.seat as s_seat',
] as const;

/** The statement of `loadCodeForSession`. */
function selectCodeForSession(db: Db, { codeId }: { codeId: string }) {
  return db
    .selectFrom('codes as c')
    .innerJoin('events as e', 'e.id', 'c.event_id')
    .leftJoin('sessions as s', (join) => join.onRef('s.code_id', '=', 'c.id').on('s.ended_at', 'is', null))
    // Named columns, not c.*: the statement is prepared once per connection (compile-once.ts), and a
    // column added to the view later must not change the shape of its rows under it.
    .select(CODE_COLUMNS)
    .select(OTHER_COLUMNS)
    .where('c.id', '=', codeId);
}

/** Built and compiled once per kind of database, not on every validation (it showed in profiles). */
const runSelectCodeForSession = compileOnce(['codeId'], selectCodeForSession);

type CodeForSessionRow = InferResult<ReturnType<typeof selectCodeForSession>>[number];

/** The statement with the code id as its one parameter, compiled once per kind of database. */
const compiledForKind = new Map<DatabaseKind, CompiledQuery<CodeForSessionRow>>();

/** A code id (access-code.ts): safe to write into a statement as a literal. */
const CODE_ID = /^[0-9a-z]{1,64}$/;

/**
 * `loadCodeForSession` as a write transaction's first read (database.ts `FirstRead`): on
 * PostgreSQL it travels with the BEGIN and the lock, one round trip less. Read its rows with
 * `codeForSessionFrom`.
 */
export function codeForSessionRead(db: Db, codeId: string): FirstRead<CodeForSessionRow> {
  const kind = databaseKind(db);
  let query = compiledForKind.get(kind);
  if (!query) {
    query = selectCodeForSession(db, { codeId: '' }).compile();
    if (query.parameters.length !== 1 || query.sql.split('$1').length !== (kind === 'postgres' ? 2 : 1)) throw new Error('codeForSessionRead: one parameter expected');
    compiledForKind.set(kind, query);
  }
  const compiled = { ...query, parameters: [codeId] };
  return {
    compiled,
    literal: () => {
      if (!CODE_ID.test(codeId)) throw new Error('codeForSessionRead: not an access code id');
      return compiled.sql.replace('$1', `'${codeId}'`);
    },
  };
}

/** The statement's columns, in order: where each one is in a row read as an array. */
const COLUMN_NAMES = [...CODE_COLUMNS, ...OTHER_COLUMNS].map((column) => column.split(' as ')[1] ?? column.slice('c.'.length)) as (keyof CodeForSessionRow)[];
const AT = Object.fromEntries(COLUMN_NAMES.map((name, i) => [name, i])) as Record<keyof CodeForSessionRow, number>;

/** A row as an array of the statement's columns in order (`COLUMN_NAMES`). */
type CodeForSessionValues = readonly unknown[];

/**
 * The statement on each SQLite connection, answering rows as arrays: better-sqlite3 builds an
 * object of 34 named properties per row otherwise, which cost more than SQLite's work on the read.
 */
const rawStatements = new WeakMap<BetterSqlite3.Database, BetterSqlite3.Statement<[string], unknown[]>>();

function rawStatementOn(db: Db, handle: BetterSqlite3.Database): BetterSqlite3.Statement<[string], unknown[]> {
  let statement = rawStatements.get(handle);
  if (!statement) {
    statement = handle.prepare<[string], unknown[]>(codeForSessionRead(db, '').compiled.sql).raw(true);
    const names = statement.columns().map((column) => column.name);
    if (names.join() !== COLUMN_NAMES.join()) throw new Error(`loadCodeForSession: columns ${names.join()} are not ${COLUMN_NAMES.join()}`);
    rawStatements.set(handle, statement);
  }
  return statement;
}

/**
 * Reads a code, its event and its open session in one statement: a validation's only read, on the
 * reading connection before the write transaction and again inside it (on PostgreSQL as the
 * transaction's first read, `codeForSessionRead`). On SQLite it runs on the connection whose page
 * cache is warm (`sqliteReadHandle`, as compile-once.ts), or the transaction's own.
 */
export async function loadCodeForSession(db: Db, codeId: string): Promise<CodeForSession | undefined> {
  const handle = sqliteReadHandle(db);
  if (handle) return codeForSessionFromValues(rawStatementOn(db, handle).all(codeId));
  const { rows } = await runSelectCodeForSession(db, { codeId });
  return codeForSessionFrom(rows);
}

/** The code, event and open sessions of the statement's rows, one a session (none: no such committed code). */
export function codeForSessionFrom(rows: readonly CodeForSessionRow[]): CodeForSession | undefined {
  return codeForSessionFromValues(rows.map((row) => COLUMN_NAMES.map((name) => row[name])));
}

function codeForSessionFromValues(rows: readonly CodeForSessionValues[]): CodeForSession | undefined {
  const row = rows[0];
  if (!row) return undefined;
  const v = <K extends keyof CodeForSessionRow>(values: CodeForSessionValues, name: K) => values[AT[name]] as CodeForSessionRow[K];
  // Field by field: destructuring the rest out of the row cost more in validation profiles.
  const code: AccessCodeRow = {
    id: v(row, 'id'),
    event_id: v(row, 'event_id'),
    batch_id: v(row, 'batch_id'),
    code_hash: v(row, 'code_hash'),
    label: v(row, 'label'),
    expires_at: v(row, 'expires_at'),
    created_at: v(row, 'created_at'),
    first_used_at: v(row, 'first_used_at'),
    last_used_at: v(row, 'last_used_at'),
    revoked_at: v(row, 'revoked_at'),
    revoke_reason: v(row, 'revoke_reason'),
  };
  const event: EventRow = {
    id: v(row, 'e_id'),
    title: v(row, 'e_title'),
    status: v(row, 'e_status'),
    starts_at: v(row, 'e_starts_at'),
    ends_at: v(row, 'e_ends_at'),
    rewatch_hours: v(row, 'e_rewatch_hours'),
    stream_key: v(row, 'e_stream_key'),
    ladder: v(row, 'e_ladder'),
    ingest_state: v(row, 'e_ingest_state'),
    ingest_reason: v(row, 'e_ingest_reason'),
    device_policy: v(row, 'e_device_policy'),
    encryption: v(row, 'e_encryption'),
    public_since: v(row, 'e_public_since'),
    latency: v(row, 'e_latency'),
    created_at: v(row, 'e_created_at'),
    updated_at: v(row, 'e_updated_at'),
  };
  const open: OpenSession[] = [];
  for (const s of rows) {
    const id = v(s, 's_id');
    const eventId = v(s, 's_event_id');
    const deviceId = v(s, 's_device_id');
    const lastSeenAt = v(s, 's_last_seen_at');
    const seat = v(s, 's_seat');
    if (id === null || eventId === null || deviceId === null || lastSeenAt === null || seat === null) continue;
    open.push({ id, event_id: eventId, device_id: deviceId, client_ip: v(s, 's_client_ip'), last_seen_at: lastSeenAt, seat });
  }
  return { code, devices: v(row, 'devices'), event, open };
}
