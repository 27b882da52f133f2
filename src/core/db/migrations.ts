import { sql, type ColumnDataType, type ColumnDefinitionBuilder, type Expression, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { recountCodes } from '../codes/code-counts.js';
import { operationalFailure } from '../errors.js';
import { isSealedStreamKey, sealStreamKey, type StreamKeyring } from '../events/stream-key-seal.js';

export type DatabaseKind = 'sqlite' | 'postgres';

/**
 * The column types that differ between the dialects; the migrations below are otherwise the same
 * code for both, so both databases get the same logical schema under the same migration names.
 * The SQLite side is exactly what these migrations always emitted: existing installs must not see
 * a difference. On PostgreSQL, text compares and sorts bytewise (`collate "C"`) as in SQLite, so an
 * `order by id` lists the same way on both; binary is `bytea`; growing keys are identity columns.
 */
type DataTypeExpression = ColumnDataType | Expression<unknown>;

interface ColumnTypes {
  text: DataTypeExpression;
  blob: DataTypeExpression;
  serial: DataTypeExpression;
  serialKey(column: ColumnDefinitionBuilder): ColumnDefinitionBuilder;
}

function columnTypes(kind: DatabaseKind): ColumnTypes {
  if (kind === 'postgres') {
    return {
      text: sql`text collate "C"`,
      blob: 'bytea',
      serial: 'bigint',
      serialKey: (c) => c.primaryKey().generatedByDefaultAsIdentity(),
    };
  }
  return { text: 'text', blob: 'blob', serial: 'integer', serialKey: (c) => c.primaryKey().autoIncrement() };
}

/**
 * Migrations are code in a static map, in the order of their names: no directory scanning,
 * so the bundle, the tests and an installed copy always agree on what exists.
 */
function schemaMigrations(kind: DatabaseKind): Record<string, Migration> {
  const t = columnTypes(kind);
  return {
    '0001_initial': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('events')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('title', t.text, (c) => c.notNull())
          .addColumn('status', t.text, (c) => c.notNull().defaultTo('scheduled'))
          .addColumn('starts_at', 'bigint')
          .addColumn('ends_at', 'bigint')
          .addColumn('rewatch_hours', 'integer', (c) => c.notNull())
          .addColumn('stream_key', t.text, (c) => c.notNull().unique())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('code_batches')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('event_id', t.text, (c) => c.notNull().references('events.id'))
          .addColumn('count', 'integer', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
          .addColumn('committed_at', 'bigint')
          .execute();

        await db.schema
          .createTable('access_codes')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('event_id', t.text, (c) => c.notNull().references('events.id'))
          .addColumn('batch_id', t.text, (c) => c.notNull().references('code_batches.id'))
          .addColumn('code_hash', t.blob, (c) => c.notNull())
          .addColumn('label', t.text)
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('first_used_at', 'bigint')
          .addColumn('last_used_at', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .addColumn('revoke_reason', t.text)
          // The id is derived from the code's hash and is the only key: one B-tree, no rowid.
          .$call((table) => (kind === 'sqlite' ? table.modifyEnd(sql`without rowid`) : table))
          .execute();
        await db.schema.createIndex('access_codes_event_label').on('access_codes').columns(['event_id', 'label']).execute();
        await db.schema.createIndex('access_codes_batch').on('access_codes').column('batch_id').execute();

        await db.schema
          .createView('codes')
          .as(
            db
              .selectFrom('access_codes as c')
              .innerJoin('code_batches as b', 'b.id', 'c.batch_id')
              .where('b.committed_at', 'is not', null)
              .selectAll('c'),
          )
          .execute();

        await db.schema
          .createTable('sessions')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('code_id', t.text, (c) => c.notNull().references('access_codes.id'))
          .addColumn('event_id', t.text, (c) => c.notNull().references('events.id'))
          .addColumn('device_id', t.text, (c) => c.notNull())
          .addColumn('client_ip', t.text)
          .addColumn('user_agent', t.text)
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('ended_at', 'bigint')
          .addColumn('end_reason', t.text)
          .execute();
        // The single-device rule lives here, not in application code: a second active session for
        // the same code is a constraint violation, whatever the interleaving of requests.
        await db.schema
          .createIndex('sessions_one_active_per_code')
          .on('sessions')
          .column('code_id')
          .unique()
          .where(sql.ref('ended_at'), 'is', null)
          .execute();
        await db.schema.createIndex('sessions_event').on('sessions').columns(['event_id', 'ended_at']).execute();

        await db.schema
          .createTable('revocations')
          .addColumn('cursor', t.serial, (c) => t.serialKey(c))
          .addColumn('kind', t.text, (c) => c.notNull())
          .addColumn('event_id', t.text, (c) => c.notNull())
          .addColumn('code_id', t.text)
          .addColumn('session_id', t.text)
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('signing_keys')
          .addColumn('kid', t.text, (c) => c.primaryKey())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('retired_at', 'bigint')
          .execute();

        await db.schema
          .createTable('api_keys')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('name', t.text, (c) => c.notNull())
          .addColumn('key_hash', t.blob, (c) => c.notNull().unique())
          .addColumn('scope', t.text, (c) => c.notNull())
          .addColumn('event_id', t.text, (c) => c.references('events.id'))
          .addColumn('allow_ips', t.text, (c) => c.notNull().defaultTo('[]'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .addColumn('revoked_at', 'bigint')
          .execute();

        await db.schema
          .createTable('audit_log')
          .addColumn('id', t.serial, (c) => t.serialKey(c))
          .addColumn('at', 'bigint', (c) => c.notNull())
          .addColumn('actor', t.text, (c) => c.notNull())
          .addColumn('action', t.text, (c) => c.notNull())
          .addColumn('target', t.text)
          .addColumn('ip', t.text)
          .addColumn('details', t.text)
          .execute();
        await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
      },
    },
    // How the ingest writes the event's live HLS: "copy" or an ABR ladder such as "720p,480p,360p".
    '0002_event_ladder': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('events').addColumn('ladder', t.text, (c) => c.notNull().defaultTo('copy')).execute();
      },
    },
    // Console logins: scrypt password hashes, TOTP secrets sealed under a key derived from the pepper
    // (which is not in the database), and the sessions a logout or a password change ends.
    '0003_admin_users': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('admin_users')
          .addColumn('username', t.text, (c) => c.primaryKey())
          .addColumn('password_hash', t.text, (c) => c.notNull())
          .addColumn('totp_secret', t.text)
          .addColumn('totp_last_step', 'bigint')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('admin_sessions')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('username', t.text, (c) => c.notNull())
          .addColumn('ip', t.text)
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('ended_at', 'bigint')
          .execute();
        await db.schema.createIndex('api_keys_event').on('api_keys').column('event_id').execute();
      },
    },
    // `streamgate keys revoke KID`: the edges learn of a revoked signing key through the revocation
    // feed (a `key_revoked` entry naming it), like revoked codes.
    '0004_key_revocations': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('revocations').addColumn('kid', t.text).execute();
        await db.schema.alterTable('signing_keys').addColumn('revoked_at', 'bigint').execute();
      },
    },
    // What the ingest is doing with the event's publisher, and why (an event is `live` only once it is
    // playable; before that, or when a publisher was refused, the operator needs to know why not).
    '0006_event_ingest_state': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('events').addColumn('ingest_state', t.text, (c) => c.notNull().defaultTo('idle')).execute();
        await db.schema.alterTable('events').addColumn('ingest_reason', t.text).execute();
      },
    },
    // Failure budgets (wrong access codes, failed console logins) shared by every platform replica:
    // a client may hit any replica and meets the same budget. Rows of full budgets are deleted.
    '0007_shared_budgets': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('failure_budgets')
          .addColumn('scope', t.text, (c) => c.notNull())
          .addColumn('client', t.text, (c) => c.notNull())
          .addColumn('full_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('failure_budgets_pk', ['scope', 'client'])
          .execute();
        await db.schema.createIndex('failure_budgets_full_at').on('failure_budgets').column('full_at').execute();
      },
    },
    // Which signing key every platform replica signs with is recorded here (`keys activate`); the key
    // material stays in data/secret on each host. The current key of an existing install is active.
    '0008_key_activation': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('signing_keys').addColumn('activated_at', 'bigint').execute();
        await db
          .updateTable('signing_keys')
          .set({ activated_at: sql`created_at` })
          .where('retired_at', 'is', null)
          .where('revoked_at', 'is', null)
          .execute();
      },
    },
    // Code lookup and fast code views (code-counts.ts): counters of each event's codes kept by
    // triggers in the writing transaction, so the dashboard's numbers cost a few rows, not a scan of
    // every code; and indexes that page the code list in id order, by event and by status.
    '0009_code_lookup': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('code_counts')
          .addColumn('event_id', t.text, (c) => c.notNull().references('events.id'))
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('codes', 'bigint', (c) => c.notNull())
          .addColumn('used', 'bigint', (c) => c.notNull())
          .addColumn('revoked', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('code_counts_pk', ['event_id', 'expires_at'])
          .execute();
        await recountCodes(db);
        for (const statement of codeCountTriggers(kind)) await sql.raw(statement).execute(db);
        // Every code of an event in id order (the code list's pages), and the sparse statuses.
        await db.schema.createIndex('access_codes_event_id').on('access_codes').columns(['event_id', 'id']).execute();
        await db.schema
          .createIndex('access_codes_revoked')
          .on('access_codes')
          .columns(['event_id', 'id'])
          .where(sql.ref('revoked_at'), 'is not', null)
          .execute();
        await db.schema
          .createIndex('access_codes_used')
          .on('access_codes')
          .columns(['event_id', 'id'])
          .where(sql<boolean>`first_used_at is not null and revoked_at is null`)
          .execute();
        // A code's sessions, newest first (code lookup), ended ones included.
        await db.schema.createIndex('sessions_code').on('sessions').columns(['code_id', 'started_at']).execute();
      },
    },
    // Viewer analytics: the peak of concurrent viewers per event and minute (kept 7 days), rolled
    // up into hours after that, and the bytes the edges report delivering. The unique (event, minute)
    // is what lets every platform replica sample without counting twice; the identity key is for
    // `db copy`, which pages by one column.
    '0010_viewer_analytics': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('viewer_minutes')
          .addColumn('id', t.serial, (c) => t.serialKey(c))
          .addColumn('event_id', t.text, (c) => c.notNull().references('events.id'))
          .addColumn('minute', 'bigint', (c) => c.notNull())
          .addColumn('viewers', 'integer', (c) => c.notNull())
          .addUniqueConstraint('viewer_minutes_event_minute', ['event_id', 'minute'])
          .execute();
        await db.schema.createIndex('viewer_minutes_minute').on('viewer_minutes').column('minute').execute();
        await db.schema
          .createTable('viewer_hours')
          .addColumn('id', t.serial, (c) => t.serialKey(c))
          .addColumn('event_id', t.text, (c) => c.notNull().references('events.id'))
          .addColumn('hour', 'bigint', (c) => c.notNull())
          .addColumn('peak', 'integer', (c) => c.notNull())
          .addColumn('viewer_minutes', 'bigint', (c) => c.notNull())
          .addColumn('minutes', 'integer', (c) => c.notNull())
          .addUniqueConstraint('viewer_hours_event_hour', ['event_id', 'hour'])
          .execute();
        // An event's distinct codes (its analytics) from the index alone, without sorting its sessions.
        await db.schema.createIndex('sessions_event_code').on('sessions').columns(['event_id', 'code_id']).execute();
        await db.schema
          .createTable('event_traffic')
          .addColumn('event_id', t.text, (c) => c.primaryKey().references('events.id'))
          .addColumn('bytes_delivered', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Webhooks (core/webhooks): the subscriptions, and one outbox row per delivery, written in the
    // transaction of the change that raises it; the same row is the delivery's log afterwards.
    '0011_webhooks': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('webhooks')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('url', t.text, (c) => c.notNull())
          // ",event.live,code.redeemed,": a search for ",type," finds the subscribers of a type.
          .addColumn('events', t.text, (c) => c.notNull())
          .addColumn('secret', t.text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('webhook_deliveries')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('webhook_id', t.text, (c) => c.notNull().references('webhooks.id').onDelete('cascade'))
          .addColumn('type', t.text, (c) => c.notNull())
          .addColumn('data', t.text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('status', t.text, (c) => c.notNull())
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('next_attempt_at', 'bigint', (c) => c.notNull())
          .addColumn('lease_until', 'bigint')
          .addColumn('last_attempt_at', 'bigint')
          .addColumn('response_status', 'integer')
          .addColumn('last_error', t.text)
          .addColumn('delivered_at', 'bigint')
          .execute();
        await db.schema.createIndex('webhook_deliveries_due').on('webhook_deliveries').columns(['status', 'next_attempt_at']).execute();
        await db.schema.createIndex('webhook_deliveries_webhook').on('webhook_deliveries').columns(['webhook_id', 'created_at']).execute();
        // The log, newest first, and its pruning by age.
        await db.schema.createIndex('webhook_deliveries_created').on('webhook_deliveries').column('created_at').execute();
      },
    },
    // Stream health (issue 13): one row per event, rewritten by the ingest every few seconds while a
    // publisher is on, read by the platform on another host. Bounded: one row per event, ever.
    '0012_stream_health': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('stream_health')
          .addColumn('event_id', t.text, (c) => c.primaryKey())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('publisher_ip', t.text)
          .addColumn('connected_at', 'bigint')
          .addColumn('left_at', 'bigint')
          .addColumn('reconnects', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('segment_seconds', 'real', (c) => c.notNull())
          // What the publisher sends (FLV metadata and packets) and what FFmpeg makes of it, as JSON:
          // figures are added without a migration, and nothing queries inside them.
          .addColumn('figures', t.text, (c) => c.notNull().defaultTo('{}'))
          .execute();
        // Events whose recording keeps only its last N seconds (the demo's endless test pattern).
        await db.schema
          .createTable('recording_windows')
          .addColumn('event_id', t.text, (c) => c.primaryKey())
          .addColumn('seconds', 'integer', (c) => c.notNull())
          .execute();
      },
    },
    // PostgreSQL: a code's first use (or revocation) moves its counter at commit rather than at the
    // update. Every code of a batch shares one counter row, whose lock the update holds to the end
    // of its transaction: taken at the update, concurrent openings of a batch's codes queued behind
    // each other's remaining round trips; taken at commit, only behind each other's commit.
    // The counts stay true in every committed state. SQLite has one writer at a time: nothing to do.
    '0013_deferred_code_counts': {
      async up(db: Kysely<any>) {
        if (kind !== 'postgres') return;
        await sql`drop trigger code_counts_code_changed on access_codes`.execute(db);
        await sql.raw(codeChangedTrigger({ deferred: true })).execute(db);
      },
    },
    // Issue 14: the per-event watch page's branding, in a table of its own (one row per branded event).
    '0014_event_branding': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('event_branding')
          .addColumn('event_id', t.text, (c) => c.primaryKey().references('events.id').onDelete('cascade'))
          .addColumn('description', t.text)
          .addColumn('organiser', t.text)
          .addColumn('poster', t.text)
          .addColumn('logo', t.text)
          .addColumn('accent', t.text)
          .addColumn('language', t.text, (c) => c.notNull().defaultTo('en'))
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Seats per code (issue 14): a batch lets each of its codes play on `devices` devices at once,
    // and an event's `device_policy` says what a device beyond them gets: refused (`block`) or the
    // seat of the code's least recently seen session (`takeover`). The one-session-per-code index
    // becomes one session per seat: a session holds seat 0..devices-1 of its code, so no
    // interleaving of requests can open more sessions than seats. Stored per batch (a million codes
    // write no more than before); the `codes` view carries it beside each code.
    '0015_device_seats': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('code_batches').addColumn('devices', 'integer', (c) => c.notNull().defaultTo(1)).execute();
        await db.schema.alterTable('events').addColumn('device_policy', t.text, (c) => c.notNull().defaultTo('block')).execute();
        await db.schema.alterTable('sessions').addColumn('seat', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.dropIndex('sessions_one_active_per_code').execute();
        await db.schema
          .createIndex('sessions_one_active_per_seat')
          .on('sessions')
          .columns(['code_id', 'seat'])
          .unique()
          .where(sql.ref('ended_at'), 'is', null)
          .execute();
        await db.schema.dropView('codes').execute();
        await db.schema
          .createView('codes')
          .as(
            db
              .selectFrom('access_codes as c')
              .innerJoin('code_batches as b', 'b.id', 'c.batch_id')
              .where('b.committed_at', 'is not', null)
              .selectAll('c')
              .select('b.devices'),
          )
          .execute();
      },
    },
    // Which StreamGate brought the schema to which migration (schema-version.ts): an older binary
    // meeting a newer schema can then name the version to install instead of failing obscurely.
    '0016_schema_versions': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('schema_versions')
          .addColumn('migration', t.text, (c) => c.primaryKey())
          .addColumn('version', t.text, (c) => c.notNull())
          .addColumn('migrated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    // Public events (core/events/event-public.ts): `public_since` is when playing without a code was
    // last turned on (null: a code is needed); anonymous tokens carry it, so turning it off refuses
    // them at the edges and turning it on again starts afresh. An anonymous viewer's session has no
    // code, so sessions.code_id may be null; SQLite cannot drop a NOT NULL, so its table is rebuilt
    // (same columns in the same order, same indexes).
    '0017_public_events': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('events').addColumn('public_since', 'bigint').execute();
        if (kind === 'postgres') {
          await db.schema.alterTable('sessions').alterColumn('code_id', (c) => c.dropNotNull()).execute();
          return;
        }
        await db.schema
          .createTable('sessions_rebuilt')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('code_id', t.text, (c) => c.references('access_codes.id'))
          .addColumn('event_id', t.text, (c) => c.notNull().references('events.id'))
          .addColumn('device_id', t.text, (c) => c.notNull())
          .addColumn('client_ip', t.text)
          .addColumn('user_agent', t.text)
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
          .addColumn('ended_at', 'bigint')
          .addColumn('end_reason', t.text)
          .addColumn('seat', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await sql`insert into sessions_rebuilt select id, code_id, event_id, device_id, client_ip, user_agent, started_at, last_seen_at, ended_at, end_reason, seat from sessions`.execute(db);
        await db.schema.dropTable('sessions').execute();
        await db.schema.alterTable('sessions_rebuilt').renameTo('sessions').execute();
        await db.schema
          .createIndex('sessions_one_active_per_seat')
          .on('sessions')
          .columns(['code_id', 'seat'])
          .unique()
          .where(sql.ref('ended_at'), 'is', null)
          .execute();
        await db.schema.createIndex('sessions_event').on('sessions').columns(['event_id', 'ended_at']).execute();
        await db.schema.createIndex('sessions_code').on('sessions').columns(['code_id', 'started_at']).execute();
        await db.schema.createIndex('sessions_event_code').on('sessions').columns(['event_id', 'code_id']).execute();
      },
    },
    // Issue 20: console users get a role (owner, operator, support) and optionally a list of the
    // events they may touch (JSON; null means every event). Every existing user becomes an owner,
    // as they could do everything before, so nobody is locked out. Invites are one-time links whose
    // token is kept only as a hash. The audit log records the role an action was taken with.
    '0018_admin_roles': {
      async up(db: Kysely<any>) {
        await db.schema.alterTable('admin_users').addColumn('role', t.text, (c) => c.notNull().defaultTo('owner')).execute();
        await db.schema.alterTable('admin_users').addColumn('event_ids', t.text).execute();
        await db.schema.alterTable('audit_log').addColumn('role', t.text).execute();
        await db.schema
          .createTable('admin_invites')
          .addColumn('id', t.text, (c) => c.primaryKey())
          .addColumn('token_hash', t.text, (c) => c.notNull().unique())
          .addColumn('username', t.text, (c) => c.notNull())
          .addColumn('role', t.text, (c) => c.notNull())
          .addColumn('event_ids', t.text)
          .addColumn('created_by', t.text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addColumn('used_at', 'bigint')
          .execute();
      },
    },
  };
}

