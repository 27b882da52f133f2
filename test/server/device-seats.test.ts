import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openDatabase, writeTransaction } from '../../src/core/db/database.js';
import { updateEvent } from '../../src/core/events/event-service.js';
import { loadCodeForSession } from '../../src/core/sessions/code-for-session.js';
import { rewindSqliteSchema } from '../helpers/older-schema.js';
import { json, runCli } from '../helpers/cli.js';
import { startTestPlatform, type TestPlatform } from '../helpers/platform.js';

const validate = (platform: TestPlatform, code: string, deviceId: string) => platform.post('/api/tokens/validate', { code, deviceId });
const heartbeat = (platform: TestPlatform, grant: { sessionId: string; token: string }) =>
  platform.post('/api/sessions/heartbeat', { sessionId: grant.sessionId }, { Authorization: `Bearer ${grant.token}` });

async function openSessions(platform: TestPlatform) {
  return platform.db.selectFrom('sessions').select(['id', 'device_id', 'seat', 'end_reason']).where('ended_at', 'is', null).orderBy('seat').execute();
}

const takeover = (platform: TestPlatform) => updateEvent({ db: platform.db, clock: platform.now, actor: 'test' }, 'conf', { devicePolicy: 'takeover' });

describe('seats per code', () => {
  it('a 2-seat code plays on two devices, refuses a third (block), and the same device resumes', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1, { devices: 2 });
    const a = await validate(platform, code!, 'device-aaaa');
    const b = await validate(platform, code!, 'device-bbbb');
    assert.deepEqual([a.status, b.status], [200, 200]);
    assert.notEqual(a.json.sessionId, b.json.sessionId);
    assert.equal(a.json.event.devicePolicy, 'block');
    platform.advance(10_000);
    const c = await validate(platform, code!, 'device-cccc');
    assert.deepEqual([c.status, c.json.error.code, c.json.error.retryAfter], [409, 'device_conflict', 80]);
    assert.match(c.json.error.message, /2 other devices/);
    const again = await validate(platform, code!, 'device-aaaa');
    assert.deepEqual([again.status, again.json.sessionId], [200, a.json.sessionId], 'resumed, not a third seat');
    assert.deepEqual((await openSessions(platform)).map((s) => [s.device_id, s.seat]), [['device-aaaa', 0], ['device-bbbb', 1]]);

    // A released seat is free at once; a timed-out one too.
    const released = await platform.post('/api/sessions/release', { sessionId: b.json.sessionId }, { Authorization: `Bearer ${b.json.token}` });
    assert.equal(released.status, 204);
    assert.equal((await validate(platform, code!, 'device-cccc')).status, 200);
    platform.advance(91_000);
    assert.equal((await validate(platform, code!, 'device-dddd')).status, 200);
    assert.deepEqual((await openSessions(platform)).map((s) => s.device_id).sort(), ['device-dddd'], 'the two silent sessions timed out');
  });

  it('a code without --devices keeps one device at a time', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1);
    assert.equal((await validate(platform, code!, 'device-aaaa')).status, 200);
    const other = await validate(platform, code!, 'device-bbbb');
    assert.deepEqual([other.status, other.json.error.message], [409, 'This code is playing on another device.']);
  });

  it('concurrent validations of N+k devices end with exactly N sessions (block)', async (t) => {
    const platform = await startTestPlatform(t);
    const [code] = await platform.codes(1, { devices: 3 });
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => validate(platform, code!, `device-${String(i).padStart(4, '0')}`)));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 200, 200, ...Array(9).fill(409)], JSON.stringify(answers.filter((a) => a.status !== 200 && a.status !== 409).map((a) => a.json)));
    const open = await openSessions(platform);
    assert.deepEqual(open.map((s) => s.seat), [0, 1, 2]);
  });

  it('concurrent validations of N+k devices end with exactly N sessions (takeover)', async (t) => {
    const platform = await startTestPlatform(t);
    await takeover(platform);
    const [code] = await platform.codes(1, { devices: 2 });
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => validate(platform, code!, `device-${String(i).padStart(4, '0')}`)));
    assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200), 'each new device takes a seat over');
    const open = await openSessions(platform);
    assert.deepEqual(open.map((s) => s.seat), [0, 1]);
    const ended = await platform.db.selectFrom('sessions').select('end_reason').where('ended_at', 'is not', null).execute();
    assert.deepEqual(ended.map((s) => s.end_reason), Array(6).fill('taken_over'));
  });

  it('takeover: the least recently seen session ends, the edges are told, its heartbeat says taken_over', async (t) => {
    const platform = await startTestPlatform(t);
    await takeover(platform);
    const [code] = await platform.codes(1, { devices: 2 });
    const a = await validate(platform, code!, 'device-aaaa');
    platform.advance(1_000);
    const b = await validate(platform, code!, 'device-bbbb');
    platform.advance(20_000);
    assert.equal((await heartbeat(platform, a.json)).status, 200, 'a is now the more recent');
    const c = await validate(platform, code!, 'device-cccc');
    assert.equal(c.status, 200);
    const beat = await heartbeat(platform, b.json);
    assert.deepEqual([beat.status, beat.json.error.code, beat.json.error.reason], [409, 'session_ended', 'taken_over']);
    assert.equal((await heartbeat(platform, a.json)).status, 200);
    const feed = await platform.db.selectFrom('revocations').select(['kind', 'session_id']).execute();
    assert.deepEqual(feed, [{ kind: 'session_ended', session_id: b.json.sessionId }]);
    assert.deepEqual((await openSessions(platform)).map((s) => [s.device_id, s.seat]), [['device-aaaa', 0], ['device-cccc', 1]]);
  });

  it('a held watch answers the moment its session is taken over', async (t) => {
    const platform = await startTestPlatform(t);
    await takeover(platform);
    const [code] = await platform.codes(1);
    const a = await validate(platform, code!, 'device-aaaa');
    const watching = platform.post('/api/sessions/watch', { sessionId: a.json.sessionId }, { Authorization: `Bearer ${a.json.token}` });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const took = Date.now();
    assert.equal((await validate(platform, code!, 'device-bbbb')).status, 200);
    const answer = await watching;
    const ms = Date.now() - took;
    assert.deepEqual([answer.status, answer.json.error.code, answer.json.error.reason], [409, 'session_ended', 'taken_over']);
    t.diagnostic(`the watch answered ${ms} ms after the take-over`);
    assert.ok(ms < 1_000, `answered ${ms} ms after the take-over`);
    // Already ended: answered at once.
    const late = await platform.post('/api/sessions/watch', { sessionId: a.json.sessionId }, { Authorization: `Bearer ${a.json.token}` });
    assert.deepEqual([late.status, late.json.error.reason], [409, 'taken_over']);
    const crossed = await platform.post('/api/sessions/watch', { sessionId: 'other' }, { Authorization: `Bearer ${a.json.token}` });
    assert.equal(crossed.status, 403);
  });
});

