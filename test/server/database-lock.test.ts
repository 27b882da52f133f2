import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { LOCK_WAIT_MS } from '../../src/core/db/database.js';
import { endTimedOutSessions } from '../../src/core/sessions/session-service.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// About SQLite itself (SQLite's write lock held by the sqlite3 shell): SQLite in both passes.
useSqliteInEveryPass();

/** Another process (the real sqlite3 shell) takes the database's write lock and keeps it. */
async function holdWriteLock(t: { after(fn: () => unknown): void }, platform: TestPlatform): Promise<{ release(): Promise<void> }> {
  const child = spawn('sqlite3', [platform.config.databaseUrl.slice('sqlite:'.length)], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.after(() => child.kill());
  child.stdin.write("BEGIN IMMEDIATE;\nSELECT 'locked';\n");
  let output = '';
  while (!output.includes('locked')) output += String((await once(child.stdout, 'data'))[0]);
  return {
    async release() {
      child.stdin.end('COMMIT;\n');
      await once(child, 'exit');
    },
  };
}

async function play(platform: TestPlatform, code: string, deviceId = 'device-aaaa') {
  const { status, json } = await platform.post('/api/tokens/validate', { code, deviceId });
  assert.equal(status, 200, JSON.stringify(json));
  return json as { token: string; sessionId: string };
}

const beat = (platform: TestPlatform, session: { token: string; sessionId: string }) =>
  platform.post('/api/sessions/heartbeat', { sessionId: session.sessionId }, { Authorization: `Bearer ${session.token}` });

async function timedGet(url: string): Promise<{ status: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  return { status: response.status, ms: performance.now() - started };
}

describe('another process holding the SQLite write lock', () => {
  it('leaves reads, health and playing viewers alone, and answers a write 503 busy with Retry-After', async (t) => {
    const platform = await startTestPlatform(t);
    const [playing, waiting] = await platform.codes(2);
    const session = await play(platform, playing!);
    const { key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: 'global' });
    const lock = await holdWriteLock(t, platform);

    const started = performance.now();
    let answered = false;
    const validation = platform.post('/api/tokens/validate', { code: waiting, deviceId: 'device-bbbb' }).finally(() => (answered = true));
    // While that write waits for the lock, everything that only reads goes on.
    const health: number[] = [];
    while (!answered) {
      const probe = await timedGet(`${platform.url}/healthz`);
      assert.equal(probe.status, 200);
      health.push(probe.ms);
      if (health.length === 5) {
        platform.advance(30_000); // the player's next heartbeat
        const fresh = await beat(platform, session);
        assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
        assert.ok(fresh.json.token && fresh.json.token !== session.token, 'a fresh token: the viewer keeps playing');
        assert.equal((await timedGet(`${platform.url}/metrics`)).status, 200);
        const events = await fetch(`${platform.url}/api/admin/events`, { headers: { authorization: `Bearer ${key}` } });
        assert.equal(events.status, 200, 'an admin read (the API key\'s first use, whose last-used time cannot be written)');
        const wrong = await platform.post('/api/tokens/validate', { code: 'ZZZZZZZZZZZZ', deviceId: 'device-cccc' });
        assert.equal(wrong.status, 401, 'a wrong code is told so without the lock');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const refused = await validation;
    const waited = performance.now() - started;
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.json.error, { code: 'busy', message: 'The database is busy; try again in a moment.', retryAfter: 2 });
    assert.equal(refused.headers.get('retry-after'), '2');
    assert.ok(waited >= LOCK_WAIT_MS - 100, `it waited for the lock first (${Math.round(waited)} ms)`);
    assert.ok(health.length >= 20, `healthz was probed throughout (${health.length} times)`);
    // Promised: under 50 ms. The worst probe gets slack for a test machine shared with other suites,
    // yet stays far below the lock wait that /healthz used to queue behind (7.5 s).
    const sorted = health.toSorted((a, b) => a - b);
    assert.ok(sorted[Math.floor(sorted.length / 2)]! < 50, `healthz: median ${Math.round(sorted[Math.floor(sorted.length / 2)]!)} ms`);
    assert.ok(sorted.at(-1)! < 1_000, `healthz: worst ${Math.round(sorted.at(-1)!)} ms`);

    await lock.release();
    assert.equal((await play(platform, waiting!, 'device-bbbb')).sessionId.length > 0, true, 'the same request works once the lock is free');
  });

  it('keeps a viewer who played through a lock longer than the session timeout', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    const session = await play(platform, code!);
    const lock = await holdWriteLock(t, platform);
    for (let i = 0; i < 4; i++) {
      platform.advance(30_000);
      const fresh = await beat(platform, session);
      assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
    }
    await lock.release();
    // 120 s since the last heartbeat the database holds: the sweep and another device must see the later ones.
    assert.equal(await endTimedOutSessions({ db: platform.db, clock: platform.now }), 0);
    const other = await platform.post('/api/tokens/validate', { code, deviceId: 'device-bbbb' });
    assert.deepEqual([other.status, other.json.error.code], [409, 'device_conflict']);
    assert.equal((await beat(platform, session)).status, 200);
    const row = await platform.db.selectFrom('sessions').select(['last_seen_at', 'ended_at']).where('id', '=', session.sessionId).executeTakeFirstOrThrow();
    assert.deepEqual(row, { last_seen_at: platform.now(), ended_at: null });
  });

  it('never counts a 5xx toward a rate limit (validation, console login)', async (t) => {
    const platform = await startTestPlatform(t, { ADMIN_USER: 'root', ADMIN_PASS: 'break glass please' });
    const [code] = await platform.codes(1);
    const login = () => platform.post('/api/admin/login', { username: 'root', password: 'break glass please' });
    const lock = await holdWriteLock(t, platform);
    // More than either budget holds (600 wrong codes, 10 failed logins), all at once: each waits for the lock, then 503.
    const answers = await Promise.all([
      ...Array.from({ length: 601 }, (_, i) => platform.post('/api/tokens/validate', { code, deviceId: `device-${String(i).padStart(4, '0')}` })),
      ...Array.from({ length: 11 }, login),
    ]);
    assert.deepEqual(new Set(answers.map((a) => a.status)), new Set([503]));
    await lock.release();
    assert.equal((await platform.post('/api/tokens/validate', { code: 'ZZZZZZZZZZZZ', deviceId: 'device-aaaa' })).status, 401);
    assert.equal((await login()).status, 200);
  });
});
