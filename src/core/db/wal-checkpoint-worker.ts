// A worker thread of its own (wal-checkpointer.ts): copies the SQLite WAL back into the database
// file on its own connection, so the fsyncs of a checkpoint never stop the service's event loop.
import { parentPort, workerData } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';

const { file, intervalMs } = workerData as { file: string; intervalMs: number };
const db = new BetterSqlite3(file);
// Never waits for a lock: a PASSIVE checkpoint copies what it can beside readers and writers.
db.pragma('busy_timeout = 0');
// This connection writes nothing; its own autocheckpoint would never fire.
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');

const timer = setInterval(() => {
  try {
    const [row] = checkpoint.all() as { busy: number; log: number; checkpointed: number }[];
    parentPort!.postMessage({ kind: 'checkpointed', log: row!.log, checkpointed: row!.checkpointed });
  } catch (error) {
    parentPort!.postMessage({ kind: 'failed', message: (error as Error).message });
  }
}, intervalMs);

parentPort!.on('message', (message: unknown) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort!.close();
});
