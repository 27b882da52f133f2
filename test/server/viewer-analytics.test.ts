import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { ViewerSampler } from '../../src/core/analytics/viewer-sampler.js';
import { HOUR_MS, MINUTE_MS, MINUTE_RETENTION_MS, recordViewerSample, rollUpViewerMinutes } from '../../src/core/analytics/viewer-samples.js';
import { createEvent } from '../../src/core/events/event-service.js';
import { silentLog } from '../../src/core/log.js';
import { EDGE_AUDIENCE, signToken } from '../../src/core/playback-token.js';
import { makeVodFixture, startTestEdge } from '../helpers/edge.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** `count` viewers watching `conf` now, each with a code of their own. */
async function watch(platform: TestPlatform, count: number) {
  const codes = await platform.codes(count);
  const grants = [];
  for (const [i, code] of codes.entries()) {
    const grant = await platform.post('/api/tokens/validate', { code, deviceId: `device-${i}-${code}` });
    assert.equal(grant.status, 200, JSON.stringify(grant.json));
    grants.push(grant.json as { token: string; sessionId: string });
  }
  return grants;
}

const minutes = (platform: TestPlatform) => platform.db.selectFrom('viewer_minutes').select(['event_id', 'minute', 'viewers']).orderBy('minute').execute();
const hours = (platform: TestPlatform) => platform.db.selectFrom('viewer_hours').select(['event_id', 'hour', 'peak', 'viewer_minutes', 'minutes']).orderBy('hour').execute();

async function adminKey(platform: TestPlatform, scope: { eventId?: string } = {}) {
  const { key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: scope.eventId ? 'event' : 'global', eventId: scope.eventId });
  return key;
}

async function getStats(platform: TestPlatform, key: string, query = '', eventId = 'conf', accept = 'application/json') {
  const response = await fetch(`${platform.url}/api/admin/events/${eventId}/stats${query}`, { headers: { authorization: `Bearer ${key}`, accept } });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type') ?? '', text, json: accept === 'application/json' ? JSON.parse(text) : null };
}

