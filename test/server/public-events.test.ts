import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { createApiKey } from '../../src/core/admin/api-keys.js';
import { openDatabase, writeTransaction } from '../../src/core/db/database.js';
import { rewindSqliteSchema } from '../helpers/older-schema.js';
import { recordViewerSample } from '../../src/core/analytics/viewer-samples.js';
import { createEvent, updateEvent } from '../../src/core/events/event-service.js';
import { PUBLIC_PLAYS } from '../../src/server/routes/public-play.js';
import { EDGE_AUDIENCE, signToken } from '../../src/core/playback-token.js';
import { addWebhook } from '../../src/core/webhooks/webhook-registry.js';
import { runCli } from '../helpers/cli.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

/** Headers that differ between any two answers (a request id, the time): left out of comparisons. */
const PER_REQUEST = new Set(['date', 'x-request-id']);

async function playRaw(platform: TestPlatform, eventId: string, deviceId = 'browser-aaaa') {
  const response = await fetch(`${platform.url}/api/events/${eventId}/play`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ deviceId }),
  });
  const headers = [...response.headers].filter(([name]) => !PER_REQUEST.has(name));
  return { status: response.status, headers, body: Buffer.from(await response.arrayBuffer()) };
}

async function play(platform: TestPlatform, eventId = 'conf', deviceId = 'browser-aaaa') {
  const answer = await platform.post(`/api/events/${eventId}/play`, { deviceId });
  assert.equal(answer.status, 200, JSON.stringify(answer.json));
  return answer.json as { token: string; expiresAt: string; sessionId: string; event: { id: string; title: string; status: string }; playbackUrl: string };
}

const setPublic = (platform: TestPlatform, value: boolean, id = 'conf') => updateEvent({ db: platform.db, clock: platform.now, actor: 'test' }, id, { public: value });
const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());

