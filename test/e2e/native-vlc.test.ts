import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { publish, segmentsOf, startAppliance, waitFor } from '../helpers/appliance.js';
import { tempDir } from '../helpers/cli.js';
import { loggedRequests, personalLink, segmentNumber } from '../helpers/native.js';
import { runInOnePass } from '../helpers/test-database.js';

runInOnePass();

const WATCH_MS = 120_000;
const hasVlc = spawnSync('sh', ['-c', 'command -v cvlc'], { stdio: 'ignore' }).status === 0;

describe('VLC 3 (Debian vlc) through a personal link', () => {
  it('follows a live event for 2 minutes: it keeps fetching segments written after it started', { skip: !hasVlc && 'cvlc is not installed (./install.sh --dev installs it)' }, async (t) => {
    const app = await startAppliance(t, { EDGE_QUERY_TOKENS: '1' });
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, WATCH_MS / 1000 + 60);
    await waitFor('a few segments', () => segmentsOf(app.playlist()).length >= 3, 30_000);
    const [code] = await app.codes(1);
    const url = await personalLink(app, code!);

    // VLC refuses to run as root: an unprivileged user with a HOME of its own.
    const home = tempDir('streamgate-vlc-');
    fs.chmodSync(home, 0o777);
    const out = path.join(home, 'out.ts');
    const lastAtStart = Math.max(...segmentsOf(app.playlist()).map((s) => segmentNumber(s)!));
    const started = Date.now();
    const vlc = spawn('runuser', ['-u', 'nobody', '--', 'env', `HOME=${home}`, 'cvlc', '-I', 'dummy', '--no-sout-all', url, '--sout', `#std{access=file,mux=ts,dst=${out}}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      // Its own process group: killing runuser alone leaves VLC running, holding this file's test open.
      detached: true,
    });
    let stderr = '';
    vlc.stderr.on('data', (d) => (stderr += d));
    const killVlc = () => {
      try {
        process.kill(-vlc.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    t.after(killVlc);

    await sleep(WATCH_MS);
    assert.equal(vlc.exitCode, null, `VLC still playing after 2 minutes:\n${stderr.slice(-2000)}`);
    // What VLC wrote out is what it played: about 2 minutes of a stream of which only a few
    // segments existed when it opened, so it kept fetching segments written after it started.
    // (The platform logs refusals, not every segment it serves.)
    const probe = spawnSync('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', out], { encoding: 'utf8' });
    const seconds = Number(probe.stdout.trim());
    assert.ok(seconds >= 100, `VLC wrote ${seconds} s of video in ${WATCH_MS / 1000} s (the playlist listed up to segment ${lastAtStart} when it opened)`);
    assert.deepEqual(loggedRequests(app).filter((r) => r.at >= started && r.status >= 400), [], 'no refusal');
    // The publisher would outlive the test and write into the data directory being removed.
    killVlc();
    publisher.child.kill('SIGKILL');
    await app.stop();
  });
});