describe('viewer sampling (injected clock)', () => {
  it('keeps the most viewers of each minute, once per event and minute, whichever replica samples', async (t) => {
    const platform = await startTestPlatform(t);
    const replica = await startTestPlatform(t, {}, { replicaOf: platform });
    const start = Math.ceil(platform.now() / MINUTE_MS) * MINUTE_MS + 1_000; // just after a minute starts
    platform.advance(start - platform.now());
    const grants = await watch(platform, 3);
    await recordViewerSample(platform.db, platform.now());
    await recordViewerSample(replica.db, platform.now());
    // One viewer leaves later in the same minute: the minute keeps its peak of 3.
    platform.advance(20_000);
    await platform.post('/api/sessions/release', { sessionId: grants[0]!.sessionId }, { Authorization: `Bearer ${grants[0]!.token}` });
    await recordViewerSample(replica.db, platform.now());
    assert.deepEqual(await minutes(platform), [{ event_id: 'conf', minute: start - 1_000, viewers: 3 }]);
    // The next minute: 2.
    platform.advance(MINUTE_MS);
    await recordViewerSample(platform.db, platform.now());
    assert.deepEqual((await minutes(platform)).map((r) => r.viewers), [3, 2]);
  });

  it('samples a live event with nobody watching as 0, and leaves idle events out', async (t) => {
    const platform = await startTestPlatform(t);
    await createEvent({ db: platform.db, clock: platform.now, actor: 'test', keyring: platform.keyring }, { id: 'quiet', title: 'Quiet', rewatchHours: 1 });
    const { writeTransaction } = await import('../../src/core/db/database.js');
    await writeTransaction(platform.db, (trx) => trx.updateTable('events').set({ status: 'live' }).where('id', '=', 'conf').execute());
    await recordViewerSample(platform.db, platform.now());
    assert.deepEqual((await minutes(platform)).map((r) => [r.event_id, r.viewers]), [['conf', 0]]);
  });

  it('rolls minutes older than 7 days into hours (peak, mean) and deletes them; a second rollup changes nothing', async (t) => {
    const platform = await startTestPlatform(t);
    const hour0 = Math.floor(platform.now() / HOUR_MS) * HOUR_MS;
    platform.advance(hour0 - platform.now());
    const grants = await watch(platform, 4);
    // Minute 0: 4 viewers. Then 2 leave; minutes 1 and 2: 2 viewers. Keep their heartbeats going.
    await recordViewerSample(platform.db, platform.now());
    for (const grant of grants.slice(0, 2)) await platform.post('/api/sessions/release', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });
    for (let minute = 1; minute <= 2; minute++) {
      platform.advance(MINUTE_MS);
      for (const grant of grants.slice(2)) await platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });
      await recordViewerSample(platform.db, platform.now());
    }
    assert.equal((await minutes(platform)).length, 3);

    // Not yet 7 days old: nothing rolls.
    assert.equal(await rollUpViewerMinutes(platform.db, hour0 + MINUTE_RETENTION_MS), 0);
    assert.equal((await minutes(platform)).length, 3);
    // The hour is wholly older than 7 days: one hour row, no minutes left.
    assert.equal(await rollUpViewerMinutes(platform.db, hour0 + HOUR_MS + MINUTE_RETENTION_MS), 1);
    assert.deepEqual(await minutes(platform), []);
    assert.deepEqual(await hours(platform), [{ event_id: 'conf', hour: hour0, peak: 4, viewer_minutes: 8, minutes: 3 }]);
    assert.equal(await rollUpViewerMinutes(platform.db, hour0 + 2 * HOUR_MS + MINUTE_RETENTION_MS), 0);
    assert.deepEqual((await hours(platform)).length, 1);

    // The stats still know the peak, and draw the hour.
    platform.advance(hour0 + HOUR_MS + MINUTE_RETENTION_MS - platform.now());
    const stats = await getStats(platform, await adminKey(platform), `?from=${new Date(hour0 - HOUR_MS).toISOString()}&resolution=hour`);
    assert.equal(stats.status, 200, stats.text);
    assert.equal(stats.json.peakViewers, 4);
    assert.equal(stats.json.peakAt, new Date(hour0).toISOString());
    assert.deepEqual(stats.json.series.points, [{ at: new Date(hour0).toISOString(), viewers: 4, average: 2.7 }]);
  });

  it('the sampler samples on its rounds and rolls up when due, with the injected clock', async (t) => {
    const platform = await startTestPlatform(t);
    await watch(platform, 2);
    const sampler = new ViewerSampler({ db: platform.db, clock: platform.now, log: silentLog, intervalMs: 0 });
    await sampler.tick();
    assert.deepEqual((await minutes(platform)).map((r) => r.viewers), [2]);
    platform.advance(MINUTE_RETENTION_MS + 2 * HOUR_MS); // everyone timed out long ago; the minute is old
    await sampler.tick();
    assert.deepEqual(await minutes(platform), [], 'rolled up');
    assert.equal((await hours(platform))[0]?.peak, 2);
    await sampler.stop();
  });
});