describe('seats in the CLI and the admin API', () => {
  it('tokens create --devices, events update --device-policy, tokens rotate keeps the seats', async (t) => {
    const platform = await startTestPlatform(t);
    const bad = await runCli(['tokens', 'create', '--event', 'conf', '--count', '1', '--devices', '101'], { dataDir: platform.dataDir });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--devices: a code plays on 1 to 100 devices at once/);
    const created = await runCli(['tokens', 'create', '--event', 'conf', '--count', '2', '--devices', '3', '--label', 'family', '--json'], { dataDir: platform.dataDir });
    assert.equal(created.code, 0, created.stderr);
    const codes = json<{ code: string }[]>(created).map((r) => r.code);
    for (const device of ['device-aaaa', 'device-bbbb', 'device-cccc']) assert.equal((await validate(platform, codes[0]!, device)).status, 200);
    assert.equal((await validate(platform, codes[0]!, 'device-dddd')).status, 409);

    const policy = await runCli(['events', 'update', 'conf', '--device-policy', 'takeover', '--json'], { dataDir: platform.dataDir });
    assert.equal(json(policy).devicePolicy, 'takeover');
    assert.equal((await runCli(['events', 'update', 'conf', '--device-policy', 'share'], { dataDir: platform.dataDir })).code, 2);
    assert.equal((await validate(platform, codes[0]!, 'device-dddd')).status, 200, 'takes over now');

    const rotated = await runCli(['tokens', 'rotate', '--event', 'conf', '--label', 'family', '--json', '--yes'], { dataDir: platform.dataDir });
    assert.equal(rotated.code, 0, rotated.stderr);
    const batches = await platform.db.selectFrom('code_batches').select('devices').orderBy('id').execute();
    assert.deepEqual(batches.map((b) => b.devices), [3, 3]);
    const shown = await runCli(['tokens', 'show', codes[1]!, '--json'], { dataDir: platform.dataDir });
    assert.equal(json(shown).devices, 3);
  });

  it('the admin API creates codes with seats and events with a policy', async (t) => {
    const platform = await startTestPlatform(t);
    const key = json(await runCli(['apikeys', 'create', '--name', 'shop', '--json'], { dataDir: platform.dataDir })).key;
    const auth = { Authorization: `Bearer ${key}` };
    const event = await platform.post('/api/admin/events', { title: 'Family', id: 'family', devicePolicy: 'takeover' }, auth);
    assert.deepEqual([event.status, event.json.devicePolicy], [201, 'takeover']);
    const wrong = await platform.post('/api/admin/events', { title: 'X', devicePolicy: 'share' }, auth);
    assert.equal(wrong.status, 400);
    const codes = await platform.post('/api/admin/events/family/tokens', { count: 1, devices: 2 }, auth);
    assert.deepEqual([codes.status, codes.json.devices], [201, 2]);
    const tooMany = await platform.post('/api/admin/events/family/tokens', { count: 1, devices: 101 }, auth);
    assert.equal(tooMany.status, 400);
    const code = codes.json.codes[0].code;
    assert.equal((await validate(platform, code, 'device-aaaa')).status, 200);
    assert.equal((await validate(platform, code, 'device-bbbb')).status, 200);
    const third = await validate(platform, code, 'device-cccc');
    assert.deepEqual([third.status, third.json.event.devicePolicy], [200, 'takeover']);
  });
});

describe('migration 0015_device_seats', () => {
  it('an install upgrading keeps one device per code: its codes get one seat, its open sessions seat 0', async (t) => {
    const platform = await startTestPlatform(t, {}, { sqlite: true });
    const [code] = await platform.codes(1);
    const opened = await validate(platform, code!, 'device-aaaa');
    await rewindSqliteSchema(platform.config.databaseUrl.slice('sqlite:'.length), '0013_deferred_code_counts');
    const upgraded = await openDatabase(platform.config);
    t.after(() => upgraded.destroy());
    const session = await upgraded.selectFrom('sessions').selectAll().where('id', '=', opened.json.sessionId).executeTakeFirstOrThrow();
    const loaded = await loadCodeForSession(upgraded, session.code_id!);
    assert.equal(loaded?.devices, 1);
    assert.deepEqual(loaded?.open.map((s) => [s.id, s.seat]), [[opened.json.sessionId, 0]]);
    assert.equal(loaded?.event.device_policy, 'block');
    // The index holds one active session per seat, whatever the application does.
    const second = writeTransaction(upgraded, (trx) => trx.insertInto('sessions').values({ ...session, id: 'second', device_id: 'device-bbbb' }).execute());
    await assert.rejects(second, /UNIQUE/);
  });
});
