// tokens create: the whole CLI process writing 100,000 codes to CSV, against raw better-sqlite3
// inserting 100,000 precomputed rows into the same schema in one transaction (same run, same
// machine). Then 1,000,000 codes while another process writes every 20 ms: its longest wait for
// the write lock is what a revocation would wait.
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { BIN, REPO_ROOT, cli, freshDataDir, median, percentile, row } from './lib.js';

const Database = createRequire(import.meta.url)(path.join(REPO_ROOT, 'node_modules', 'better-sqlite3'));

function rawInsertMs(count: number): number {
  const dataDir = freshDataDir();
  const db = new Database(path.join(dataDir, 'streamgate.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.prepare("insert into code_batches (id, event_id, count, created_at, heartbeat_at, committed_at) values ('b', 'bench', ?, 0, 0, 0)").run(count);
  const rows = Array.from({ length: count }, () => [randomBytes(10).toString('hex'), randomBytes(32)] as const);
  const insert = db.prepare("insert into access_codes (id, event_id, batch_id, code_hash, label, expires_at, created_at) values (?, 'bench', 'b', ?, null, 1, 1)");
  const started = performance.now();
  db.transaction(() => {
    for (const [id, hash] of rows) insert.run(id, hash);
  })();
  const ms = performance.now() - started;
  db.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
  return ms;
}

function cliCreateMs(count: number): number {
  const dataDir = freshDataDir();
  const { ms } = cli(['tokens', 'create', '--event', 'bench', '--count', String(count), '--out', path.join(dataDir, 'codes.csv')], dataDir);
  fs.rmSync(dataDir, { recursive: true, force: true });
  return ms;
}

/**
 * Another StreamGate writer (the same writeTransaction the CLI and the platform use) taking the
 * write lock every 20 ms; reports how long each acquisition waited.
 */
function lockProbe(dataDir: string) {
  const dist = path.join(REPO_ROOT, 'dist', 'src', 'core');
  const script = `
    const { openDatabase, writeTransaction } = await import(${JSON.stringify(path.join(dist, 'db', 'database.js'))});
    const { loadConfig } = await import(${JSON.stringify(path.join(dist, 'config.js'))});
    const db = await openDatabase(loadConfig({ STREAMGATE_DATA_DIR: ${JSON.stringify(dataDir)} }));
    const waits = [];
    let stopping = false;
    process.on('SIGTERM', () => (stopping = true));
    while (!stopping) {
      const t0 = performance.now();
      await writeTransaction(db, async (trx) => {
        waits.push(performance.now() - t0);
        await trx.insertInto('audit_log').values({ at: Date.now(), actor: 'bench', action: 'probe' }).execute();
      });
      await new Promise((r) => setTimeout(r, 20));
    }
    process.stdout.write(JSON.stringify(waits));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  return {
    stop: () =>
      new Promise<number[]>((resolve) => {
        child.on('close', () => resolve(JSON.parse(output || '[]') as number[]));
        child.kill('SIGTERM');
      }),
  };
}

export async function benchTokensCreate(): Promise<void> {
  console.log('\n## tokens create (bench/tokens-create)');
  const raw: number[] = [];
  const ours: number[] = [];
  for (let i = 0; i < 3; i++) {
    raw.push(rawInsertMs(100_000));
    ours.push(cliCreateMs(100_000));
  }
  const rawMs = median(raw);
  const oursMs = median(ours);
  row('baseline: raw better-sqlite3, 100k rows, one transaction', `${rawMs.toFixed(0)} ms (median of 3)`);
  row('streamgate tokens create --count 100000 --out (whole process)', `${oursMs.toFixed(0)} ms (median of 3)`);
  row('ratio streamgate / baseline', `${(oursMs / rawMs).toFixed(2)}×`);

  const dataDir = freshDataDir();
  const probe = lockProbe(dataDir);
  await new Promise((r) => setTimeout(r, 500));
  const started = performance.now();
  const { ms } = await new Promise<{ ms: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'tokens', 'create', '--event', 'bench', '--count', '1000000', '--out', path.join(dataDir, 'million.csv')], {
      env: { ...process.env, STREAMGATE_DATA_DIR: dataDir },
      stdio: 'ignore',
    });
    child.on('close', (code) => (code === 0 ? resolve({ ms: performance.now() - started }) : reject(new Error(`exit ${code}`))));
  });
  const waits = await probe.stop();
  row('streamgate tokens create --count 1000000 --out', `${(ms / 1000).toFixed(2)} s`);
  row('another writer meanwhile: lock acquisitions', String(waits.length));
  row('  its wait for the write lock: p50 / p99 / max', `${percentile(waits, 50).toFixed(1)} / ${percentile(waits, 99).toFixed(1)} / ${Math.max(...waits).toFixed(1)} ms (goal max ≤ 250)`);
  fs.rmSync(dataDir, { recursive: true, force: true });
}
