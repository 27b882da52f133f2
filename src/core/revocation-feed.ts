import type { Db } from './db/database.js';
import type { RevocationKind } from './db/schema.js';

export interface RevocationEntryInput {
  kind: RevocationKind;
  eventId: string;
  codeId?: string | null;
  sessionId?: string | null;
}

/** Appends to the edges' feed inside the caller's transaction: a revocation and its entry land together. */
export async function appendRevocations(trx: Db, nowMs: number, entries: RevocationEntryInput[]): Promise<void> {
  // 500 rows × 5 values stays far below SQLite's bound-parameter limit.
  for (let i = 0; i < entries.length; i += 500) {
    await trx
      .insertInto('revocations')
      .values(
        entries.slice(i, i + 500).map((e) => ({
          kind: e.kind,
          event_id: e.eventId,
          code_id: e.codeId ?? null,
          session_id: e.sessionId ?? null,
          created_at: nowMs,
        })),
      )
      .execute();
  }
}
