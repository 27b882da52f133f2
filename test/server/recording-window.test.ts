import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { listIngestTargets } from '../../src/core/events/event-service.js';
import { setRecordingWindow } from '../../src/core/events/recording-window.js';
import { startTestPlatform } from '../helpers/platform.js';

describe('recording windows', () => {
  it('reach the ingest with the event, and can be lifted', async (t) => {
    const platform = await startTestPlatform(t);
    const windowOf = async () => (await listIngestTargets(platform.db, platform.keyring)).find((target) => target.id === 'conf')!.window_seconds;
    assert.equal(await windowOf(), null, 'the whole recording by default');
    await setRecordingWindow(platform.db, 'conf', 600);
    await setRecordingWindow(platform.db, 'conf', 600); // idempotent, as `up --demo` sets it on every start
    assert.equal(await windowOf(), 600);
    await setRecordingWindow(platform.db, 'conf', null);
    assert.equal(await windowOf(), null);
  });
});