/**
 * The triggers that keep `code_counts` (core/codes/code-counts.ts) true in every writing
 * transaction, whatever writes: a batch adds its codes when it is committed (every code of a batch
 * has the batch's expiry, so one of them names the counter), a first use or a revocation moves a
 * code between `used` and `revoked`, and deleting a committed code takes it away. A code's event and
 * expiry never change after it is written.
 */
const CODE_CHANGED = `(old.revoked_at is null) <> (new.revoked_at is null) or (old.first_used_at is null) <> (new.first_used_at is null)`;

/** PostgreSQL's trigger of a code's use or revocation: as migration 0009 made it, or deferred to commit (0013). */
function codeChangedTrigger({ deferred }: { deferred: boolean }): string {
  const on = 'after update of first_used_at, revoked_at on access_codes';
  const trigger = deferred ? `constraint trigger code_counts_code_changed ${on} deferrable initially deferred` : `trigger code_counts_code_changed ${on}`;
  return `create ${trigger} for each row when (${CODE_CHANGED}) execute function code_counts_code_changed()`;
}

function codeCountTriggers(kind: DatabaseKind): string[] {
  const changed = CODE_CHANGED;
  const addBatch = `
    insert into code_counts (event_id, expires_at, codes, used, revoked)
    select new.event_id, c.expires_at, new.count, 0, 0 from access_codes c where c.batch_id = new.id limit 1
    on conflict (event_id, expires_at) do update set codes = code_counts.codes + excluded.codes;`;
  const flag = (condition: string) => `(case when ${condition} then 1 else 0 end)`;
  const usedOf = (row: string) => flag(`${row}.first_used_at is not null and ${row}.revoked_at is null`);
  const revokedOf = (row: string) => flag(`${row}.revoked_at is not null`);
  const moveCode = `
    update code_counts set
      used = used + ${usedOf('new')} - ${usedOf('old')},
      revoked = revoked + ${revokedOf('new')} - ${revokedOf('old')}
    where event_id = new.event_id and expires_at = new.expires_at;`;
  const committed = `exists (select 1 from code_batches b where b.id = old.batch_id and b.committed_at is not null)`;
  const removeCode = `
    update code_counts set codes = codes - 1, used = used - ${usedOf('old')}, revoked = revoked - ${revokedOf('old')}
    where event_id = old.event_id and expires_at = old.expires_at;`;
  if (kind === 'sqlite') {
    return [
      `create trigger code_counts_batch_committed after update of committed_at on code_batches
       when old.committed_at is null and new.committed_at is not null begin ${addBatch} end`,
      `create trigger code_counts_code_changed after update of first_used_at, revoked_at on access_codes
       when ${changed} begin ${moveCode} end`,
      `create trigger code_counts_code_deleted after delete on access_codes when ${committed} begin ${removeCode} end`,
    ];
  }
  const fn = (name: string, body: string, returning: 'new' | 'old') =>
    `create function ${name}() returns trigger language plpgsql as $$ begin ${body} return ${returning}; end $$`;
  return [
    fn('code_counts_batch_committed', addBatch, 'new'),
    `create trigger code_counts_batch_committed after update of committed_at on code_batches for each row
     when (old.committed_at is null and new.committed_at is not null) execute function code_counts_batch_committed()`,
    fn('code_counts_code_changed', moveCode, 'new'),
    codeChangedTrigger({ deferred: false }),
    fn('code_counts_code_deleted', `if ${committed} then ${removeCode} end if;`, 'old'),
    `create trigger code_counts_code_deleted after delete on access_codes for each row execute function code_counts_code_deleted()`,
  ];
}

