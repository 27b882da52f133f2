import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { spawnOnFreePorts, startDemo, waitFor } from '../helpers/appliance.js';
import { json, runCli, tempDir } from '../helpers/cli.js';

/** The process and all its descendants, from the parent pid in /proc/PID/stat. */
function processTree(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // ended meanwhile
    }
  }
  const tree = [root];
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parentOf) {
      if (tree.includes(ppid) && !tree.includes(pid)) {
        tree.push(pid);
        grew = true;
      }
    }
  }
  return tree;
}

function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function umaskOf(pid: number): string | undefined {
  try {
    return /^Umask:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  } catch {
    return undefined; // ended meanwhile
  }
}

describe('streamgate up --demo: the processes it starts', () => {
  it('no process it starts carries a stream key, code, token or secret on its command line', async (t) => {
    const { child, ports: env, stderr, dataDir, codes } = await startDemo(t);
    const demo = async () => json(await runCli(['events', 'show', 'demo', '--json'], { dataDir, env }));
    await waitFor('the demo event live', async () => (await demo()).status === 'live', 30_000);
    const response = await fetch(`${env.PLATFORM_URL}/api/tokens/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: codes[0], deviceId: 'argv-test' }),
    });
    const { token } = (await response.json()) as { token: string };
    const secretFile = JSON.parse(fs.readFileSync(path.join(dataDir, 'secret'), 'utf8')) as { pepper: string; keys: { secret: string }[] };
    const secrets: [string, string][] = [
      ['stream key', (await demo()).streamKey],
      ...codes.map((code): [string, string] => ['code', code]),
      ['JWT', token],
      ['JWT signature', token.split('.')[2]!],
      ['pepper', secretFile.pepper],
      ...secretFile.keys.map((k): [string, string] => ['signing key', k.secret]),
    ];

    const tree = processTree(child.pid!);
    const lines = tree.map((pid) => `${pid}: ${cmdline(pid)}`);
    assert.ok(lines.filter((l) => /ffmpeg/.test(l)).length >= 2, `the publisher and the HLS writer run:\n${lines.join('\n')}`);
    for (const line of lines) {
      for (const [what, value] of secrets) assert.ok(!line.includes(value), `a ${what} in argv: ${line}`);
    }
  });

  it('all run with umask 077, whatever the caller\'s, so every file they create is their owner\'s only', async (t) => {
    const root = tempDir();
    process.umask(0o022); // what a login shell usually has; children inherit it
    const { child, closed } = await spawnOnFreePorts(
      ['up', '--demo'],
      { STREAMGATE_DATA_DIR: path.join(root, 'data'), INGEST_RECONNECT_GRACE_SECONDS: '1', NO_COLOR: '1' },
      /demo codes/,
    );
    t.after(async () => {
      child.kill('SIGKILL'); // first: its FFmpeg writes into the folder until it has gone
      await closed;
      fs.rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    });
    const umasks = await waitFor('the publisher and the HLS writer', () => {
      const found = processTree(child.pid!).flatMap((pid) => {
        const umask = umaskOf(pid);
        return umask ? [`${cmdline(pid).split(' ')[0]} ${umask}`] : [];
      });
      return found.filter((f) => f.includes('ffmpeg')).length >= 2 ? found : undefined;
    }, 30_000);
    for (const entry of umasks) assert.match(entry, / 0077$/, entry);
  });
});
