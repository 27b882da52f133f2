import { Worker } from 'node:worker_threads';
import type { Log } from '../log.js';
import type { Db } from './database.js';
import { sqliteWriter } from './sqlite-database.js';

/** How often the worker checkpoints: pages written many times meanwhile are copied once. */
export const CHECKPOINT_EVERY_MS = 1_000;
/**
 * The service's own commits checkpoint only past this many WAL pages (~40 MiB): never while the
 * worker keeps up, and still a bound on the WAL if it cannot (SQLite's default is 1000).
 */
export const FALLBACK_AUTOCHECKPOINT_PAGES = 10_000;

export interface WalCheckpointer {
  /** Checkpoints done so far, and the WAL frames the last one found and copied. */
  readonly stats: { checkpoints: number; log: number; checkpointed: number };
  stop(): Promise<void>;
}

/**
 * Moves a long-running service's SQLite checkpoints off its event loop. By default the commit that
 * takes the WAL past 1000 pages checkpoints it, synchronously, with fsyncs: a 20–50 ms stall every
 * ~100 code validations, most of a validation's cost under load, and all of its p99. A worker
 * thread checkpoints instead (PASSIVE: beside readers and writers, never waiting) once a second.
 * Null for PostgreSQL, and for a `Db` not from `openDatabase`.
 */
export function startWalCheckpointer(db: Db, log: Log, intervalMs = CHECKPOINT_EVERY_MS): WalCheckpointer | null {
  const writer = sqliteWriter(db);
  if (!writer) return null;
  writer.handle.pragma(`wal_autocheckpoint = ${FALLBACK_AUTOCHECKPOINT_PAGES}`);
  const stats = { checkpoints: 0, log: 0, checkpointed: 0 };
  const worker = new Worker(new URL('./wal-checkpoint-worker.js', import.meta.url), { workerData: { file: writer.handle.name, intervalMs } });
  worker.unref();
  let failed = false;
  worker.on('message', (message: { kind: 'checkpointed'; log: number; checkpointed: number } | { kind: 'failed'; message: string }) => {
    if (message.kind === 'checkpointed') {
      Object.assign(stats, { checkpoints: stats.checkpoints + 1, log: message.log, checkpointed: message.checkpointed });
      failed = false;
    } else if (!failed) {
      failed = true; // once per run of failures, not once a second
      log.warn('WAL checkpoint failed', { error: message.message });
    }
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  worker.on('error', (error) => {
    // The commits' own checkpoints (past the fallback) keep the WAL bounded meanwhile.
    log.warn('WAL checkpointer stopped', { error: error.message });
    // The database may be closed already (a service stopping closes it before the thread ends).
    if (writer.handle.open) writer.handle.pragma('wal_autocheckpoint = 1000');
  });
  return {
    stats,
    async stop() {
      worker.ref(); // the caller waits for the thread to close its connection
      worker.postMessage('stop');
      await exited;
    },
  };
}
