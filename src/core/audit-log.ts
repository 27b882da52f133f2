import os from 'node:os';
import type { Db } from './db/database.js';

export interface AuditEntry {
  /** Who: `cli:<unix user>`, `apikey:<id>` or `admin:<user>`. */
  actor: string;
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
      actor: entry.actor,
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
