import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { BIN, REPO_ROOT, codesFromCsv, initialisedDataDir, json, runCli, tempDir } from '../helpers/cli.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

/** The lines of README.md between the quick-start markers, as an operator would paste them. */
function quickStartLines(): string {
  const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
  const block = /^# quick-start:begin.*\n([\s\S]*?)^# quick-start:end$/m.exec(readme);
  assert.ok(block, 'README.md has the quick-start markers');
  return block[1]!;
}

describe('README quick start', () => {
  it('runs as written, on today\'s clock, against a fresh data directory', async (t) => {
    const root = tempDir();
    t.after(() => fs.rmSync(root, { recursive: true, force: true }));
    const binDir = path.join(root, 'bin');
    fs.mkdirSync(binDir);
    fs.symlinkSync(BIN, path.join(binDir, 'streamgate'));
    const lines = quickStartLines();
    assert.match(lines, /streamgate events create/);
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${binDir}:${process.env.PATH}`, STREAMGATE_DATA_DIR: path.join(root, 'data'), NO_COLOR: '1', ...(await testDatabaseEnv(path.join(root, 'data'))) };
    delete env.DEBUG;
    const run = spawnSync('bash', ['-euo', 'pipefail', '-c', lines], { cwd: root, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(run.status, 0, `the quick start stopped:\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /^streamgate: /m, 'no command complained');
    assert.equal(codesFromCsv(fs.readFileSync(path.join(root, 'codes.csv'), 'utf8')).length, 500);
    assert.match(run.stdout, /^status +scheduled$/m);
  });

  it('refuses to create an event that has already ended (exit 2), naming the time as read', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const result = await runCli(['events', 'create', '--title', 'Old', '--starts-at', '2020-05-01T09:00:00Z', '--ends-at', '2020-05-01T18:00:00Z'], { dataDir, env: { TZ: 'UTC' } });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, 'streamgate: --ends-at: 2020-05-01 18:00+00:00 is already past; a new event must end in the future (or leave --ends-at out)\n');
    assert.deepEqual(json(await runCli(['events', 'list', '--json'], { dataDir })).map((e: { id: string }) => e.id), ['conf']);
  });

  it('explains an expiry the operator did not type: the event ended and its rewatch window closed', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const ended = await runCli(['events', 'update', 'conf', '--ends-at', '2020-05-01T18:00:00Z', '--rewatch', '0h'], { dataDir, env: { TZ: 'UTC' } });
    assert.equal(ended.code, 0, ended.stderr);
    const result = await runCli(['tokens', 'create', '--event', 'conf', '--count', '3'], { dataDir, env: { TZ: 'UTC' } });
    assert.equal(result.code, 2);
    assert.equal(
      result.stderr,
      'streamgate: event "conf" ended 2020-05-01 18:00+00:00 and its 0 h rewatch window closed 2020-05-01 18:00+00:00, '
        + 'so its codes would be born expired; give them an expiry with --expires-in (e.g. 7d) or --expires-at\n',
    );
    const withExpiry = await runCli(['tokens', 'create', '--event', 'conf', '--count', '3', '--expires-in', '7d'], { dataDir });
    assert.equal(withExpiry.code, 0, withExpiry.stderr);
  });
});
