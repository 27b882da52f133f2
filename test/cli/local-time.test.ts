import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';

const NEW_YORK = { TZ: 'America/New_York' };

describe('times in the CLI with TZ=America/New_York', () => {
  it('reads a time without an offset as New York time, and prints every stored time back with its offset', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const created = await runCli(
      ['events', 'create', '--title', 'Gala', '--starts-at', '2030-01-02T10:00', '--ends-at', '2030-01-02T12:30', '--rewatch', '24h', '--json'],
      { dataDir, env: NEW_YORK },
    );
    assert.equal(created.code, 0, created.stderr);
    assert.equal(json(created).startsAt, '2030-01-02T15:00:00.000Z', 'JSON keeps ISO UTC, with its Z');
    assert.equal(json(created).endsAt, '2030-01-02T17:30:00.000Z');

    const shown = await runCli(['events', 'show', 'gala'], { dataDir, env: NEW_YORK });
    assert.match(shown.stdout, /^starts +2030-01-02 10:00-05:00$/m);
    assert.match(shown.stdout, /^ends +2030-01-02 12:30-05:00$/m);
    assert.match(shown.stdout, /^created +\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?-0[45]:00$/m);

    const listed = await runCli(['events', 'list'], { dataDir, env: NEW_YORK });
    assert.match(listed.stdout, /^gala\tGala\tscheduled\t2030-01-02 10:00-05:00\t2030-01-02 12:30-05:00\t24 h$/m);

    const issued = await runCli(['tokens', 'create', '--event', 'gala', '--count', '2', '--out', `${dataDir}/../gala.csv`], { dataDir, env: NEW_YORK });
    assert.match(issued.stderr, /\(expire 2030-01-03 12:30-05:00\)/, 'the end plus the 24 h rewatch window, in New York time');
    const codes = await runCli(['tokens', 'list', '--event', 'gala'], { dataDir, env: NEW_YORK });
    assert.match(codes.stdout.split('\n')[1]!, /^\S+\tactive\t\t2030-01-03 12:30-05:00\t/);

    // The same stored time, read in another zone, prints in that zone.
    const inTokyo = await runCli(['events', 'show', 'gala'], { dataDir, env: { TZ: 'Asia/Tokyo' } });
    assert.match(inTokyo.stdout, /^starts +2030-01-03 00:00\+09:00$/m);
  });

  it('refuses a wall time that daylight saving time skips, naming the zone (exit 2)', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['events', 'create', '--title', 'Night', '--starts-at', '2030-03-10T02:30'], { dataDir, env: NEW_YORK });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^streamgate: --starts-at: "2030-03-10T02:30" does not exist in America\/New_York/);
  });
});