describe('public events: POST /api/events/:id/play', () => {
  it('plays a public event without a code: the validate answer with a fresh anonymous session each time', async (t) => {
    const platform = await startTestPlatform(t);
    await setPublic(platform, true);
    const first = await play(platform);
    const second = await play(platform);
    assert.notEqual(first.sessionId, second.sessionId, 'a fresh session per play');
    assert.deepEqual(first.event, { id: 'conf', title: 'Conf', status: 'scheduled', devicePolicy: 'block' });
    assert.match(first.playbackUrl, /\/streams\/conf\/index\.m3u8$/);
    assert.ok(Date.parse(first.expiresAt) > platform.now());
    const claims = claimsOf(first.token);
    assert.equal(claims.sub, 'public');
    assert.equal(claims.scope, 'public');
    assert.equal(claims.eid, 'conf');
    assert.equal(claims.sid, first.sessionId);
    assert.equal(typeof claims.pub, 'number');
    const session = await platform.db.selectFrom('sessions').selectAll().where('id', '=', first.sessionId).executeTakeFirstOrThrow();
    assert.equal(session.code_id, null);
    assert.equal(session.device_id, 'browser-aaaa');
  });

  it('answers a private event and an unknown one with the very same 404, byte for byte', async (t) => {
    const platform = await startTestPlatform(t);
    await createEvent({ db: platform.db, clock: platform.now, actor: 'test', keyring: platform.keyring }, { id: 'was-public', title: 'Was public', rewatchHours: 48, public: true });
    await setPublic(platform, false, 'was-public');
    const answers = [await playRaw(platform, 'conf'), await playRaw(platform, 'no-such-event'), await playRaw(platform, 'was-public'), await playRaw(platform, 'NOT%20an%20id')];
    for (const answer of answers) {
      assert.equal(answer.status, 404);
      assert.deepEqual(answer.headers, answers[0]!.headers);
      assert.deepEqual(answer.body, answers[0]!.body);
    }
    assert.deepEqual(JSON.parse(answers[0]!.body.toString()), { error: { code: 'event_not_found', message: 'No such event.' } });
    const page = (await (await fetch(`${platform.url}/api/events/conf/page`)).json()) as any;
    assert.equal(page.public, false);
  });

  it('checks the device id as validate does', async (t) => {
    const platform = await startTestPlatform(t);
    await setPublic(platform, true);
    for (const deviceId of ['short', 'has space in it', 'x'.repeat(129)]) {
      const answer = await platform.post('/api/events/conf/play', { deviceId });
      assert.equal(answer.status, 400);
      assert.equal(answer.json.error.code, 'invalid_request');
    }
    assert.equal((await platform.post('/api/events/conf/play', {})).status, 400);
  });

  it('limits plays per client address, found and not found alike, with Retry-After', async (t) => {
    const platform = await startTestPlatform(t);
    await setPublic(platform, true);
    // The injected clock stands still: the budget does not refill during the test.
    for (let i = 0; i < PUBLIC_PLAYS.burst; i++) {
      const answer = await platform.post(i % 2 ? '/api/events/conf/play' : '/api/events/nope/play', { deviceId: `device-${i}-xxxx` });
      assert.ok(answer.status === 200 || answer.status === 404, `play ${i}: ${answer.status}`);
    }
    for (const eventId of ['conf', 'nope']) {
      const refused = await platform.post(`/api/events/${eventId}/play`, { deviceId: 'device-late' });
      assert.equal(refused.status, 429);
      assert.equal(refused.json.error.code, 'rate_limited');
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    }
    platform.advance(PUBLIC_PLAYS.refillEveryMs * 2);
    await play(platform, 'conf', 'device-after-wait');
  });

  it('renews an anonymous token by heartbeat, and counts the viewer in stats but never as a code', async (t) => {
    const platform = await startTestPlatform(t);
    await setPublic(platform, true);
    const [code] = await platform.codes(1);
    assert.equal((await platform.post('/api/tokens/validate', { code, deviceId: 'coded-device' })).status, 200);
    const grant = await play(platform);
    await play(platform, 'conf', 'browser-bbbb');
    platform.advance(30_000);
    const beat = await platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });
    assert.equal(beat.status, 200, JSON.stringify(beat.json));
    assert.notEqual(beat.json.token, grant.token);
    assert.equal(claimsOf(beat.json.token).sid, grant.sessionId);
    assert.equal(claimsOf(beat.json.token).pub, claimsOf(grant.token).pub);
    // An edge's report of the session (which it sends for every viewer it serves) keeps it alive too.
    const edgeToken = signToken(platform.keyring.current, EDGE_AUDIENCE, {}, Date.now(), 60).token;
    const report = await platform.post('/api/edge/sessions/report', { sessions: [{ sessionId: grant.sessionId, codeId: 'public' }] }, { Authorization: `Bearer ${edgeToken}` });
    assert.equal(report.status, 200, JSON.stringify(report.json));
    assert.deepEqual(report.json.sessions, [{ sessionId: grant.sessionId, status: 'active' }]);
    // Another session's token does not renew this one.
    const other = await platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${(await play(platform, 'conf', 'browser-cccc')).token}` });
    assert.equal(other.status, 403);

    const { key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: 'global' });
    const stats = (await (await fetch(`${platform.url}/api/admin/events/conf/stats`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    assert.equal(stats.viewersNow, 4, 'three anonymous viewers and one with a code');
    assert.equal(stats.uniqueCodes, 1, 'anonymous viewers are no codes');
    assert.equal(stats.sessions.total, 4);
    const events = (await (await fetch(`${platform.url}/api/admin/events/conf`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    assert.equal(events.stats.viewersNow, 4);
    assert.equal(events.stats.codes.used, 1);
    assert.equal(events.public, true);
    const sessions = (await (await fetch(`${platform.url}/api/admin/sessions?eventId=conf`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    assert.equal(sessions.filter((s: { codeId: string | null }) => s.codeId === null).length, 3);
    await recordViewerSample(platform.db, platform.now());
    const minute = await platform.db.selectFrom('viewer_minutes').select('viewers').where('event_id', '=', 'conf').executeTakeFirstOrThrow();
    assert.equal(minute.viewers, 4);

    // Released, it is no viewer any more.
    assert.equal((await platform.post('/api/sessions/release', { sessionId: grant.sessionId, token: beat.json.token })).status, 204);
    const after = (await (await fetch(`${platform.url}/api/admin/events/conf/stats`, { headers: { authorization: `Bearer ${key}` } })).json()) as any;
    assert.equal(after.viewersNow, 3);
  });

  it('stops anonymous sessions when the event turns private; on again, new plays work and old tokens stay refused', async (t) => {
    const platform = await startTestPlatform(t);
    await addWebhook({ db: platform.db, clock: platform.now, keyring: platform.keyring, actor: 'test' }, { url: 'http://127.0.0.1:9/hook', events: ['session.started', 'session.ended'] });
    await setPublic(platform, true);
    const grant = await play(platform);
    await setPublic(platform, false);
    const edgeToken = signToken(platform.keyring.current, EDGE_AUDIENCE, {}, Date.now(), 60).token;
    const report = await platform.post('/api/edge/sessions/report', { sessions: [{ sessionId: grant.sessionId, codeId: 'public' }] }, { Authorization: `Bearer ${edgeToken}` });
    assert.deepEqual(report.json.sessions, [{ sessionId: grant.sessionId, status: 'ended', reason: 'session_ended' }]);
    const refused = await platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });
    assert.equal(refused.status, 409);
    assert.equal(refused.json.error.code, 'session_ended');
    const session = await platform.db.selectFrom('sessions').selectAll().where('id', '=', grant.sessionId).executeTakeFirstOrThrow();
    assert.equal(session.end_reason, 'not_public');
    const deliveries = await platform.db.selectFrom('webhook_deliveries').select(['type', 'data']).orderBy('created_at').orderBy('type', 'desc').execute();
    assert.deepEqual(deliveries.map((d) => [d.type, JSON.parse(d.data).codeId, JSON.parse(d.data).sessionId, JSON.parse(d.data).reason]), [
      ['session.started', null, grant.sessionId, undefined],
      ['session.ended', null, grant.sessionId, 'not_public'],
    ]);
    assert.equal((await platform.post('/api/events/conf/play', { deviceId: 'browser-aaaa' })).status, 404);
    const feed = await platform.db.selectFrom('revocations').selectAll().where('kind', '=', 'public_revoked').execute();
    assert.equal(feed.length, 1);
    assert.ok(feed[0]!.created_at >= claimsOf(grant.token).pub);

    await setPublic(platform, true);
    const again = await play(platform);
    assert.ok(claimsOf(again.token).pub > feed[0]!.created_at, 'a new public period, after the entry');
    const beat = await platform.post('/api/sessions/heartbeat', { sessionId: again.sessionId }, { Authorization: `Bearer ${again.token}` });
    assert.equal(beat.status, 200);
    assert.equal((await platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` })).status, 409);
  });

  it('refuses a personal link for an anonymous viewer (it would need a code)', async (t) => {
    const platform = await startTestPlatform(t, { EDGE_QUERY_TOKENS: 'true' });
    await setPublic(platform, true);
    const grant = await play(platform);
    const link = await platform.post('/api/sessions/link', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });
    assert.equal(link.status, 403);
    assert.equal(link.json.error.code, 'links_unavailable');
  });

  it('events create|update --public and --no-public, shown by show and list --json and the page API', async (t) => {
    const platform = await startTestPlatform(t);
    const created = await runCli(['events', 'create', '--title', 'Trailer', '--public', '--json'], { dataDir: platform.dataDir });
    assert.equal(created.code, 0, created.stderr);
    assert.equal(JSON.parse(created.stdout).public, true);
    const list = JSON.parse((await runCli(['events', 'list', '--json'], { dataDir: platform.dataDir })).stdout);
    assert.deepEqual(list.map((e: { id: string; public: boolean }) => [e.id, e.public]).sort(), [['conf', false], ['trailer', true]]);
    const page = (await (await fetch(`${platform.url}/api/events/trailer/page`)).json()) as any;
    assert.equal(page.public, true);
    const off = await runCli(['events', 'update', 'trailer', '--no-public', '--json'], { dataDir: platform.dataDir });
    assert.equal(off.code, 0, off.stderr);
    assert.equal(JSON.parse(off.stdout).public, false);
    const shown = JSON.parse((await runCli(['events', 'show', 'trailer', '--json'], { dataDir: platform.dataDir })).stdout);
    assert.equal(shown.public, false);
    const on = await runCli(['events', 'update', 'conf', '--public'], { dataDir: platform.dataDir });
    assert.equal(on.code, 0, on.stderr);
    assert.match(on.stdout, /public\s+yes/);
  });

  it('admin API: POST and PATCH take public', async (t) => {
    const platform = await startTestPlatform(t);
    const { key } = await createApiKey({ db: platform.db, clock: platform.now, actor: 'test' }, { name: 'ops', scope: 'global' });
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const created = await fetch(`${platform.url}/api/admin/events`, { method: 'POST', headers, body: JSON.stringify({ title: 'Free', public: true }) });
    assert.equal(created.status, 201);
    assert.equal(((await created.json()) as any).public, true);
    const patched = await fetch(`${platform.url}/api/admin/events/free`, { method: 'PATCH', headers, body: JSON.stringify({ public: false }) });
    assert.equal(((await patched.json()) as any).public, false);
    const bad = await fetch(`${platform.url}/api/admin/events/free`, { method: 'PATCH', headers, body: JSON.stringify({ public: 'yes' }) });
    assert.equal(bad.status, 400);
    const audit = await platform.db.selectFrom('audit_log').select(['action', 'details']).where('target', '=', 'free').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => [a.action, JSON.parse(a.details!).public]), [['event.create', true], ['event.update', false]]);
  });
});

