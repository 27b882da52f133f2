import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { publish, startAppliance, waitFor } from '../helpers/appliance.js';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { adminApi, healthWith } from '../helpers/stream-health.js';

describe('a rehearsal before the event starts', () => {
  it('refuses viewers while the preview plays, goes live with --go-live, and its recording can be reset', async (t) => {
    const startsAt = new Date(Date.now() + 3_600_000).toISOString();
    const dataDir = await initialisedDataDir(t, ['--title', 'Show', '--id', 'show', '--starts-at', startsAt]);
    const app = await startAppliance(t, {}, dataDir);
    const api = await adminApi(app);
    const [code] = await app.codes(1, 'show');
    const validate = (c: string) =>
      fetch(`${app.platformUrl}/api/tokens/validate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ code: c, deviceId: `device-${c}` }) });

    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey('show')}`, 120);
    const health = await healthWith(api, 'show', (h) => h.rehearsal && h.ingest.state === 'writing');
    assert.ok(health.warnings.some((w: { code: string }) => w.code === 'rehearsal'));
    assert.equal(await app.status('show'), 'scheduled', 'a rehearsal does not make the event live');
    const refused = await validate(code!);
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as any).error.code, 'event_not_available');

    const preview = (await api.call('POST', '/api/admin/events/show/preview')).json;
    const playlist = await fetch(`${app.edgeUrl}/streams/show/index.m3u8`, { headers: { authorization: `Bearer ${preview.token}` } });
    assert.equal(playlist.status, 200, 'the operator previews the rehearsal');

    const started = json(await runCli(['events', 'update', 'show', '--go-live', '--json'], { dataDir }));
    assert.ok(Date.parse(started.startsAt) <= Date.now());
    await waitFor('the event to go live', async () => (await app.status('show')) === 'live', 10_000);
    assert.equal((await validate(code!)).status, 200, 'viewers get in once it has started');
    const goLive = await api.call('GET', '/api/admin/audit?action=event.go_live');
    assert.equal(goLive.json.entries.length, 1);

    const whileLive = await api.call('POST', '/api/admin/events/show/reset-recording');
    assert.equal(whileLive.status, 409);
    assert.equal(whileLive.json.error.code, 'event_live');
    const cliWhileLive = await runCli(['events', 'reset-recording', 'show', '--yes', '--json'], { dataDir });
    assert.equal(cliWhileLive.code, 2);
    assert.equal(json(cliWhileLive).error.code, 'event_live');

    publisher.child.kill('SIGKILL');
    await waitFor('the event to end', async () => (await app.status('show')) === 'ended', 20_000);
    const reset = await runCli(['events', 'reset-recording', 'show', '--yes', '--json'], { dataDir });
    assert.equal(reset.code, 0, reset.stderr);
    const result = json(reset);
    assert.ok(result.files > 1 && result.bytes > 0, JSON.stringify(result));
    assert.equal(result.status, 'scheduled');
    assert.equal(fs.existsSync(path.join(dataDir, 'hls', 'show')), false);
    assert.deepEqual(fs.readdirSync(path.join(dataDir, 'hls')), [], 'nothing left behind');
    const audited = (await api.call('GET', '/api/admin/audit?action=event.reset_recording')).json.entries;
    assert.equal(audited.length, 1);
    assert.equal(audited[0].details.files, result.files);
    assert.equal((await api.health('show')).state, 'idle');
  });
});