describe('GET /api/admin/events/:id/stats', () => {
  it('answers viewers now, peak, sessions with watch time, unique codes and the series; CSV on request', async (t) => {
    const platform = await startTestPlatform(t);
    const key = await adminKey(platform);
    const empty = await getStats(platform, key);
    assert.equal(empty.status, 200);
    assert.equal(empty.json.viewersNow, 0);
    assert.equal(empty.json.peakViewers, 0);
    assert.equal(empty.json.peakAt, null);
    assert.equal(empty.json.bytesDelivered, null);
    assert.deepEqual(empty.json.series.points, []);

    const grants = await watch(platform, 3);
    await recordViewerSample(platform.db, platform.now());
    platform.advance(25_000);
    await platform.post('/api/sessions/release', { sessionId: grants[0]!.sessionId }, { Authorization: `Bearer ${grants[0]!.token}` });
    platform.advance(15_000);
    const stats = await getStats(platform, key);
    assert.equal(stats.status, 200, stats.text);
    const s = stats.json;
    assert.equal(s.eventId, 'conf');
    assert.equal(s.viewersNow, 2);
    assert.equal(s.peakViewers, 3);
    assert.equal(s.uniqueCodes, 3);
    assert.equal(s.sessions.total, 3);
    assert.equal(s.sessions.active, 2);
    // Released at 25 s; the two others: last heartbeat at 0 s, counted up to 30 s after it.
    assert.equal(s.sessions.watchSeconds, 25 + 30 + 30);
    assert.equal(s.sessions.averageWatchSeconds, 28);
    assert.equal(s.series.resolution, 'minute');
    assert.deepEqual(s.series.points.map((p: { viewers: number }) => p.viewers), [3]);

    const csv = await getStats(platform, key, '?format=csv', 'conf', 'text/csv');
    assert.equal(csv.status, 200);
    assert.match(csv.type, /^text\/csv/);
    assert.match(csv.text, /^at,viewers,average\n\d{4}-\d\d-\d\dT[\d:.]+Z,3,3\n$/);
  });

  it('refuses other events to an event-scoped key, unknown events, and bad ranges', async (t) => {
    const platform = await startTestPlatform(t);
    await createEvent({ db: platform.db, clock: platform.now, actor: 'test', keyring: platform.keyring }, { id: 'other', title: 'Other', rewatchHours: 1 });
    const scoped = await adminKey(platform, { eventId: 'conf' });
    assert.equal((await getStats(platform, scoped)).status, 200);
    assert.equal((await getStats(platform, scoped, '', 'other')).status, 403);
    const key = await adminKey(platform);
    const missing = await getStats(platform, key, '', 'nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'event_not_found');
    for (const query of ['?from=yesterday', '?resolution=second', '?from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', '?from=2020-01-01T00:00:00Z&resolution=minute']) {
      const bad = await getStats(platform, key, query);
      assert.equal(bad.status, 400, `${query}: ${bad.text}`);
      assert.equal(bad.json.error.code, 'invalid_request');
    }
    assert.equal((await fetch(`${platform.url}/api/admin/events/conf/stats`)).status, 401);
  });
});

describe('bytes delivered', () => {
  it('the edge reports the bytes it sent per event; the stats show their sum', async (t) => {
    const platform = await startTestPlatform(t);
    const dir = makeVodFixture(platform.dataDir);
    const edge = await startTestEdge(t, platform, {}, { reportIntervalMs: 3_600_000 });
    const [grant] = await watch(platform, 1);
    const auth = { authorization: `Bearer ${grant!.token}` };
    const playlist = await fetch(`${edge.url}/streams/conf/index.m3u8`, { headers: auth });
    const segment = await fetch(`${edge.url}/streams/conf/seg_000.ts`, { headers: auth });
    const ranged = await fetch(`${edge.url}/streams/conf/seg_001.ts`, { headers: { ...auth, range: 'bytes=0-99' } });
    const refused = await fetch(`${edge.url}/streams/conf/seg_002.ts`);
    assert.equal(refused.status, 401);
    const sizes = [(await playlist.arrayBuffer()).byteLength, (await segment.arrayBuffer()).byteLength, (await ranged.arrayBuffer()).byteLength];
    assert.equal(sizes[2], 100);
    const { statSync } = await import('node:fs');
    assert.equal(sizes[1], statSync(`${dir}/seg_000.ts`).size);
    await new Promise((resolve) => setTimeout(resolve, 50)); // 'finish' follows the last byte
    await edge.native.reporter.flush();
    const stats = await getStats(platform, await adminKey(platform));
    assert.equal(stats.json.bytesDelivered, sizes[0]! + sizes[1]! + sizes[2]!);
  });

  it('the platform adds reports up, drops unknown events, and validates the entries', async (t) => {
    const platform = await startTestPlatform(t);
    const edgeAuth = { Authorization: `Bearer ${signToken(platform.keyring.current, EDGE_AUDIENCE, {}, platform.now(), 60).token}` };
    for (const bytes of [1_000, 2_500]) {
      const answer = await platform.post('/api/edge/sessions/report', { sessions: [], delivered: [{ eventId: 'conf', bytes }, { eventId: 'gone', bytes: 5 }] }, edgeAuth);
      assert.equal(answer.status, 200, JSON.stringify(answer.json));
      assert.equal(answer.json.deliveredRecorded, true);
    }
    const row = await platform.db.selectFrom('event_traffic').selectAll().execute();
    assert.deepEqual(row.map((r) => [r.event_id, r.bytes_delivered]), [['conf', 3_500]]);
    const bad = await platform.post('/api/edge/sessions/report', { sessions: [], delivered: [{ eventId: 'conf', bytes: -1 }] }, edgeAuth);
    assert.equal(bad.status, 400);
    assert.equal((await platform.post('/api/edge/sessions/report', { sessions: [], delivered: [] })).status, 401);
  });
});