describe('migration 0017_public_events', () => {
  it('an install upgrading keeps its sessions and their indexes; an anonymous session needs no code', async (t) => {
    const platform = await startTestPlatform(t, {}, { sqlite: true });
    const [code] = await platform.codes(1);
    const opened = await platform.post('/api/tokens/validate', { code, deviceId: 'device-aaaa' });
    assert.equal(opened.status, 200);
    await rewindSqliteSchema(platform.config.databaseUrl.slice('sqlite:'.length), '0016_schema_versions');
    const upgraded = await openDatabase(platform.config);
    t.after(() => upgraded.destroy());
    const session = await upgraded.selectFrom('sessions').selectAll().where('id', '=', opened.json.sessionId).executeTakeFirstOrThrow();
    assert.equal(session.device_id, 'device-aaaa');
    assert.ok(session.code_id);
    const event = await upgraded.selectFrom('events').selectAll().where('id', '=', 'conf').executeTakeFirstOrThrow();
    assert.equal(event.public_since, null, 'an existing event stays private');
    const indexes = await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'sessions' and name not like 'sqlite_%' order by name`.execute(upgraded);
    assert.deepEqual(indexes.rows.map((r) => r.name), ['sessions_code', 'sessions_event', 'sessions_event_code', 'sessions_one_active_per_seat']);
    // One active session per seat of a code still holds; sessions without a code are not limited.
    const second = writeTransaction(upgraded, (trx) => trx.insertInto('sessions').values({ ...session, id: 'second', device_id: 'device-bbbb' }).execute());
    await assert.rejects(second, /UNIQUE/);
    await writeTransaction(upgraded, async (trx) => {
      for (const id of ['anon-1', 'anon-2']) await trx.insertInto('sessions').values({ ...session, id, code_id: null }).execute();
    });
    const fk = await sql<{ table: string }>`pragma foreign_key_list(sessions)`.execute(upgraded);
    assert.deepEqual(fk.rows.map((r) => r.table).sort(), ['access_codes', 'events']);
  });
});
