import type { SelectQueryBuilder } from 'kysely';
import type { Database } from './schema.js';

/** Every table (the `codes` view is derived, not stored). */
export type TableName = Exclude<keyof Database, 'codes'>;

export interface TablePlan {
  /** A unique, never-null column: the source is read in chunks ordered by it (keyset paging). */
  key: string;
  /** The key is an identity column whose sequence must move past the copied rows (PostgreSQL). */
  identity?: boolean;
  /** Rows that are not worth copying are left out, in the counts as well. */
  only?: (query: SelectQueryBuilder<any, any, any>) => SelectQueryBuilder<any, any, any>;
}

/** A table a copy leaves out on purpose: state that rebuilds itself, such as rate-limit counters. */
export interface SkippedTable {
  /** Why, for the next reader. */
  skip: string;
}

/**
 * How `streamgate db copy` moves each table, in an order that satisfies the foreign keys. The
 * `satisfies` makes a table added to schema.ts a compile error here until it has a plan (or a
 * reason to be skipped), so no table is silently left behind by a copy.
 */
export const COPY_PLAN = {
  events: { key: 'id' },
  // A batch that never committed belongs to a writer that died: garbage, and invisible to users.
  code_batches: { key: 'id', only: (q) => q.where('committed_at', 'is not', null) },
  access_codes: {
    key: 'id',
    // EXISTS, not IN: SQLite then pages by the primary key; with IN it sorted the rest of the table
    // for every chunk (the batch index first), which grows with the square of the codes.
    only: (q) =>
      q.where(({ exists, selectFrom }) =>
        exists(selectFrom('code_batches as b').select('b.id').whereRef('b.id', '=', 'access_codes.batch_id').where('b.committed_at', 'is not', null)),
      ),
  },
  sessions: { key: 'id' },
  revocations: { key: 'cursor', identity: true },
  signing_keys: { key: 'kid' },
  api_keys: { key: 'id' },
  audit_log: { key: 'id', identity: true },
  admin_users: { key: 'username' },
  admin_sessions: { key: 'id' },
  // Pending invites keep working on the target; used and expired ones are history for the audit.
  admin_invites: { key: 'id' },
  // Wrong-code and login budgets refill within minutes by themselves; an upgrade restarts anyway.
  failure_budgets: { skip: 'rate-limit budgets refill by themselves' },
  // Derived from the codes: counted again on the target once they are in (database-copy.ts).
  code_counts: { skip: 'counted again from the copied codes' },
  viewer_minutes: { key: 'id', identity: true },
  viewer_hours: { key: 'id', identity: true },
  event_traffic: { key: 'event_id' },
  recording_windows: { key: 'event_id' },
  event_branding: { key: 'event_id' },
  // The ingest rewrites it every few seconds while a publisher is on; old figures mean nothing.
  stream_health: { skip: 'stream health is rewritten by the ingest while a publisher is on' },
  // Pending deliveries too: the services are stopped during a copy, so the target sends them.
  webhooks: { key: 'id' },
  webhook_deliveries: { key: 'id' },
  // The target's own migrations record the version that made its schema.
  schema_versions: { skip: 'the target records the version that created its schema' },
} as const satisfies Record<TableName, TablePlan | SkippedTable>;

/** The tables a copy moves, in order. */
export const COPY_TABLES = (Object.keys(COPY_PLAN) as TableName[]).filter((table) => !('skip' in COPY_PLAN[table]));

export function tablePlan(table: TableName): TablePlan {
  return COPY_PLAN[table] as TablePlan;
}
