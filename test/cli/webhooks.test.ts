import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { spawnOnFreePorts, waitFor } from '../helpers/appliance.js';
import { codesFromCsv, initialisedDataDir, json, runCli } from '../helpers/cli.js';
import { WebhookReceiver } from '../helpers/webhook-receiver.js';

describe('streamgate webhooks', () => {
  it('add (secret once), list, deliveries, remove; refuses a bad URL or event type with exit 2', { timeout: 60_000 }, async (t) => {
    const dataDir = await initialisedDataDir(t);
    const added = await runCli(['webhooks', 'add', 'https://shop.example/hooks', '--events', 'code.revoked, event.live', '--json'], { dataDir });
    assert.equal(added.code, 0, added.stderr);
    const hook = json(added);
    assert.match(hook.secret, /^whsec_/);
    assert.deepEqual(hook.events, ['event.live', 'code.revoked']);

    const human = await runCli(['webhooks', 'add', 'http://10.0.0.5:8080/sg', '--events', 'session.started'], { dataDir });
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /^secret +whsec_/m);
    assert.match(human.stderr, /only time the secret is shown/);

    const listed = json(await runCli(['webhooks', 'list', '--json'], { dataDir }));
    assert.equal(listed.length, 2);
    assert.deepEqual(listed[0], { id: hook.id, url: 'https://shop.example/hooks', events: ['event.live', 'code.revoked'], createdAt: hook.createdAt });
    assert.ok(!JSON.stringify(listed).includes('whsec_'), 'never the secret');

    for (const [args, message] of [
      [['webhooks', 'add', 'ftp://shop.example/x', '--events', 'event.live'], /only http:\/\/ and https:\/\//],
      [['webhooks', 'add', 'https://shop.example/x', '--events', 'event.started'], /--events: unknown event type "event.started"/],
      [['webhooks', 'add', 'https://shop.example/x'], /--events: required/],
      [['webhooks', 'deliveries', '--limit', 'lots'], /--limit/],
    ] as const) {
      const refused = await runCli([...args], { dataDir });
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stderr, message);
      assert.match(refused.stderr, /^streamgate: /);
    }

    const removed = await runCli(['webhooks', 'remove', hook.id, '--json'], { dataDir });
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(json(removed).id, hook.id);
    const again = await runCli(['webhooks', 'remove', hook.id], { dataDir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /webhook ".*" does not exist/);
    assert.equal(json(await runCli(['webhooks', 'list', '--json'], { dataDir })).length, 1);
  });

  it('a revocation by the CLI with no platform running waits in the outbox; the platform sends it when it starts', { timeout: 60_000 }, async (t) => {
    const dataDir = await initialisedDataDir(t);
    const shop = new WebhookReceiver();
    await shop.up();
    t.after(() => shop.down());
    const { secret, id } = json(await runCli(['webhooks', 'add', shop.url, '--events', 'code.revoked', '--json'], { dataDir }));
    const codes = codesFromCsv((await runCli(['tokens', 'create', '--event', 'conf', '--count', '3'], { dataDir })).stdout);
    const revoked = await runCli(['tokens', 'revoke', codes[0]!, codes[1]!, '--reason', 'refund'], { dataDir });
    assert.equal(revoked.code, 0, revoked.stderr);
    const pending = json(await runCli(['webhooks', 'deliveries', id, '--json'], { dataDir }));
    assert.deepEqual(pending.map((d: any) => [d.type, d.status, d.attempts]), [['code.revoked', 'pending', 0], ['code.revoked', 'pending', 0]]);

    const platform = await spawnOnFreePorts(['serve', 'platform'], { STREAMGATE_DATA_DIR: dataDir }, /platform listening/);
    t.after(async () => {
      platform.child.kill('SIGKILL');
      await platform.closed;
    });
    await shop.waitFor((r) => r.length >= 2, 20_000);
    for (const delivery of shop.received) {
      const [, ts, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(delivery.headers['streamgate-signature']))!;
      assert.equal(createHmac('sha256', secret).update(`${ts}.${delivery.body}`).digest('hex'), v1);
      assert.equal(delivery.json.data.reason, 'refund');
      assert.equal(delivery.json.data.eventId, 'conf');
    }
    const log = await waitFor('delivered', async () => {
      const rows = json(await runCli(['webhooks', 'deliveries', '--status', 'delivered', '--json'], { dataDir }));
      return rows.length === 2 && rows;
    });
    assert.deepEqual(log.map((d: any) => d.responseStatus), [200, 200]);
    const table = await runCli(['webhooks', 'deliveries'], { dataDir });
    assert.match(table.stdout, /^id\twebhook\tevent\tstatus\tattempts/);
    assert.match(table.stdout, /code\.revoked\tdelivered\t1\t/);
  });
});
