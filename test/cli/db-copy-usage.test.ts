import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { json, runCli } from '../helpers/cli.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('streamgate db copy: where to', () => {
  it('refuses a password in --to (exit 2), never echoing it, and tells where a password goes', async (t) => {
    const platform = await startTestPlatform(t);
    const result = await runCli(['db', 'copy', '--to', 'postgres://sg:hunter2@127.0.0.1:1/streamgate', '--json'], { dataDir: platform.dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^streamgate: --to: the URL holds a password, .*PGPASSWORD or use ~\/\.pgpass, or .* --to-env VAR\n$/);
    assert.equal(json(result).error.code, 'password_in_argv');
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
  });

  const refused: [string, string[], NodeJS.ProcessEnv, RegExp][] = [
    ['no target', [], {}, /say where to copy to: --to postgres:\/\/USER@HOST\/DATABASE, or --to-env VAR/],
    ['an unknown kind of URL', ['--to', 'mysql://sg@db/streamgate'], {}, /--to: must be postgres:\/\/USER@HOST\[:PORT\]\/DATABASE or sqlite:FILE/],
    ['an unset --to-env variable', ['--to-env', 'SG_TARGET'], {}, /--to-env: the environment variable SG_TARGET is not set/],
    ['a bad URL in --to-env', ['--to-env', 'SG_TARGET'], { SG_TARGET: 'postgres:/nope' }, /SG_TARGET: must be postgres:\/\//],
    ['both --to and --to-env', ['--to', 'sqlite:/tmp/x.db', '--to-env', 'SG_TARGET'], {}, /cannot be used with/],
  ];
  for (const [what, args, env, message] of refused) {
    it(`refuses ${what} (exit 2)`, async (t) => {
      const platform = await startTestPlatform(t);
      const result = await runCli(['db', 'copy', ...args], { dataDir: platform.dataDir, env });
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, message);
    });
  }

  it('refuses to copy the database onto itself', async (t) => {
    const platform = await startTestPlatform(t);
    const result = await runCli(['db', 'copy', '--to', platform.config.databaseUrl], { dataDir: platform.dataDir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--to: that is the database this install uses already/);
  });

  it('takes the URL from --to-env, and an unreachable target fails (exit 1) without showing the password', async (t) => {
    const platform = await startTestPlatform(t);
    const env = { SG_TARGET: 'postgres://sg:hunter2@127.0.0.1:1/streamgate' };
    const result = await runCli(['db', 'copy', '--to-env', 'SG_TARGET'], { dataDir: platform.dataDir, env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /^streamgate: cannot open the target postgres:\/\/sg@127\.0\.0\.1:1\/streamgate: /);
    assert.doesNotMatch(result.stdout + result.stderr, /hunter2/);
  });
});
