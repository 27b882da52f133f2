import os from 'node:os';
import type { Db } from './db/database.js';
import { toIso } from './duration.js';

/**
 * Who acted: `cli:<unix user>`, `apikey:<id>`, or a console user with the role they acted with
 * (`{ name: 'admin:<user>', role: 'operator' }`), which the log keeps in a column of its own.
 */
export type AuditActor = string | { name: string; role: string };

export function actorName(actor: AuditActor): string {
  return typeof actor === 'string' ? actor : actor.name;
}

export interface AuditEntry {
  actor: AuditActor;
  action: string;
  target?: string | null;
  ip?: string | null;
  details?: Record<string, unknown>;
}

/** Written inside the caller's transaction, so a mutation and its audit entry land together. */
export async function recordAudit(trx: Db, nowMs: number, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at: nowMs,
      actor: actorName(entry.actor),
      role: typeof entry.actor === 'string' ? null : entry.actor.role,
      action: entry.action,
      target: entry.target ?? null,
      ip: entry.ip ?? null,
      details: entry.details ? JSON.stringify(entry.details) : null,
    })
    .execute();
}

export function cliActor(): string {
  try {
    return `cli:${os.userInfo().username}`;
  } catch {
    return 'cli';
  }
}

export interface AuditView {
  id: number;
  at: string;
  actor: string;
  /** The console role the actor acted with; null for the CLI and API keys. */
  role: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
}

/** Newest first; `before` (an id) pages further back. */
export async function listAudit(db: Db, options: { limit: number; before?: number; action?: string }): Promise<AuditView[]> {
  let query = db.selectFrom('audit_log').selectAll();
  if (options.before !== undefined) query = query.where('id', '<', options.before);
  if (options.action) query = query.where('action', '=', options.action);
  const rows = await query.orderBy('id', 'desc').limit(options.limit).execute();
  return rows.map((r) => ({
    id: r.id,
    at: toIso(r.at)!,
    actor: r.actor,
    role: r.role,
    action: r.action,
    target: r.target,
    ip: r.ip,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
  }));
}
