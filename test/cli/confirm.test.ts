import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { BIN, initialisedDataDir, json, runCli, type CliResult } from '../helpers/cli.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the CLI on a real terminal: util-linux `script` gives it a pseudo-TTY for stdin, stdout
 * and stderr, and types `answer` into it. `script -e` exits with the command's status.
 */
async function runOnTerminal(args: string[], dataDir: string, answer: string): Promise<CliResult> {
  const database = await testDatabaseEnv(dataDir);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMGATE_DATA_DIR: dataDir, NO_COLOR: '1', TERM: 'dumb', ...database };
    delete env.DEBUG;
    const command = [process.execPath, BIN, ...args].map(quote).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
    child.stdin.end(answer);
  });
}

async function activeCodes(dataDir: string): Promise<number> {
  return json(await runCli(['tokens', 'list', '--event', 'conf', '--status', 'active', '--json'], { dataDir })).length;
}

describe('destructive commands ask first on a terminal', () => {
  it('tokens revoke --event: "n" changes nothing, "y" revokes, and the question gives the count', async (t) => {
    const dataDir = await initialisedDataDir(t);
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '500', '--out', `${dataDir}/../codes.csv`], { dataDir });

    const declined = await runOnTerminal(['tokens', 'revoke', '--event', 'conf'], dataDir, 'n\n');
    assert.match(declined.stdout, /Revoke 500 codes of event conf\? .*\[y\/N\]/);
    assert.match(declined.stdout, /streamgate: nothing changed/);
    assert.equal(declined.code, 2);
    assert.equal(await activeCodes(dataDir), 500);

    const accepted = await runOnTerminal(['tokens', 'revoke', '--event', 'conf'], dataDir, 'y\n');
    assert.equal(accepted.code, 0, accepted.stdout);
    assert.match(accepted.stdout, /revoked 500, already revoked 0/);
    assert.equal(await activeCodes(dataDir), 0);
  });

  it('events archive, tokens rotate, events rotate-key, sessions end, apikeys revoke and keys revoke ask; "n" keeps everything', async (t) => {
    const dataDir = await initialisedDataDir(t);
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '3', '--out', `${dataDir}/../codes.csv`], { dataDir });
    const key = json(await runCli(['apikeys', 'create', '--name', 'shop', '--json'], { dataDir }));
    const before = json(await runCli(['events', 'show', 'conf', '--json'], { dataDir }));
    assert.equal((await runCli(['keys', 'rotate'], { dataDir })).code, 0);
    const retired = json(await runCli(['keys', 'list', '--json'], { dataDir })).find((k: { status: string }) => k.status === 'retired').kid;
    const asked: [string[], RegExp][] = [
      [['events', 'archive', 'conf'], /Archive event conf for good\? 3 working codes stop working and 0 viewers watching now are stopped\. \[y\/N\]/],
      [['tokens', 'rotate', '--event', 'conf'], /Revoke 3 codes of event conf and issue 3 new ones\?/],
      [['events', 'rotate-key', 'conf'], /Give event conf a new stream key\?/],
      [['sessions', 'end', 'some-session'], /End session some-session\?/],
      [['apikeys', 'revoke', key.id], new RegExp(`Revoke API key ${key.id}\\?`)],
      [['keys', 'revoke', retired], new RegExp(`Revoke signing key ${retired}\\? Every token it signed stops playing`)],
    ];
    for (const [args, question] of asked) {
      const result = await runOnTerminal(args, dataDir, 'n\n');
      assert.match(result.stdout, question, args.join(' '));
      assert.equal(result.code, 2, args.join(' '));
    }
    const after = json(await runCli(['events', 'show', 'conf', '--json'], { dataDir }));
    assert.equal(after.status, 'scheduled');
    assert.equal(after.streamKey, before.streamKey);
    assert.equal(await activeCodes(dataDir), 3);
    assert.equal(json(await runCli(['apikeys', 'list', '--json'], { dataDir }))[0].revokedAt, null);
    assert.equal(json(await runCli(['keys', 'list', '--json'], { dataDir })).find((k: { kid: string }) => k.kid === retired).status, 'retired');

    const archived = await runOnTerminal(['events', 'archive', 'conf'], dataDir, 'y\n');
    assert.equal(archived.code, 0, archived.stdout);
    assert.equal(json(await runCli(['events', 'show', 'conf', '--json'], { dataDir })).status, 'archived');
  });

  it('--yes skips the question on a terminal, and without a terminal nobody is asked', async (t) => {
    const dataDir = await initialisedDataDir(t);
    await runCli(['tokens', 'create', '--event', 'conf', '--count', '4', '--out', `${dataDir}/../codes.csv`], { dataDir });
    const yes = await runOnTerminal(['tokens', 'rotate', '--event', 'conf', '--yes', '--out', `${dataDir}/../new.csv`], dataDir, '');
    assert.equal(yes.code, 0, yes.stdout);
    assert.doesNotMatch(yes.stdout, /\[y\/N\]/);

    const piped = await runCli(['tokens', 'revoke', '--event', 'conf'], { dataDir });
    assert.equal(piped.code, 0, piped.stderr);
    assert.doesNotMatch(piped.stdout + piped.stderr, /\[y\/N\]/);
    assert.match(piped.stdout, /revoked 4,/);
    const archived = await runCli(['events', 'archive', 'conf', '--json'], { dataDir });
    assert.equal(json(archived).status, 'archived');
  });
});
