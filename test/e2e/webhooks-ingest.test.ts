import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { publish, startAppliance, waitFor } from '../helpers/appliance.js';
import { initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('webhooks from the ingest, through the real binary', () => {
  it('an FFmpeg publish raises event.live, then event.ended when the publisher has left', { timeout: 90_000 }, async (t) => {
    const dataDir = await initialisedDataDir(t);
    const shop = new WebhookReceiver();
    await shop.up();
    t.after(() => shop.down());
    const added = await runCli(['webhooks', 'add', shop.url, '--events', 'event.live,event.ended', '--json'], { dataDir });
    assert.equal(added.code, 0, added.stderr);
    const app = await startAppliance(t, {}, dataDir);
    const publisher = publish(t, `${app.rtmpUrl}/${await app.streamKey()}`, 6);
    await shop.waitFor((r) => r.some((d) => d.json?.type === 'event.live'), 30_000);
    assert.equal(await publisher.exited, 0);
    const received = await shop.waitFor((r) => r.some((d) => d.json?.type === 'event.ended'), 30_000);
    assert.deepEqual(received.map((d) => d.json.type), ['event.live', 'event.ended']);
    assert.deepEqual(received.map((d) => [d.json.data.eventId, d.json.data.status]), [['conf', 'live'], ['conf', 'ended']]);
    // The answer is recorded just after it arrives.
    await waitFor('both recorded as delivered', async () => {
      const log = json(await runCli(['webhooks', 'deliveries', '--status', 'delivered', '--json'], { dataDir }));
      return log.length === 2;
    });
  });
});
