// The operator's views of a large event: codes by status (the dashboard, polled every 5 s) and a
// page of the code list, on an event of 1,100,000 codes (50,000 used, 5,000 revoked) with 10,000
// sessions. Before and after in one run on one database: the old queries (a scan of every code;
// the list sorted out of the label index) against a covering index and the counters the writes
// keep (migration 0009), and the pages through the new indexes. better-sqlite3 answers
// synchronously, so each query's time is also how long it holds the event loop.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { listCodes } from '../src/core/codes/code-listing.js';
import { loadConfig } from '../src/core/config.js';
import { openDatabase } from '../src/core/db/database.js';
import { eventStats } from '../src/core/events/event-stats.js';
import { BIN, REPO_ROOT, cli, freshDataDir, median, row } from './lib.js';

const Database = createRequire(import.meta.url)(path.join(REPO_ROOT, 'node_modules', 'better-sqlite3'));
const RUNS = 5;

function timed(fn: () => unknown): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times;
}

async function timedAsync(fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

const ms = (times: number[]) => `median ${median(times).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms`;

/** Uses, revocations and sessions written as the platform would (the triggers keep the counters). */
function addActivity(file: string): void {
  const db = new Database(file);
  const now = Date.now();
  const ids: string[] = db.prepare("select id from access_codes where event_id = 'bench' order by id").pluck().all();
  db.transaction(() => {
    const use = db.prepare('update access_codes set first_used_at = ?, last_used_at = ? where id = ?');
    for (let i = 0; i < 50_000; i++) use.run(now, now, ids[i * 20]!);
    const revoke = db.prepare('update access_codes set revoked_at = ? where id = ?');
    for (let i = 0; i < 5_000; i++) revoke.run(now, ids[i * 200 + 7]!);
    const session = db.prepare("insert into sessions (id, code_id, event_id, device_id, client_ip, user_agent, started_at, last_seen_at) values (?, ?, 'bench', ?, '127.0.0.1', null, ?, ?)");
    for (let i = 0; i < 10_000; i++) session.run(`s${String(i).padStart(8, '0')}`, ids[i * 20]!, `device-${i}`, now, now);
  })();
  db.close();
}

/** The dashboard's count as it was: every code of the event, through the `codes` view. */
function scanStatsSql(now: number): string {
  const flag = (condition: string) => `sum(case when ${condition} then 1 else 0 end)`;
  return `select event_id, ${flag('revoked_at is not null')} revoked, ${flag(`revoked_at is null and expires_at <= ${now}`)} expired,
    ${flag(`revoked_at is null and expires_at > ${now} and first_used_at is not null`)} used,
    ${flag(`revoked_at is null and expires_at > ${now} and first_used_at is null`)} active
    from codes where event_id in ('bench') group by event_id`;
}

async function httpTimes(dataDir: string): Promise<Record<string, number[]>> {
  const key = JSON.parse(cli(['apikeys', 'create', '--name', 'bench', '--json'], dataDir).stdout).key as string;
  const port = 3900 + Math.floor(Math.random() * 50);
  const child = spawn(process.execPath, [BIN, 'serve', 'platform'], { env: { ...process.env, STREAMGATE_DATA_DIR: dataDir, PLATFORM_PORT: String(port) }, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d).includes('platform listening') && resolve());
      child.on('close', () => reject(new Error(`serve platform exited: ${stderr}`)));
    });
    const get = (p: string) => fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.arrayBuffer());
    const results: Record<string, number[]> = {};
    for (const p of ['/api/admin/events', '/api/admin/events/bench', '/api/admin/events/bench/tokens', '/api/admin/events/bench/tokens?status=used', '/api/admin/events/bench/tokens?status=revoked']) {
      await get(p);
      results[p] = await timedAsync(() => get(p));
    }
    return results;
  } finally {
    child.kill('SIGTERM');
  }
}

export async function benchCodeViews(): Promise<void> {
  console.log('\ncode views: 1,100,000 codes (50,000 used, 5,000 revoked), 10,000 sessions, SQLite');
  const dataDir = freshDataDir();
  try {
    const file = path.join(dataDir, 'streamgate.db');
    cli(['tokens', 'create', '--event', 'bench', '--count', '1000000', '--out', path.join(dataDir, 'a.csv')], dataDir);
    cli(['tokens', 'create', '--event', 'bench', '--count', '100000', '--label', 'press', '--out', path.join(dataDir, 'b.csv')], dataDir);
    addActivity(file);

    const raw = new Database(file);
    raw.pragma('cache_size = -65536');
    const now = Date.now();
    const scan = raw.prepare(scanStatsSql(now));
    const before = timed(() => scan.all());
    row('stats, before: scan of every code', ms(before));
    raw.exec('create index bench_stats on access_codes (event_id, revoked_at, expires_at, first_used_at)');
    const covering = raw.prepare(scanStatsSql(now).replace('from codes', 'from access_codes indexed by bench_stats'));
    row('stats, candidate: covering index (event, revoked, expiry, used)', ms(timed(() => covering.all())));
    raw.exec('drop index bench_stats');
    // The plan SQLite chose before migration 0009 (the only index then), spelled out: a view takes no INDEXED BY.
    const oldList = (where: string) =>
      raw.prepare(`select c.* from access_codes c indexed by access_codes_event_label join code_batches b on b.id = c.batch_id
        where b.committed_at is not null and c.event_id = 'bench' ${where} order by c.id limit 1000`);
    const oldAll = oldList('');
    const oldUsed = oldList(`and c.revoked_at is null and c.expires_at > ${now} and c.first_used_at is not null`);
    row('list 1,000, before: all (sorted out of the label index)', ms(timed(() => oldAll.all())));
    row('list 1,000, before: ?status=used', ms(timed(() => oldUsed.all())));
    raw.close();

    const db = await openDatabase(loadConfig({ STREAMGATE_DATA_DIR: dataDir }));
    try {
      const counted = (await eventStats(db, now, ['bench'])).get('bench')!;
      row('stats, after: counters kept by the writes', ms(await timedAsync(() => eventStats(db, now, ['bench']))));
      row('  (codes by status)', JSON.stringify(counted.codes) + `, ${counted.viewersNow} viewers`);
      for (const status of [undefined, 'active', 'used', 'revoked', 'expired'] as const) {
        row(`list 1,000, after: ${status ? `?status=${status}` : 'all'}`, ms(await timedAsync(() => listCodes(db, now, { eventId: 'bench', status, limit: 1_000 }))));
      }
      const middle = (await listCodes(db, now, { eventId: 'bench', limit: 1, offset: 550_000 }))[0]!.id;
      row('list 1,000, after: a page in the middle (?after=)', ms(await timedAsync(() => listCodes(db, now, { eventId: 'bench', afterId: middle, limit: 1_000 }))));
      row('list 1,000, after: label press', ms(await timedAsync(() => listCodes(db, now, { eventId: 'bench', label: 'press', limit: 1_000 }))));
    } finally {
      await db.destroy();
    }
    for (const [p, times] of Object.entries(await httpTimes(dataDir))) row(`HTTP GET ${p}`, ms(times));
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}
