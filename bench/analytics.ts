// Viewer analytics (bench/analytics):
// 1. GET-stats work on an event with 1,000,000 codes and 10,000 sessions (and 7 days of per-minute
//    samples): time per call (and its CPU time), and the longest the event loop stood still meanwhile
//    (SQLite reads are synchronous). Goal: < 100 ms a call, no stall > 20 ms. And the CPU time of one
//    sampler round.
// 2. The sampler's cost: validations and heartbeats per second through a real platform process with
//    sampling off and on (every 1 s, 15× the default rate), alternated in one run, 4 rounds each.
import fs from 'node:fs';
import path from 'node:path';
import { HOUR_MS, MINUTE_MS, recordViewerSample } from '../src/core/analytics/viewer-samples.js';
import { viewerStats } from '../src/core/analytics/viewer-stats.js';
import { loadConfig } from '../src/core/config.js';
import { openDatabase, writeTransaction, type Db } from '../src/core/db/database.js';
import { getEvent } from '../src/core/events/event-service.js';
import { autocannonRun, cli, freshDataDir, median, percentile, row, startPlatform, validationLoad } from './lib.js';

const CODES = 1_000_000;
const SESSIONS = 10_000;
const CALLS = 40;
const ROUNDS = 4;
const LOAD_S = 5;

export async function benchAnalyticsStats(): Promise<void> {
  console.log('\n## viewer analytics: stats on a large event (bench/analytics)');
  await statsOnLargeEvent();
}

export async function benchAnalyticsSampler(): Promise<void> {
  console.log('\n## viewer analytics: the sampler\'s cost to validations and heartbeats (bench/analytics)');
  await samplerCost();
}

