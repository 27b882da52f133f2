import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { BIN, initialisedDataDir, runCli } from '../helpers/cli.js';
import { openDatabase, writeTransaction } from '../../src/core/db/database.js';
import { loadConfig } from '../../src/core/config.js';
import { sealStreamKey } from '../../src/core/events/stream-key-seal.js';
import { loadKeyring } from '../../src/core/secret-store.js';
import { testDatabaseEnv } from '../helpers/test-database.js';

/** `streamgate ARGS | head -c 400`, as the operator types it: bash reports the CLI's own exit status. */
async function runIntoHead(args: string[], dataDir: string): Promise<{ code: number | null; firstBytes: string; stderr: string }> {
  const database = await testDatabaseEnv(dataDir);
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, STREAMGATE_DATA_DIR: dataDir, NO_COLOR: '1', ...database };
    delete env.DEBUG;
    const script = '"$@" | head -c 400; exit "${PIPESTATUS[0]}"';
    const child = spawn('bash', ['-c', script, 'bash', process.execPath, BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let firstBytes = '';
    let stderr = '';
    child.stdout.on('data', (d) => (firstBytes += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, firstBytes, stderr }));
  });
}

describe('a reader that closes stdout early (| head)', () => {
  it('ends tokens list --json, tokens create and events list quietly, with the pipe status 141', async (t) => {
    const dataDir = await initialisedDataDir(t);
    const issued = await runCli(['tokens', 'create', '--event', 'conf', '--count', '5000', '--out', `${dataDir}/../codes.csv`], { dataDir });
    assert.equal(issued.code, 0, issued.stderr);
    const config = loadConfig({ STREAMGATE_DATA_DIR: dataDir, ...(await testDatabaseEnv(dataDir)) });
    const keyring = loadKeyring(config);
    const db = await openDatabase(config);
    await writeTransaction(db, async (trx) => {
      const now = Date.now();
      const rows = Array.from({ length: 1500 }, (_, i) => ({
        id: `event-${i}`, title: `Event ${i} of a long series of talks, with a title long enough to fill the pipe quickly`, status: 'scheduled' as const, starts_at: null, ends_at: null, rewatch_hours: 48,
        stream_key: sealStreamKey(keyring, `key-${i}`), ladder: 'copy', created_at: now, updated_at: now,
      }));
      for (let i = 0; i < rows.length; i += 100) await trx.insertInto('events').values(rows.slice(i, i + 100)).execute();
    });
    await db.destroy();

    for (const args of [
      ['tokens', 'list', '--event', 'conf', '--json'],
      ['tokens', 'list', '--event', 'conf'],
      ['tokens', 'create', '--event', 'conf', '--count', '20000'],
      ['events', 'list'],
      ['events', 'list', '--json'],
    ]) {
      const result = await runIntoHead(args, dataDir);
      assert.ok(result.firstBytes.length === 400, `${args.join(' ')} printed something first`);
      assert.equal(result.stderr, '', `${args.join(' ')}: nothing on stderr`);
      assert.equal(result.code, 141, `${args.join(' ')}: exit status 141 like cat or grep in a closed pipe`);
    }
  });
});
