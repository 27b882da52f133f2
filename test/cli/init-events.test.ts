import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { initialisedDataDir, json, runCli, tempDir } from '../helpers/cli.js';
import { testDatabaseEnv, testDatabaseKind } from '../helpers/test-database.js';

/** Everything in the data directory's PostgreSQL database, as pg_dump writes it out. */
async function postgresDump(dataDir: string): Promise<Buffer> {
  const { DATABASE_URL } = await testDatabaseEnv(dataDir);
  return execFileSync('pg_dump', ['--data-only', '--no-owner', DATABASE_URL!], { maxBuffer: 64 << 20 });
}

describe('streamgate init', () => {
  it('creates the data directory, a 0600 secret and the database, and is idempotent', async (t) => {
    const root = tempDir();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const dataDir = path.join(root, 'data');
    const first = await runCli(['init', '--yes', '--json'], { dataDir });
    assert.equal(first.code, 0, first.stderr);
    // A PostgreSQL database is the operator's to create; init makes its schema (in the database).
    const sqlite = testDatabaseKind() === 'sqlite';
    assert.deepEqual(json(first).created, sqlite ? ['dataDir', 'secret', 'database'] : ['dataDir', 'secret']);
    assert.equal(fs.statSync(path.join(dataDir, 'secret')).mode & 0o777, 0o600);
    assert.equal(fs.existsSync(path.join(dataDir, 'streamgate.db')), sqlite);
    const secretBefore = fs.readFileSync(path.join(dataDir, 'secret'), 'utf8');

    const second = await runCli(['init', '--yes', '--json'], { dataDir });
    assert.equal(second.code, 0);
    assert.deepEqual(json(second).created, []);
    assert.equal(fs.readFileSync(path.join(dataDir, 'secret'), 'utf8'), secretBefore, 'the secret is never replaced');
  });

  it('keeps the pepper and keys out of the database', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const secret = JSON.parse(fs.readFileSync(path.join(dataDir, 'secret'), 'utf8'));
    const db = testDatabaseKind() === 'sqlite' ? fs.readFileSync(path.join(dataDir, 'streamgate.db')) : await postgresDump(dataDir);
    for (const value of [secret.pepper, secret.keys[0].secret]) {
      assert.equal(db.includes(Buffer.from(value, 'base64')), false);
      assert.equal(db.includes(Buffer.from(value)), false);
    }
  });

  it('tells the operator to run init when the data directory is missing (exit 2)', async (t) => {
    const root = tempDir();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const result = await runCli(['events', 'list'], { dataDir: path.join(root, 'nope') });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^streamgate: .*run "streamgate init"/);
    assert.equal(result.stderr.trim().split('\n').length, 1, 'one line, no stack trace');
  });
});

describe('streamgate events', () => {
  it('creates an event with a stream key and the RTMP URL, as SPEC JSON', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(
      ['events', 'create', '--title', 'Spring Conf 2026', '--starts-at', '2030-05-01T09:00:00Z', '--ends-at', '2030-05-01T18:00:00+02:00', '--rewatch', '72h', '--json'],
      { dataDir },
    );
    assert.equal(result.code, 0, result.stderr);
    const event = json(result);
    // SPEC §2's fields, plus `ladder` (how the ingest writes the live stream) and `ingest` (what it
    // does with a publisher, and why), `devicePolicy` (a device beyond a code's seats), `encryption`
    // (AES-128 segments, keys per viewer), `latency` (LL-HLS or whole segments), `public` (plays
    // without a code) and `branding` (its watch page).
    assert.deepEqual(Object.keys(event).sort(), ['branding', 'createdAt', 'devicePolicy', 'encryption', 'endsAt', 'id', 'ingest', 'ladder', 'latency', 'public', 'rewatchHours', 'rtmpUrl', 'startsAt', 'status', 'streamKey', 'title']);
    assert.deepEqual(event.branding, { description: null, organiser: null, posterUrl: null, logoUrl: null, accent: null, language: 'en' });
    assert.equal(event.ladder, 'copy');
    assert.equal(event.encryption, 'none');
    assert.equal(event.latency, 'normal');
    assert.equal(event.public, false);
    assert.deepEqual(event.ingest, { state: 'idle', reason: null });
    assert.equal(event.id, 'spring-conf-2026');
    assert.equal(event.status, 'scheduled');
    assert.equal(event.endsAt, '2030-05-01T16:00:00.000Z');
    assert.equal(event.rewatchHours, 72);
    assert.equal(event.rtmpUrl, 'rtmp://127.0.0.1:1935/live');
    assert.match(event.streamKey, /^[a-z0-9]{32}$/);

    const shown = json(await runCli(['events', 'show', 'spring-conf-2026', '--json'], { dataDir }));
    assert.deepEqual(shown, event);
    const listed = json(await runCli(['events', 'list', '--json'], { dataDir }));
    assert.deepEqual(listed.map((e: { id: string }) => e.id).sort(), ['conf', 'spring-conf-2026']);
  });

  it('updates, rotates the stream key and archives', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const before = json(await runCli(['events', 'show', 'conf', '--json'], { dataDir }));
    const updated = json(await runCli(['events', 'update', 'conf', '--title', 'Conf 2', '--ends-at', '2030-01-01T00:00Z', '--json'], { dataDir }));
    assert.equal(updated.title, 'Conf 2');
    assert.equal(updated.endsAt, '2030-01-01T00:00:00.000Z');
    const cleared = json(await runCli(['events', 'update', 'conf', '--ends-at', 'none', '--json'], { dataDir }));
    assert.equal(cleared.endsAt, null);
    const rotated = json(await runCli(['events', 'rotate-key', 'conf', '--json'], { dataDir }));
    assert.notEqual(rotated.streamKey, before.streamKey);
    const archived = json(await runCli(['events', 'archive', 'conf', '--json'], { dataDir }));
    assert.equal(archived.status, 'archived');
    const again = await runCli(['events', 'update', 'conf', '--title', 'x'], { dataDir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /archived/);
  });

  const bad: [string[], RegExp][] = [
    [['events', 'create', '--title', 'X', '--id', 'Bad_Id'], /--id: "Bad_Id" is not an event id/],
    [['events', 'create', '--title', 'X', '--id', 'conf'], /already exists/],
    [['events', 'create', '--title', 'X', '--starts-at', 'tomorrow'], /--starts-at:/],
    [['events', 'create', '--title', 'X', '--starts-at', '2030-01-02', '--ends-at', '2030-01-01'], /--ends-at: must be after --starts-at/],
    [['events', 'create', '--title', 'X', '--rewatch', '90m'], /--rewatch: use whole hours/],
    [['events', 'create', '--title', '   '], /--title:/],
    [['events', 'create'], /--title/],
    [['events', 'show', 'nope'], /event "nope" does not exist/],
    [['events', 'update', 'conf'], /nothing to update/],
    [['events', 'create', '--title', 'X', '--bogus'], /unknown option '--bogus'/],
  ];
  for (const [args, message] of bad) {
    it(`refuses ${args.slice(1).join(' ')} with exit 2 and one line`, async (t) => {
      const dataDir = await initialisedDataDir(t);
      const result = await runCli(args, { dataDir });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
      assert.match(result.stderr, /^streamgate: /);
    });
  }

  it('prints errors as JSON on stdout with --json', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['events', 'show', 'nope', '--json'], { dataDir });
    assert.equal(result.code, 2);
    assert.deepEqual(json(result), { error: { code: 'event_not_found', message: 'event "nope" does not exist (see "streamgate events list")' } });
  });
});