async function statsOnLargeEvent(): Promise<void> {
  const dataDir = freshDataDir();
  try {
    const started = performance.now();
    cli(['tokens', 'create', '--event', 'bench', '--count', String(CODES), '--out', path.join(dataDir, 'codes.csv')], dataDir);
    const db = await openDatabase(loadConfig({ STREAMGATE_DATA_DIR: dataDir }));
    try {
      const now = Date.now();
      await seedSessionsAndSamples(db, now);
      row('setup: 1M codes, 10k sessions, 7 days of samples', `${((performance.now() - started) / 1000).toFixed(0)} s`);
      const event = await getEvent(db, 'bench');
      for (const [name, range] of [
        ['stats (default: everything, per hour)', {}],
        ['stats (last 24 h, per minute)', { from: now - 24 * HOUR_MS, resolution: 'minute' as const }],
      ] as const) {
        await viewerStats(db, now, event, range); // warm the statement cache and the page cache
        const times: number[] = [];
        const cpu: number[] = [];
        const stalls: number[] = [];
        for (let i = 0; i < CALLS; i++) {
          const t0 = performance.now();
          const c0 = process.cpuUsage();
          // The longest stretch between two turns of the event loop while the call runs.
          const stall = await longestStall(async () => {
            const stats = await viewerStats(db, now, event, range);
            if (stats.sessions.total !== SESSIONS) throw new Error(`expected ${SESSIONS} sessions, got ${stats.sessions.total}`);
          });
          const used = process.cpuUsage(c0);
          times.push(performance.now() - t0);
          cpu.push((used.user + used.system) / 1000);
          stalls.push(stall);
        }
        row(name, `median ${median(times).toFixed(1)} ms (CPU ${median(cpu).toFixed(1)} ms), p99 ${percentile(times, 99).toFixed(1)} ms; event-loop stall median ${median(stalls).toFixed(1)} ms, max ${Math.max(...stalls).toFixed(1)} ms (goal < 100 ms, stall < 20 ms)`);
      }
      // What one sampler round costs (count the viewers of every event, write the minute), 200 watching.
      const rounds: number[] = [];
      for (let i = 0; i < CALLS; i++) {
        const c0 = process.cpuUsage();
        await recordViewerSample(db, now + i * 1_000);
        const used = process.cpuUsage(c0);
        rounds.push((used.user + used.system) / 1000);
      }
      row('sampler round (200 watching, 10k sessions)', `CPU median ${median(rounds).toFixed(2)} ms, max ${Math.max(...rounds).toFixed(2)} ms: every 15 s by default, ${((median(rounds) / 15_000) * 100).toFixed(3)}% of a core`);
    } finally {
      await db.destroy();
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The longest time between two turns of the event loop while `fn` runs. */
async function longestStall(fn: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const tick = () => {
    const t = performance.now();
    longest = Math.max(longest, t - last);
    last = t;
    if (running) setImmediate(tick);
  };
  setImmediate(tick);
  await fn();
  running = false;
  longest = Math.max(longest, performance.now() - last);
  return longest;
}

/** 10,000 sessions on as many codes (200 of them active), and a sample for every minute of 7 days. */
async function seedSessionsAndSamples(db: Db, now: number): Promise<void> {
  const codes = await db.selectFrom('access_codes').select('id').where('event_id', '=', 'bench').limit(SESSIONS).execute();
  for (let i = 0; i < SESSIONS; i += 1_000) {
    await writeTransaction(db, (trx) =>
      trx
        .insertInto('sessions')
        .values(
          codes.slice(i, i + 1_000).map((c, j) => {
            const n = i + j;
            const startedAt = now - 7 * 24 * HOUR_MS + n * 60_000;
            const active = n >= SESSIONS - 200;
            return {
              id: `bench-session-${String(n).padStart(6, '0')}`,
              code_id: c.id,
              event_id: 'bench',
              device_id: `device-${n}`,
              client_ip: '192.0.2.1',
              user_agent: 'bench',
              started_at: Math.min(startedAt, now - 60_000),
              last_seen_at: active ? now - 10_000 : Math.min(startedAt + 1_800_000, now - 100_000),
              ended_at: active ? null : Math.min(startedAt + 1_810_000, now - 90_000),
              end_reason: active ? null : 'released',
            };
          }),
        )
        .execute(),
    );
  }
  const minutes = Math.floor((7 * 24 * HOUR_MS) / MINUTE_MS);
  const first = now - (now % MINUTE_MS) - minutes * MINUTE_MS;
  for (let i = 0; i < minutes; i += 2_000) {
    await writeTransaction(db, (trx) =>
      trx
        .insertInto('viewer_minutes')
        .values(Array.from({ length: Math.min(2_000, minutes - i) }, (_, j) => ({ event_id: 'bench', minute: first + (i + j) * MINUTE_MS, viewers: (i + j) % 500 })))
        .execute(),
    );
  }
}

interface Loads {
  validate: number[];
  heartbeat: number[];
}

async function samplerCost(): Promise<void> {
  const dataDir = freshDataDir();
  const csv = cli(['tokens', 'create', '--event', 'bench', '--count', '5000'], dataDir).stdout;
  const codes = csv.trim().split(/\r?\n/).slice(1).map((line) => line.split(',')[0]!);
  const figures: Record<'off' | 'on', Loads> = { off: { validate: [], heartbeat: [] }, on: { validate: [], heartbeat: [] } };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      // off, on, on, off, …: neither mode always runs first (the database grows as the load runs).
      for (const mode of round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const platform = await startPlatform(dataDir, { STREAMGATE_ANALYTICS_SAMPLE_SECONDS: mode === 'on' ? '1' : '0' });
        try {
          const validate = await validationLoad(platform.url, codes, { connections: 50, duration: LOAD_S });
          figures[mode].validate.push(validate.requests.average);
          const heartbeat = await heartbeatLoad(platform.url, codes.slice(0, 2_000));
          figures[mode].heartbeat.push(heartbeat);
        } finally {
          await platform.stop();
        }
      }
    }
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  for (const load of ['validate', 'heartbeat'] as const) {
    const off = median(figures.off[load]);
    const on = median(figures.on[load]);
    row(`${load}: sampler off / on (every 1 s), median of ${ROUNDS} rounds`, `${off.toFixed(0)} / ${on.toFixed(0)} req/s (on/off ${(on / off).toFixed(2)}×; runs off ${figures.off[load].map((v) => v.toFixed(0)).join(', ')}, on ${figures.on[load].map((v) => v.toFixed(0)).join(', ')})`);
  }
}

/** Heartbeats per second for sessions opened first (one per code, its own device). */
async function heartbeatLoad(url: string, codes: string[]): Promise<number> {
  const sessions: { sessionId: string; token: string }[] = [];
  for (const [i, code] of codes.entries()) {
    const response = await fetch(`${url}/api/tokens/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code, deviceId: `bench-device-${i}` }) });
    if (response.ok) sessions.push((await response.json()) as { sessionId: string; token: string });
  }
  let next = 0;
  const result = await autocannonRun({
    url,
    connections: 50,
    duration: LOAD_S,
    requests: [
      {
        method: 'POST',
        path: '/api/sessions/heartbeat',
        setupRequest: (request) => {
          const s = sessions[next++ % sessions.length]!;
          return { ...request, headers: { 'content-type': 'application/json', authorization: `Bearer ${s.token}` }, body: JSON.stringify({ sessionId: s.sessionId }) };
        },
      },
    ],
  });
  if (result.non2xx > result.requests.total / 10) throw new Error(`heartbeats: ${result.non2xx} of ${result.requests.total} failed`);
  return result.requests.average;
}
