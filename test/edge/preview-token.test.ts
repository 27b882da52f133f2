import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { archiveEvent } from '../../src/core/events/event-service.js';
import { issuePreviewToken } from '../../src/core/events/event-preview.js';
import { makeVodFixture, startTestEdge } from '../helpers/edge.js';
import { startTestPlatform } from '../helpers/platform.js';
import { waitFor } from '../helpers/appliance.js';

describe('edge: an operator preview token', () => {
  it('plays the event, is never reported as a viewer, and stops when the event is archived', async (t) => {
    const platform = await startTestPlatform(t);
    makeVodFixture(platform.dataDir);
    const edge = await startTestEdge(t, platform, {}, { reportIntervalMs: 100 });
    const reported: string[] = [];
    const seen = edge.native.reporter.seen.bind(edge.native.reporter);
    edge.native.reporter.seen = (claims, wantsToken) => {
      reported.push(claims.sid);
      seen(claims, wantsToken);
    };
    const deps = { db: platform.db, clock: platform.now, signingKey: platform.keyring.current, maxTtlSeconds: platform.config.tokenMaxTtlSeconds, actor: 'test' };
    const preview = await issuePreviewToken(deps, 'conf');
    assert.ok(preview.expiresAt - platform.now() <= 300_000, 'short-lived');
    const get = (token: string, event = 'conf') => fetch(`${edge.url}/streams/${event}/index.m3u8`, { headers: { authorization: `Bearer ${token}` } });

    assert.equal((await get(preview.token)).status, 200);
    assert.equal((await get(preview.token, 'other')).status, 403, 'only its own event');
    const viewer = await platform.post('/api/tokens/validate', { code: (await platform.codes(1))[0], deviceId: 'living-room-tv' });
    assert.equal((await get(viewer.json.token)).status, 200);
    assert.deepEqual(reported, [viewer.json.sessionId], 'the viewer is reported, the preview is not');

    const audit = await platform.db.selectFrom('audit_log').selectAll().where('action', '=', 'event.preview').execute();
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.actor, 'test');

    await archiveEvent({ db: platform.db, clock: platform.now, actor: 'test' }, 'conf');
    await waitFor('the edge to hear of the archive', async () => (await get(preview.token)).status === 403, 5_000);
    await assert.rejects(issuePreviewToken(deps, 'conf'), /archived/);
  });
});
