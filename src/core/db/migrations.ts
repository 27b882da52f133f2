import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { isSealedStreamKey, sealStreamKey, type StreamKeyring } from '../events/stream-key-seal.js';

/**
 * Migrations are code in a static map, in the order of their names: no directory scanning,
 * so the bundle, the tests and an installed copy always agree on what exists.
 */
const MIGRATIONS: Record<string, Migration> = {
  '0001_initial': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull().defaultTo('scheduled'))
        .addColumn('starts_at', 'bigint')
        .addColumn('ends_at', 'bigint')
        .addColumn('rewatch_hours', 'integer', (c) => c.notNull())
        .addColumn('stream_key', 'text', (c) => c.notNull().unique())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('code_batches')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
        .addColumn('committed_at', 'bigint')
        .execute();

      await db.schema
        .createTable('access_codes')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
        .addColumn('batch_id', 'text', (c) => c.notNull().references('code_batches.id'))
        .addColumn('code_hash', 'blob', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('first_used_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('revoke_reason', 'text')
        // The id is derived from the code's hash and is the only key: one B-tree, no rowid.
        .modifyEnd(sql`without rowid`)
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
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('code_id', 'text', (c) => c.notNull().references('access_codes.id'))
        .addColumn('event_id', 'text', (c) => c.notNull().references('events.id'))
        .addColumn('device_id', 'text', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('started_at', 'bigint', (c) => c.notNull())
        .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
        .addColumn('ended_at', 'bigint')
        .addColumn('end_reason', 'text')
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
        .addColumn('cursor', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('code_id', 'text')
        .addColumn('session_id', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('signing_keys')
        .addColumn('kid', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('retired_at', 'bigint')
        .execute();

      await db.schema
        .createTable('api_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('key_hash', 'blob', (c) => c.notNull().unique())
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.references('events.id'))
        .addColumn('allow_ips', 'text', (c) => c.notNull().defaultTo('[]'))
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .execute();

      await db.schema
        .createTable('audit_log')
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target', 'text')
        .addColumn('ip', 'text')
        .addColumn('details', 'text')
        .execute();
      await db.schema.createIndex('audit_log_at').on('audit_log').column('at').execute();
    },
  },
  // How the ingest writes the event's live HLS: "copy" or an ABR ladder such as "720p,480p,360p".
  '0002_event_ladder': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('events').addColumn('ladder', 'text', (c) => c.notNull().defaultTo('copy')).execute();
    },
  },
  // Console logins: scrypt password hashes, TOTP secrets sealed under a key derived from the pepper
  // (which is not in the database), and the sessions a logout or a password change ends.
  '0003_admin_users': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('admin_users')
        .addColumn('username', 'text', (c) => c.primaryKey())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('totp_secret', 'text')
        .addColumn('totp_last_step', 'bigint')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('admin_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('username', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
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
      await db.schema.alterTable('revocations').addColumn('kid', 'text').execute();
      await db.schema.alterTable('signing_keys').addColumn('revoked_at', 'bigint').execute();
    },
  },
  // What the ingest is doing with the event's publisher, and why (an event is `live` only once it is
  // playable; before that, or when a publisher was refused, the operator needs to know why not).
  '0006_event_ingest_state': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('events').addColumn('ingest_state', 'text', (c) => c.notNull().defaultTo('idle')).execute();
      await db.schema.alterTable('events').addColumn('ingest_reason', 'text').execute();
    },
  },
  // Failure budgets (wrong access codes, failed console logins) shared by every platform replica:
  // a client may hit any replica and meets the same budget. Expired rows are deleted.
  '0007_shared_budgets': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('failure_budgets')
        .addColumn('scope', 'text', (c) => c.notNull())
        .addColumn('client', 'text', (c) => c.notNull())
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
};

/** What a migration may need from outside the database: the keyring, read only when needed. */
export interface MigrationContext {
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

const KEYED_MIGRATION_NAMES = Object.keys(keyedMigrations({ keyring: () => { throw new Error('names only'); } }));

export function migrationProvider(context: MigrationContext): MigrationProvider {
  return {
    async getMigrations() {
      return { ...MIGRATIONS, ...keyedMigrations(context) };
    },
  };
}

export const LATEST_MIGRATION = [...Object.keys(MIGRATIONS), ...KEYED_MIGRATION_NAMES].sort().at(-1)!;
