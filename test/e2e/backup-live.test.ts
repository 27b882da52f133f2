import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ffprobe, publish, segmentsOf, startAppliance, waitFor } from '../helpers/appliance.js';
import { json, runCli, tempDir } from '../helpers/cli.js';
import { checkMediaPlaylist } from '../helpers/hls-rules.js';
import { useSqliteInEveryPass } from '../helpers/test-database.js';

// About SQLite's snapshot (integrity_check) while the services write: SQLite in both passes.
useSqliteInEveryPass();

describe('backup --with-media during a live publish', () => {
  it('restores an install whose database passes integrity_check and whose live recording parses and plays', { timeout: 300_000 }, async (t) => {
    const app = await startAppliance(t);
    const [code] = await app.codes(1);
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 60);
    await waitFor('live with three segments', async () => (await app.status()) === 'live' && segmentsOf(app.playlist()).length >= 3, 60_000);

    const root = tempDir();
    // Removed once the restored install (started below, stopped by its own hook) has gone.
    let restoredServing = false;
    const removeRoot = () => fs.rmSync(root, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    t.after(() => restoredServing || removeRoot());
    const archive = path.join(root, 'live.tar');
    const backup = await runCli(['backup', archive, '--with-media', '--json'], { dataDir: app.dataDir });
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal(publisher.child.exitCode, null, 'the publisher was live all through the backup');
    assert.ok(json(backup).mediaFiles >= 4, `media files: ${json(backup).mediaFiles}`);

    const restored = path.join(root, 'restored');
    const restore = await runCli(['restore', archive, '--json'], { dataDir: restored });
    assert.equal(restore.code, 0, restore.stderr);
    const db = new BetterSqlite3(path.join(restored, 'streamgate.db'), { readonly: true });
    try {
      assert.deepEqual(db.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
    } finally {
      db.close();
    }
    // Strict RFC 8216 parse, and every segment it lists is in the restored folder, not empty.
    const playlist = checkMediaPlaylist(path.join(restored, 'hls', 'conf', 'index.m3u8'));
    assert.ok(playlist.segments.length >= 3, `${playlist.segments.length} segments`);
    for (const file of fs.readdirSync(path.join(restored, 'hls', 'conf'))) {
      assert.equal(fs.statSync(path.join(restored, 'hls', 'conf', file)).mode & 0o777, 0o600, file);
    }

    // The restored install serves what was recorded to a viewer with a code issued before the backup.
    await app.stop();
    restoredServing = true;
    const copy = await startAppliance(t, {}, restored);
    t.after(removeRoot);
    await waitFor('the restored event ended (no publisher)', async () => (await copy.status()) === 'ended', 30_000);
    const validated = await fetch(`${copy.platformUrl}/api/tokens/validate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code, deviceId: 'restored-device' }),
    });
    assert.equal(validated.status, 200, await validated.clone().text());
    const { token } = (await validated.json()) as { token: string };
    const probe = await ffprobe(`${copy.edgeUrl}/streams/conf/index.m3u8`, token);
    assert.deepEqual(probe.codecs, ['aac', 'h264']);
    assert.ok(probe.durationSeconds >= 4, `plays ${probe.durationSeconds} s`);
  });
});