/** What a migration may need: the dialect, and the keyring (read only when needed). */
export interface MigrationContext {
  kind: DatabaseKind;
  keyring(): StreamKeyring;
}

/** Migrations that need the keyring in data/secret, which the database never holds. */
function keyedMigrations(context: MigrationContext): Record<string, Migration> {
  return {
    // Stream keys were stored in clear: seal each under a key derived from the pepper.
    '0005_sealed_stream_keys': {
      async up(db: Kysely<any>) {
        const rows: { id: string; stream_key: string }[] = await db.selectFrom('events').select(['id', 'stream_key']).execute();
        for (const row of rows) {
          if (isSealedStreamKey(row.stream_key)) continue;
          await db.updateTable('events').set({ stream_key: sealStreamKey(context.keyring(), row.stream_key) }).where('id', '=', row.id).execute();
        }
      },
    },
  };
}

export function migrationProvider(context: MigrationContext): MigrationProvider {
  return {
    async getMigrations() {
      return { ...schemaMigrations(context.kind), ...keyedMigrations(context) };
    },
  };
}

/** Every migration this version knows, in the order they run. */
export const MIGRATION_NAMES: readonly string[] = Object.keys({ ...schemaMigrations('sqlite'), ...keyedMigrations({ kind: 'sqlite', keyring: () => { throw new Error('names only'); } }) }).sort();

export const LATEST_MIGRATION = MIGRATION_NAMES.at(-1)!;

/** `migrateToLatest()` does not throw: a failed migration is in its result. */
export function checkMigrationResult({ error, results }: MigrationResultSet): void {
  if (!error) return;
  const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
  throw operationalFailure(`database migration ${failed} failed: ${(error as Error).message ?? error}`, 'migration_failed');
}
