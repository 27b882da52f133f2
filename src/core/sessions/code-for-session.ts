import type { CompiledQuery, InferResult } from 'kysely';
import { compileOnce } from '../db/compile-once.js';
import { databaseKind, type DatabaseKind, type Db, type FirstRead } from '../db/database.js';
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

/** The statement of `loadCodeForSession`. */
function selectCodeForSession(db: Db, { codeId }: { codeId: string }) {
  return db
    .selectFrom('codes as c')
    .innerJoin('events as e', 'e.id', 'c.event_id')
    .leftJoin('sessions as s', (join) => join.onRef('s.code_id', '=', 'c.id').on('s.ended_at', 'is', null))
    // Named columns, not c.*: the statement is prepared once per connection (compile-once.ts), and a
    // column added to the view later must not change the shape of its rows under it.
    .select(CODE_COLUMNS)
    .select([
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
    ])
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

/**
 * Reads a code, its event and its open session in one statement: a validation's only read, on the
 * reading connection before the write transaction and again inside it (`codeForSessionRead`).
 */
export async function loadCodeForSession(db: Db, codeId: string): Promise<CodeForSession | undefined> {
  const { rows } = await runSelectCodeForSession(db, { codeId });
  return codeForSessionFrom(rows);
}

/** The code, event and open sessions of the statement's rows, one a session (none: no such committed code). */
export function codeForSessionFrom(rows: readonly CodeForSessionRow[]): CodeForSession | undefined {
  const row = rows[0];
  if (!row) return undefined;
  // Field by field: destructuring the rest out of the row cost more in validation profiles.
  const code: AccessCodeRow = {
    id: row.id,
    event_id: row.event_id,
    batch_id: row.batch_id,
    code_hash: row.code_hash,
    label: row.label,
    expires_at: row.expires_at,
    created_at: row.created_at,
    first_used_at: row.first_used_at,
    last_used_at: row.last_used_at,
    revoked_at: row.revoked_at,
    revoke_reason: row.revoke_reason,
  };
  const event: EventRow = {
    id: row.e_id,
    title: row.e_title,
    status: row.e_status,
    starts_at: row.e_starts_at,
    ends_at: row.e_ends_at,
    rewatch_hours: row.e_rewatch_hours,
    stream_key: row.e_stream_key,
    ladder: row.e_ladder,
    ingest_state: row.e_ingest_state,
    ingest_reason: row.e_ingest_reason,
    device_policy: row.e_device_policy,
    encryption: row.e_encryption,
    public_since: row.e_public_since,
    latency: row.e_latency,
    created_at: row.e_created_at,
    updated_at: row.e_updated_at,
  };
  const open: OpenSession[] = [];
  for (const s of rows) {
    if (s.s_id === null || s.s_event_id === null || s.s_device_id === null || s.s_last_seen_at === null || s.s_seat === null) continue;
    open.push({ id: s.s_id, event_id: s.s_event_id, device_id: s.s_device_id, client_ip: s.s_client_ip, last_seen_at: s.s_last_seen_at, seat: s.s_seat });
  }
  return { code, devices: row.devices, event, open };
}
